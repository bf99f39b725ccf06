//! One contrastive-divergence iteration of jem-c4 (ESVGD.md §4): 32 negatives + 32 positives, the MLP
//! 2→32→64→64→64→32→2 with the JEM head, 1,000 SVGD steps (h 0.1, step 0.9; no early stop), then the Adam
//! step; for the three combinations. Also one SVGD step alone.

use criterion::{criterion_group, criterion_main, Criterion};
use equistein::cd::{CdBatch, TrainableEnergy};
use equistein::group::CyclicRotation;
use equistein::kernel::{GroupAveraged, Rbf};
use equistein::{random, Kernel, Particles, RunLimits, Sampler, Svgd};
use equistein_candle::{Adam, CandleEnergy, GroupAverage, Head, JemHead, Mlp, Network};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use std::hint::black_box;

const SIZES: [usize; 7] = [2, 32, 64, 64, 64, 32, 2];

fn data(rng: &mut ChaCha8Rng, n: usize) -> Particles<f32> {
    Particles::from_fn(2, n, |i, _| {
        let r = if i % 2 == 0 { 7.0 } else { 15.0 };
        r * 0.5 + random::standard_normal::<f32, _>(rng)
    })
}

fn iteration<N: Network<f32>, H: Head<f32, Label = usize>, K: Kernel<f32>>(
    model: &mut CandleEnergy<f32, N, H>,
    svgd: &mut Svgd<f32, K>,
    positives: &Particles<f32>,
    labels: &[Option<usize>],
    chain: &mut Particles<f32>,
    rng: &mut ChaCha8Rng,
    steps: usize,
) {
    svgd.set_positives(Some(positives.clone())).unwrap();
    svgd.reset();
    svgd.run(&*model, chain, rng, RunLimits::steps(steps), &mut ())
        .unwrap();
    model
        .cd_gradient(&CdBatch {
            positives,
            labels,
            negatives: chain,
            epoch: 0,
        })
        .unwrap();
    model.apply_gradient(0).unwrap();
}

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let positives = data(&mut rng, 32);
    let labels: Vec<Option<usize>> = (0..32).map(|i| Some(i % 2)).collect();
    let c4 = CyclicRotation::new(4).unwrap();
    let rbf = Rbf::fixed(0.1f32).unwrap();

    let mut group = c.benchmark_group("cd_iteration_jem_c4");
    group.sample_size(10);
    let regular = || {
        let mlp = Mlp::<f32>::new(&SIZES, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        CandleEnergy::new(mlp, JemHead::new(2), Adam::new(1e-3)).unwrap()
    };
    let equivariant = || {
        let mlp = Mlp::<f32>::new(&SIZES, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        CandleEnergy::new(
            GroupAverage::new(mlp, &c4).unwrap(),
            JemHead::new(2),
            Adam::new(1e-3),
        )
        .unwrap()
    };
    let mut chain = positives.clone();
    {
        let mut m = regular();
        let mut s = Svgd::builder(rbf).step_size(0.9).build().unwrap();
        group.bench_function("ebm+svgd", |b| {
            b.iter(|| {
                iteration(
                    &mut m, &mut s, &positives, &labels, &mut chain, &mut rng, 1000,
                )
            })
        });
    }
    {
        let mut m = equivariant();
        let mut s = Svgd::builder(rbf).step_size(0.9).build().unwrap();
        group.bench_function("eebm+svgd", |b| {
            b.iter(|| {
                iteration(
                    &mut m, &mut s, &positives, &labels, &mut chain, &mut rng, 1000,
                )
            })
        });
    }
    {
        let mut m = equivariant();
        let k = GroupAveraged::new(c4, rbf);
        let mut s = Svgd::builder(k).step_size(0.9).build().unwrap();
        group.bench_function("eebm+esvgd", |b| {
            b.iter(|| {
                iteration(
                    &mut m, &mut s, &positives, &labels, &mut chain, &mut rng, 1000,
                )
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("svgd_step_jem_c4");
    let m = equivariant();
    let mut s = Svgd::builder(GroupAveraged::new(c4, rbf))
        .step_size(0.01)
        .positives(positives.clone())
        .build()
        .unwrap();
    let mut x = positives.clone();
    group.bench_function("eebm+esvgd", |b| {
        b.iter(|| black_box(s.step(&m, &mut x, &mut rng).unwrap()))
    });
    let m = regular();
    let mut s = Svgd::builder(rbf)
        .step_size(0.01)
        .positives(positives.clone())
        .build()
        .unwrap();
    group.bench_function("ebm+svgd", |b| {
        b.iter(|| black_box(s.step(&m, &mut x, &mut rng).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
