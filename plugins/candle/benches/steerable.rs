//! The FashionMNIST networks (ESVGD.md §7): energy + ∇ₓ of 64 and 128 images on the sampling path (one SVGD
//! step's model cost: 64 negatives + 64 positives) for the C4-steerable CNN and the plain CNN, and one JEM
//! training step (forward + backward + Adam) of 64 positives + 64 negatives.
//!
//! `cargo bench -p equistein-candle --bench steerable -- --warm-up-time 1 --measurement-time 5`

use criterion::{criterion_group, criterion_main, Criterion};
use equistein::cd::{CdBatch, TrainableEnergy};
use equistein::{random, Energy, Particles};
use equistein_candle::{Adam, CandleEnergy, JemHead, Network, PlainCnn, SteerableCnn};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use std::hint::black_box;

fn images(n: usize, seed: u64) -> Particles<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Particles::from_fn(784, n, |_, _| random::uniform(&mut rng, 0.0f32, 1.0))
}

fn model<N: Network<f32>>(net: N) -> CandleEnergy<f32, N, JemHead> {
    CandleEnergy::new(net, JemHead::new(10), Adam::new(1e-3)).unwrap()
}

fn energy_grad<N: Network<f32>>(c: &mut Criterion, name: &str, m: &CandleEnergy<f32, N, JemHead>) {
    let mut group = c.benchmark_group(format!("{name}_energy_grad"));
    group.sample_size(10);
    for n in [64, 128] {
        let xs = images(n, 1);
        let mut e = vec![0.0f32; n];
        let mut g = Particles::zeros(784, n);
        group.bench_function(format!("{n}"), |b| {
            b.iter(|| m.energy_grad_batch(black_box(&xs), &mut e, &mut g).unwrap())
        });
    }
    group.finish();
}

fn train_step<N: Network<f32>>(
    c: &mut Criterion,
    name: &str,
    m: &mut CandleEnergy<f32, N, JemHead>,
) {
    let pos = images(64, 2);
    let neg = images(64, 3);
    let labels: Vec<Option<usize>> = (0..64).map(|i| Some(i % 10)).collect();
    let mut group = c.benchmark_group(format!("{name}_train_step"));
    group.sample_size(10);
    group.bench_function("128", |b| {
        b.iter(|| {
            m.cd_gradient(&CdBatch {
                positives: &pos,
                labels: &labels,
                negatives: &neg,
                epoch: 0,
            })
            .unwrap();
            m.apply_gradient(0).unwrap();
        })
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut steerable = model(SteerableCnn::fashion_mnist(&mut rng).unwrap());
    let mut plain = model(PlainCnn::fashion_mnist(&mut rng).unwrap());
    energy_grad(c, "steerable", &steerable);
    energy_grad(c, "plain", &plain);
    train_step(c, "steerable", &mut steerable);
    train_step(c, "plain", &mut plain);
}

criterion_group!(benches, bench);
criterion_main!(benches);
