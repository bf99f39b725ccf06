//! Median times of the FashionMNIST networks: energy + ∇ₓ (sampling path) of 64 and 128 images, and one JEM
//! training step (forward + backward + Adam) of 64 positives + 64 negatives. Plain `Instant` timing, without
//! criterion's analysis; the criterion benchmark is `benches/steerable.rs`.
//! `cargo run --release -p equistein-candle --example conv_timing`
use equistein::cd::{CdBatch, TrainableEnergy};
use equistein::{random, Energy, Particles};
use equistein_candle::{Adam, CandleEnergy, JemHead, Network, PlainCnn, SteerableCnn};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use std::time::Instant;

fn time<N: Network<f32>>(name: &str, net: N) {
    let mut m = CandleEnergy::new(net, JemHead::new(10), Adam::new(1e-3)).unwrap();
    for n in [64usize, 128] {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let xs = Particles::from_fn(784, n, |_, _| random::uniform(&mut rng, 0.0f32, 1.0));
        let mut e = vec![0.0f32; n];
        let mut g = Particles::zeros(784, n);
        let mut t: Vec<f64> = (0..15)
            .map(|_| {
                let s = Instant::now();
                m.energy_grad_batch(&xs, &mut e, &mut g).unwrap();
                s.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        t.sort_by(f64::total_cmp);
        println!(
            "{name} energy+grad {n}: median {:.1} ms (min {:.1})",
            t[7], t[0]
        );
    }
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let pos = Particles::from_fn(784, 64, |_, _| random::uniform(&mut rng, 0.0f32, 1.0));
    let neg = Particles::from_fn(784, 64, |_, _| random::uniform(&mut rng, 0.0f32, 1.0));
    let labels: Vec<Option<usize>> = (0..64).map(|i| Some(i % 10)).collect();
    let mut t: Vec<f64> = (0..7)
        .map(|_| {
            let s = Instant::now();
            let batch = CdBatch {
                positives: &pos,
                labels: &labels,
                negatives: &neg,
                epoch: 0,
            };
            m.cd_gradient(&batch).unwrap();
            m.apply_gradient(0).unwrap();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    println!(
        "{name} train step 128: median {:.1} ms (min {:.1})",
        t[3], t[0]
    );
}

fn main() {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    time("steerable", SteerableCnn::fashion_mnist(&mut rng).unwrap());
    time("plain", PlainCnn::fashion_mnist(&mut rng).unwrap());
}
