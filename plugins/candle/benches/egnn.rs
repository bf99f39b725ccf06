//! The EGNN energy of the qm9 experiment (ESVGD.md §4: 64 × 4 layers, C5H8O, 14 atoms): energy + ∇ₓ of 32
//! molecules on the sampling path (one SVGD step's model cost: 16 negatives + 16 positives) in f32 and f64,
//! energies only, and one CD training step (16 positives + 16 negatives, forward + backward through candle +
//! Adam + the refresh of the sampling path).
//!
//! `cargo bench -p equistein-candle --bench egnn -- --warm-up-time 1 --measurement-time 5`
//! (the side-by-side comparison with PyTorch: `benches/compare/run.sh egnn`)

use criterion::{criterion_group, criterion_main, Criterion};
use equistein::cd::{CdBatch, TrainableEnergy};
use equistein::{random, Energy, Particles};
use equistein_candle::{Adam, CandleEnergy, Egnn, EgnnConfig, Float, ScalarHead, ATOM_FEATURES};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use std::hint::black_box;

/// C5H8O: 5 C, 1 O, 8 H (indices into H, C, N, O, F).
const TYPES: [usize; 14] = [1, 1, 1, 1, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0];

fn features() -> Vec<[f64; ATOM_FEATURES]> {
    let charges = [1.0, 6.0, 7.0, 8.0, 9.0];
    TYPES
        .iter()
        .map(|&t| {
            let mut f = [0.0; ATOM_FEATURES];
            for p in 0..3 {
                f[3 * t + p] = f64::powi(charges[t] / 9.0, p as i32);
            }
            f
        })
        .collect()
}

fn model<T: Float>() -> CandleEnergy<T, Egnn<T>, ScalarHead> {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let net = Egnn::new(EgnnConfig::default(), &features(), &mut rng).unwrap();
    CandleEnergy::new(net, ScalarHead::new(), Adam::new(1e-3)).unwrap()
}

fn molecules<T: Float>(n: usize, seed: u64) -> Particles<T> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Particles::from_fn(3 * TYPES.len(), n, |_, _| {
        T::c(random::uniform(&mut rng, 0.0f64, 4.0))
    })
}

fn energy_grad<T: Float>(c: &mut Criterion, name: &str) {
    let m = model::<T>();
    let xs = molecules::<T>(32, 1);
    let mut e = vec![T::zero(); 32];
    let mut g = Particles::zeros(xs.dim(), 32);
    let mut group = c.benchmark_group("egnn_c5h8o");
    group.sample_size(20);
    group.bench_function(format!("energy_grad_32_{name}"), |b| {
        b.iter(|| m.energy_grad_batch(black_box(&xs), &mut e, &mut g).unwrap())
    });
    if name == "f32" {
        group.bench_function("energy_32_f32", |b| {
            b.iter(|| m.energy_batch(black_box(&xs), &mut e).unwrap())
        });
    }
    group.finish();
}

fn train_step(c: &mut Criterion) {
    let mut m = model::<f32>();
    let (pos, neg) = (molecules::<f32>(16, 2), molecules::<f32>(16, 3));
    let labels = vec![None; 16];
    let mut group = c.benchmark_group("egnn_c5h8o");
    group.sample_size(10);
    group.bench_function("train_step_16_16_f32", |b| {
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

fn benches(c: &mut Criterion) {
    energy_grad::<f32>(c, "f32");
    energy_grad::<f64>(c, "f64");
    train_step(c);
}

criterion_group!(egnn, benches);
criterion_main!(egnn);
