//! One SVGD step (standard normal target, fixed bandwidth h = √d / RBF base h = 1 for the C4 kernels) for the grid
//! of issue 3, in f32 and f64, for the RBF, group-averaged C4, norm-map and matrix-valued C4 kernels. The C4
//! kernels act on the plane, so they run at the d = 2 points only. Kept short: 10 samples, 1 s each point.
//!
//! `cargo bench --bench svgd_step` (add `--features parallel` for the threaded step; `-- rbf/` to filter).

use criterion::{criterion_group, criterion_main, Criterion};
use equistein::group::{CyclicRotation, NormMap};
use equistein::kernel::{GroupAveraged, InvariantMap, Kernel, MatrixValued, Rbf};
use equistein::{random, EnergyFn, Particles, Real, Sampler, Svgd};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use std::hint::black_box;
use std::time::Duration;

const GRID: [(usize, usize); 7] = [
    (100, 2),
    (1000, 2),
    (4000, 2),
    (1000, 8),
    (1000, 64),
    (1000, 784),
    (20000, 2),
];

fn bench_kernel<T: Real, K: Kernel<T>>(
    c: &mut Criterion,
    name: &str,
    n: usize,
    d: usize,
    kernel: K,
) {
    let energy = EnergyFn::new(
        d,
        |x: &[T]| x.iter().fold(T::zero(), |a, &v| a + v * v) * T::c(0.5),
        |x: &[T], g: &mut [T]| {
            g.copy_from_slice(x);
            x.iter().fold(T::zero(), |a, &v| a + v * v) * T::c(0.5)
        },
    );
    let mut svgd = Svgd::builder(kernel)
        .step_size(T::c(1e-3))
        .build()
        .expect("valid settings");
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut x = Particles::from_fn(d, n, |_, _| random::standard_normal::<T, _>(&mut rng));
    let dtype = if core::mem::size_of::<T>() == 8 {
        "f64"
    } else {
        "f32"
    };
    c.bench_function(&format!("{name}/{dtype}/{n}x{d}"), |b| {
        b.iter(|| {
            svgd.step(&energy, &mut x, &mut rng).expect("step");
            black_box(&x);
        })
    });
}

fn for_dtype<T: Real>(c: &mut Criterion) {
    for &(n, d) in &GRID {
        let h = T::c((d as f64).sqrt());
        bench_kernel::<T, _>(c, "rbf", n, d, Rbf::fixed(h).expect("h > 0"));
        bench_kernel::<T, _>(
            c,
            "norm-map",
            n,
            d,
            InvariantMap::new(NormMap::new(d), Rbf::fixed(T::one()).expect("h > 0")),
        );
        if d == 2 {
            let c4 = CyclicRotation::new(4).expect("order 4");
            let base = Rbf::fixed(T::one()).expect("h > 0");
            bench_kernel::<T, _>(c, "group-averaged-c4", n, d, GroupAveraged::new(c4, base));
            bench_kernel::<T, _>(c, "matrix-valued-c4", n, d, MatrixValued::new(c4, base));
        }
    }
}

fn benches(c: &mut Criterion) {
    for_dtype::<f64>(c);
    for_dtype::<f32>(c);
}

criterion_group! {
    name = svgd_step;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = benches
}
criterion_main!(svgd_step);
