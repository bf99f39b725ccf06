//! Times one SVGD step of this crate for `benches/compare/run.sh` and prints one JSON object per (n, d, dtype).
//!
//! The step: scores `s = −x` (standard normal target), the RBF direction with the fixed bandwidth `h = √d`,
//! `x ← x + 10⁻³ φ`. Particles start as standard normal draws (ChaCha8, seed 0).
//!
//! Usage: `compare_step N D DTYPE RUNS [N D DTYPE RUNS ...]` (DTYPE `f32` or `f64`); `EQUISTEIN_KERNEL=c4` times
//! the group-averaged C4 kernel (same bandwidth, d = 2) instead; `EQUISTEIN_BATCH=b` turns on random-batch SVGD. Threads: rayon's default
//! (set `RAYON_NUM_THREADS`) with the `parallel` feature, one thread without it.

use equistein::group::CyclicRotation;
use equistein::kernel::{GroupAveraged, Kernel, Rbf};
use equistein::{random, EnergyFn, Particles, Real, Sampler, Svgd};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use std::time::Instant;

fn time_step<T: Real>(n: usize, d: usize, runs: usize) -> (f64, Vec<f64>) {
    let h = T::c((d as f64).sqrt());
    let rbf = Rbf::fixed(h).expect("positive bandwidth");
    match std::env::var("EQUISTEIN_KERNEL").as_deref() {
        Ok("c4") => {
            let c4 = CyclicRotation::new(4).expect("order 4");
            time_kernel(GroupAveraged::new(c4, rbf), n, d, runs)
        }
        _ => time_kernel(rbf, n, d, runs),
    }
}

fn time_kernel<T: Real, K: Kernel<T>>(
    kernel: K,
    n: usize,
    d: usize,
    runs: usize,
) -> (f64, Vec<f64>) {
    let energy = EnergyFn::new(
        d,
        |x: &[T]| x.iter().fold(T::zero(), |a, &v| a + v * v) * T::c(0.5),
        |x: &[T], g: &mut [T]| {
            g.copy_from_slice(x);
            x.iter().fold(T::zero(), |a, &v| a + v * v) * T::c(0.5)
        },
    );
    let mut builder = Svgd::builder(kernel).step_size(T::c(1e-3));
    if let Some(b) = std::env::var("EQUISTEIN_BATCH")
        .ok()
        .and_then(|b| b.parse().ok())
    {
        builder = builder.random_batch(b);
    }
    let mut svgd = builder.build().expect("valid settings");
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut x = Particles::from_fn(d, n, |_, _| random::standard_normal::<T, _>(&mut rng));
    // Warm-up: buffers, thread pool, CPU feature detection, and the scheduler: a new process's rayon workers
    // often start on the same core and are spread out only after ~0.1 s (measured: 1000 × 2 steps take
    // 0.6 ms for the first ~180 steps, then 0.33 ms), while the peers run in one long-lived Python process.
    // So: at least 2 steps and at least 0.3 s.
    let warm = Instant::now();
    let mut warm_steps = 0;
    while warm_steps < 2 || warm.elapsed().as_secs_f64() < 0.3 {
        svgd.step(&energy, &mut x, &mut rng).expect("step");
        warm_steps += 1;
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        svgd.step(&energy, &mut x, &mut rng).expect("step");
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    (sorted[sorted.len() / 2], times)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || !args.len().is_multiple_of(4) {
        eprintln!("usage: compare_step N D DTYPE RUNS [N D DTYPE RUNS ...]");
        std::process::exit(2);
    }
    for spec in args.chunks_exact(4) {
        let parse = |s: &str| {
            s.parse::<usize>()
                .unwrap_or_else(|_| panic!("not a count: {s}"))
        };
        let (n, d, runs) = (parse(&spec[0]), parse(&spec[1]), parse(&spec[3]).max(1));
        let (median, times) = match spec[2].as_str() {
            "f32" => time_step::<f32>(n, d, runs),
            "f64" => time_step::<f64>(n, d, runs),
            other => panic!("dtype must be f32 or f64, got {other}"),
        };
        let times: Vec<String> = times.iter().map(|t| format!("{t:.4}")).collect();
        println!(
            "{{\"impl\": \"equistein\", \"n\": {n}, \"d\": {d}, \"dtype\": \"{}\", \"median_ms\": {median:.5}, \"runs\": {runs}, \"times_ms\": [{}]}}",
            spec[2],
            times.join(", ")
        );
    }
}
