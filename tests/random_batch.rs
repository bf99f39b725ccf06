//! Random-batch SVGD: it still recovers a 2-D Gaussian, validates its batch size, and scales to many particles.

use equistein::kernel::Rbf;
use equistein::target::Gaussian;
use equistein::{random, Error, Particles, RunLimits, Sampler, Svgd};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

/// `N(μ, diag(σ²))` with μ = (1, −0.5), σ = (1, 0.5).
fn gaussian() -> Gaussian<f64> {
    Gaussian::new(vec![1.0, -0.5], vec![1.0, 0.0, 0.0, 0.25]).unwrap()
}

fn moments(x: &Particles<f64>) -> ([f64; 2], [f64; 2]) {
    let m = x.mean();
    let n = x.len() as f64;
    let mut v = [0.0; 2];
    for p in x.iter() {
        for a in 0..2 {
            v[a] += (p[a] - m[a]).powi(2) / n;
        }
    }
    ([m[0], m[1]], v)
}

/// Seed 0, 400 particles started off-centre, batches of 20 (median bandwidth per batch), 1500 steps: mean within 0.08 and variances within
/// 20 % of the target's.
#[test]
fn random_batch_recovers_a_2d_gaussian() {
    let energy = gaussian();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut x = Particles::from_fn(2, 400, |_, _| {
        3.0 + 0.3 * random::standard_normal::<f64, _>(&mut rng)
    });
    let mut svgd = Svgd::builder(Rbf::median())
        .step_size(0.05)
        .random_batch(20)
        .build()
        .unwrap();
    assert_eq!(svgd.random_batch(), Some(20));
    svgd.run(&energy, &mut x, &mut rng, RunLimits::steps(1500), &mut ())
        .unwrap();
    let (m, v) = moments(&x);
    assert!(
        (m[0] - 1.0).abs() < 0.08 && (m[1] + 0.5).abs() < 0.08,
        "mean {m:?}"
    );
    assert!((v[0] / 1.0 - 1.0).abs() < 0.2, "variance {v:?}");
    assert!((v[1] / 0.25 - 1.0).abs() < 0.2, "variance {v:?}");
}

#[test]
fn random_batch_validates_and_falls_back() {
    assert!(matches!(
        Svgd::builder(Rbf::<f64>::median()).random_batch(1).build(),
        Err(Error::InvalidParameter {
            name: "random_batch",
            ..
        })
    ));
    // b ≥ n is plain SVGD: the same trajectory as without batching.
    let energy = gaussian();
    let start = Particles::from_fn(2, 10, |i, a| (i * 2 + a) as f64 * 0.1);
    let mut a = start.clone();
    let mut b = start.clone();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut plain = Svgd::builder(Rbf::fixed(0.7).unwrap())
        .step_size(0.1)
        .build()
        .unwrap();
    let mut big = Svgd::builder(Rbf::fixed(0.7).unwrap())
        .step_size(0.1)
        .random_batch(10)
        .build()
        .unwrap();
    for _ in 0..5 {
        plain.step(&energy, &mut a, &mut rng).unwrap();
        big.step(&energy, &mut b, &mut rng).unwrap();
    }
    assert_eq!(a, b);
}

/// The random-batch direction is an unbiased estimate of the full one: averaged over 4000 batch draws (seed 3,
/// 30 particles, batches of 6, with and without 5 positives) it is within 3 % (relative to its largest entry) of
/// `Svgd::direction`.
#[test]
fn random_batch_direction_is_unbiased() {
    let energy = gaussian();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let x = Particles::from_fn(2, 30, |_, _| {
        1.5 * random::standard_normal::<f64, _>(&mut rng)
    });
    let y = Particles::from_fn(2, 5, |_, _| random::standard_normal::<f64, _>(&mut rng));
    for positives in [None, Some(y)] {
        let eps = 1e-3;
        let build = |b: Option<usize>| {
            let mut s = Svgd::builder(Rbf::fixed(0.8).unwrap()).step_size(eps);
            if let Some(b) = b {
                s = s.random_batch(b);
            }
            if let Some(p) = &positives {
                s = s.positives(p.clone());
            }
            s.build().unwrap()
        };
        let full = build(None).direction(&energy, &x).unwrap().clone();
        let mut batch = build(Some(6));
        let draws = 4000;
        let mut mean = vec![0.0; 60];
        for _ in 0..draws {
            let mut z = x.clone();
            batch.step(&energy, &mut z, &mut rng).unwrap();
            batch.reset();
            for ((m, &a), &b) in mean.iter_mut().zip(z.as_slice()).zip(x.as_slice()) {
                *m += (a - b) / eps / draws as f64;
            }
        }
        let scale = full.as_slice().iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let err = mean
            .iter()
            .zip(full.as_slice())
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(err < 0.03 * scale, "error {err} at scale {scale}");
    }
}

/// 100,000 particles take random-batch steps (b = 32); every particle moves and stays finite.
#[test]
fn random_batch_scales_to_100k_particles() {
    let energy = gaussian();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut x = Particles::from_fn(2, 100_000, |_, _| {
        random::standard_normal::<f64, _>(&mut rng)
    });
    let before = x.clone();
    let mut svgd = Svgd::builder(Rbf::fixed(0.3).unwrap())
        .step_size(0.01)
        .random_batch(32)
        .build()
        .unwrap();
    svgd.step(&energy, &mut x, &mut rng).unwrap();
    assert!(x.as_slice().iter().all(|v| v.is_finite()));
    let moved = x.iter().zip(before.iter()).filter(|(p, q)| p != q).count();
    assert_eq!(moved, 100_000);
}
