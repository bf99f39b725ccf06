//! One SVGD step of DW-4 training (ESVGD.md §4): 64 negatives moved, 64 positives as fixed repulsive
//! particles, the MLP 8 → 64 → 64 → 1 with `log(1 + o²)`, for `ebm+svgd` (raw coordinates, RBF h = 0.1),
//! `eebm+svgd` (canonical-frame input, RBF h = 0.1) and `eebm+esvgd` (canonical-frame input, invariant-map RBF
//! over the canonical frame, h = 0.001). The authors' PyTorch code on this machine (2 threads): 0.46 ms
//! (regular, RBF) and 1.55 ms (canonical input, invariant kernel) a step.
//!
//! `cargo bench -p equistein-cli --bench dw4_step`

use criterion::{criterion_group, criterion_main, Criterion};
use equistein::group::PointCloud;
use equistein::kernel::{InvariantMap, Rbf};
use equistein::{random, Energy, Kernel, Particles, Sampler, Svgd};
use equistein_candle::{Adam, CandleEnergy, CanonicalInput, Mlp, ScalarHead};
use equistein_molecules::TrainingSet;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use std::hint::black_box;

const SIZES: [usize; 4] = [8, 64, 64, 1];

fn step<E: Energy<f32>, K: Kernel<f32>>(
    c: &mut Criterion,
    name: &str,
    energy: &E,
    kernel: K,
    positives: &Particles<f32>,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut x = Particles::from_fn(8, 64, |_, _| random::uniform(&mut rng, -5.0f32, 5.0));
    // A step size small enough that the chain stays put over the benchmark's many steps.
    let mut s = Svgd::builder(kernel)
        .step_size(1e-6)
        .positives(positives.clone())
        .build()
        .unwrap();
    c.bench_function(&format!("dw4_svgd_step/{name}"), |b| {
        b.iter(|| black_box(s.step(energy, &mut x, &mut rng).unwrap()))
    });
}

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    // The paper's training set (13 copies of each state, σ = 0.1): its first 64 rows.
    let positives: Particles<f32> = TrainingSet::new(13, 0.1).unwrap().build(&mut rng);
    let positives = Particles::from_rows(8, &positives.as_slice()[..64 * 8]).unwrap();
    let frame = PointCloud::new(4, 2).unwrap().orbit_map();
    let mlp = || Mlp::<f32>::new(&SIZES, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
    let regular = CandleEnergy::new(mlp(), ScalarHead::new(), Adam::new(1e-2)).unwrap();
    let canonical = CandleEnergy::new(
        CanonicalInput::new::<f32>(mlp(), frame).unwrap(),
        ScalarHead::new(),
        Adam::new(1e-2),
    )
    .unwrap();
    let rbf = Rbf::fixed(0.1f32).unwrap();
    step(c, "ebm+svgd", &regular, rbf, &positives);
    step(c, "eebm+svgd", &canonical, rbf, &positives);
    let invariant = InvariantMap::new(frame, Rbf::fixed(0.001f32).unwrap());
    step(c, "eebm+esvgd", &canonical, invariant, &positives);
}

criterion_group! {
    name = benches;
    // No plots: plotters' PDF backend needs a system font, which a bare machine lacks.
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);
