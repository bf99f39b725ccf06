//! Analytic targets: test vectors (ESVGD.md §8), gradients against finite differences, symmetry, exact samplers.

use equistein::group::{CyclicRotation, Group};
use equistein::target::{ExactSample, Gaussian, GaussianMixture, RadialMixture};
use equistein::{Energy, Error, Particles};
use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

fn c4() -> GaussianMixture<f64> {
    GaussianMixture::c_n_symmetric(4, 3.0, 1.0, 0.2).unwrap()
}

fn circles() -> RadialMixture<f64> {
    RadialMixture::new(2, vec![4.0, 8.0], vec![0.5, 0.5], vec![0.5, 0.5]).unwrap()
}

fn spheres() -> RadialMixture<f64> {
    RadialMixture::new(3, vec![4.0, 9.0], vec![0.3, 0.3], vec![0.5, 0.5]).unwrap()
}

fn correlated_gaussian() -> Gaussian<f64> {
    Gaussian::new(
        vec![1.0, -2.0, 0.5],
        vec![2.0, 0.6, -0.3, 0.6, 1.0, 0.2, -0.3, 0.2, 0.5],
    )
    .unwrap()
}

/// Checks `∇E` against central differences with step `h`, to `tol · (1 + |g|)`.
fn check_grad<E: Energy<f64>>(e: &E, x: &[f64], tol: f64) {
    let d = x.len();
    let mut g = vec![0.0; d];
    let e0 = e.energy_grad(x, &mut g).unwrap();
    assert!((e0 - e.energy(x).unwrap()).abs() <= 1e-12 * (1.0 + e0.abs()));
    let h = 1e-5;
    for i in 0..d {
        let mut xp = x.to_vec();
        let mut xm = x.to_vec();
        xp[i] += h;
        xm[i] -= h;
        let fd = (e.energy(&xp).unwrap() - e.energy(&xm).unwrap()) / (2.0 * h);
        assert!(
            (fd - g[i]).abs() <= tol * (1.0 + g[i].abs()),
            "coordinate {i} at {x:?}: analytic {} vs finite difference {fd}",
            g[i]
        );
    }
}

#[test]
fn c4_test_vectors() {
    let t = c4();
    for (x, want) in [
        ([3.0, 0.0], -2.419452),
        ([0.0, 0.0], -5.533158),
        ([2.0, 1.0], -5.419323),
    ] {
        let got = t.log_prob(&x).unwrap();
        assert!(
            (got - want).abs() < 1e-6,
            "log π({x:?}) = {got}, want {want}"
        );
    }
    let means = t.means();
    assert_eq!(
        means,
        vec![
            vec![3.0, 0.0],
            vec![0.0, -3.0],
            vec![-3.0, 0.0],
            vec![0.0, 3.0]
        ]
    );
    assert_eq!(t.weights(), &[0.25; 4]);
    // Component 1 (at (0, −3)) has its radial variance along y.
    assert_eq!(t.components()[1].cov(), &[0.2, 0.0, 0.0, 1.0]);
}

#[test]
fn c4_test_vectors_f32() {
    let t = GaussianMixture::<f32>::c_n_symmetric(4, 3.0, 1.0, 0.2).unwrap();
    assert!((t.log_prob(&[3.0, 0.0]).unwrap() - (-2.419452)).abs() < 1e-5);
    assert!((t.log_prob(&[2.0, 1.0]).unwrap() - (-5.419323)).abs() < 1e-5);
}

#[test]
fn circles_test_vectors() {
    let t = circles();
    assert!((t.log_prob(&[4.0, 0.0]).unwrap() - (-0.918939)).abs() < 1e-6);
    assert!((t.log_prob(&[3.0, 3.0]).unwrap() - (-1.036688)).abs() < 1e-6);
    // The gradient at the origin is 0 by definition.
    let mut g = [1.0, 1.0];
    t.energy_grad(&[0.0, 0.0], &mut g).unwrap();
    assert_eq!(g, [0.0, 0.0]);
}

#[test]
fn gaussian_matches_closed_form_2d() {
    // Σ = [[a, b], [b, c]], Σ⁻¹ = [[c, −b], [−b, a]] / det.
    let (a, b, c) = (2.0, 0.7, 1.5);
    let det: f64 = a * c - b * b;
    let g = Gaussian::new(vec![0.5, -1.0], vec![a, b, b, c]).unwrap();
    let x = [1.7, 0.3];
    let (u, v) = (x[0] - 0.5, x[1] + 1.0);
    let quad = (c * u * u - 2.0 * b * u * v + a * v * v) / det;
    let want = 0.5 * quad + 0.5 * det.ln() + (2.0 * std::f64::consts::PI).ln();
    let mut grad = [0.0; 2];
    let e = g.energy_grad(&x, &mut grad).unwrap();
    assert!((e - want).abs() < 1e-12);
    assert!((grad[0] - (c * u - b * v) / det).abs() < 1e-12);
    assert!((grad[1] - (a * v - b * u) / det).abs() < 1e-12);
}

#[test]
fn gaussian_density_integrates_to_one() {
    let g = Gaussian::new(vec![0.5, -1.0], vec![2.0, 0.7, 0.7, 1.5]).unwrap();
    // Midpoint rule over [−12, 12]² around the mean (over 8 sd in every direction), step 0.04.
    let h = 0.04;
    let m = (24.0 / h) as usize;
    let mut total = 0.0;
    for i in 0..m {
        for j in 0..m {
            let x = [
                0.5 - 12.0 + (i as f64 + 0.5) * h,
                -1.0 - 12.0 + (j as f64 + 0.5) * h,
            ];
            total += g.log_prob(&x).unwrap().exp();
        }
    }
    total *= h * h;
    assert!((total - 1.0).abs() < 1e-6, "∫ π = {total}");
}

#[test]
fn isotropic_is_the_diagonal_case() {
    let a = Gaussian::isotropic(vec![1.0, 2.0], 0.5).unwrap();
    let b = Gaussian::new(vec![1.0, 2.0], vec![0.25, 0.0, 0.0, 0.25]).unwrap();
    assert_eq!(
        a.energy(&[0.3, 1.1]).unwrap(),
        b.energy(&[0.3, 1.1]).unwrap()
    );
}

#[test]
fn mixture_of_one_is_the_component() {
    let g = correlated_gaussian();
    let m = GaussianMixture::new(vec![3.0], vec![g.clone()]).unwrap();
    let x = [0.2, -1.0, 1.3];
    assert!((m.energy(&x).unwrap() - g.energy(&x).unwrap()).abs() < 1e-12);
}

#[test]
fn mixture_weights_are_normalised() {
    let m = GaussianMixture::new(
        vec![1.0, 3.0],
        vec![
            Gaussian::isotropic(vec![-2.0], 1.0).unwrap(),
            Gaussian::isotropic(vec![2.0], 0.5).unwrap(),
        ],
    )
    .unwrap();
    assert_eq!(m.weights(), &[0.25, 0.75]);
    let x = [0.4];
    let n = |x: f64, mu: f64, s: f64| {
        (-(x - mu) * (x - mu) / (2.0 * s * s)).exp() / (s * (2.0 * std::f64::consts::PI).sqrt())
    };
    let want = (0.25 * n(0.4, -2.0, 1.0) + 0.75 * n(0.4, 2.0, 0.5)).ln();
    assert!((m.log_prob(&x).unwrap() - want).abs() < 1e-12);
    let rho = m.responsibilities(&x).unwrap();
    assert!((rho[0] + rho[1] - 1.0).abs() < 1e-12);
    assert!((rho[0] - 0.25 * n(0.4, -2.0, 1.0) / want.exp()).abs() < 1e-12);
    // Far out, the stable log-sum-exp still gives a finite energy.
    assert!(m.energy(&[1e5]).unwrap().is_finite());
}

#[test]
fn radial_ring_masses_match_closed_forms() {
    // 2-D: M_k = ∫ r N(r; r_k, σ²) dr = r_k (the truncation at 0 is negligible): masses ∝ w_k r_k.
    let m = circles().ring_masses();
    assert!(
        (m[0] - 1.0 / 3.0).abs() < 1e-9 && (m[1] - 2.0 / 3.0).abs() < 1e-9,
        "{m:?}"
    );
    // 3-D: M_k = r_k² + σ².
    let m = spheres().ring_masses();
    let (a, b) = (16.0 + 0.09, 81.0 + 0.09);
    assert!((m[0] - a / (a + b)).abs() < 1e-9, "{m:?}");
    // 1-D with truncation: M = Φ(r/σ); Φ(0.5) = 0.6914624612740131, Φ(3) = 0.9986501019683699.
    let t = RadialMixture::<f64>::new(1, vec![0.5, 3.0], vec![1.0, 1.0], vec![0.5, 0.5]).unwrap();
    let (a, b) = (0.6914624612740131, 0.9986501019683699);
    let m = t.ring_masses();
    assert!((m[0] - a / (a + b)).abs() < 1e-9, "{m:?}");
    assert!((m.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    // High dimension does not overflow.
    let t = RadialMixture::<f64>::new(500, vec![4.0, 8.0], vec![0.5, 0.5], vec![0.5, 0.5]).unwrap();
    let m = t.ring_masses();
    assert!(m.iter().all(|v| v.is_finite()) && m[1] > 0.999, "{m:?}");
}

#[test]
fn constructors_validate() {
    assert!(matches!(
        Gaussian::new(vec![0.0, 0.0], vec![1.0, 0.5, 0.4, 1.0]),
        Err(Error::InvalidParameter { name: "cov", .. })
    ));
    assert!(matches!(
        Gaussian::new(vec![0.0, 0.0], vec![1.0, 2.0, 2.0, 1.0]),
        Err(Error::InvalidParameter { name: "cov", .. })
    ));
    assert!(matches!(
        Gaussian::new(vec![0.0, 0.0], vec![1.0, 0.0, 0.0]),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(Gaussian::<f64>::new(vec![], vec![]).is_err());
    assert!(Gaussian::new(vec![f64::NAN], vec![1.0]).is_err());
    assert!(Gaussian::new(vec![0.0], vec![f64::INFINITY]).is_err());
    assert!(matches!(
        Gaussian::isotropic(vec![0.0], 0.0),
        Err(Error::NonPositive { name: "sd", .. })
    ));
    let g1 = Gaussian::isotropic(vec![0.0], 1.0).unwrap();
    let g2 = Gaussian::isotropic(vec![0.0, 0.0], 1.0).unwrap();
    assert!(GaussianMixture::new(vec![1.0, 1.0], vec![g1.clone(), g2]).is_err());
    assert!(GaussianMixture::new(vec![1.0], vec![g1.clone(), g1.clone()]).is_err());
    assert!(GaussianMixture::new(vec![1.0, -1.0], vec![g1.clone(), g1.clone()]).is_err());
    assert!(GaussianMixture::<f64>::new(vec![], vec![]).is_err());
    assert!(GaussianMixture::c_n_symmetric(0, 3.0, 1.0, 0.2).is_err());
    assert!(GaussianMixture::c_n_symmetric(4, 3.0, 0.0, 0.2).is_err());
    assert!(RadialMixture::new(0, vec![1.0], vec![1.0], vec![1.0]).is_err());
    assert!(RadialMixture::new(2, vec![1.0, 2.0], vec![1.0], vec![1.0, 1.0]).is_err());
    assert!(RadialMixture::new(2, vec![1.0], vec![1.0], vec![1.0, 1.0]).is_err());
    assert!(RadialMixture::new(2, vec![-1.0], vec![1.0], vec![1.0]).is_err());
    assert!(RadialMixture::new(2, vec![1.0], vec![0.0], vec![1.0]).is_err());
    assert!(RadialMixture::new(2, vec![1.0], vec![1.0], vec![f64::NAN]).is_err());
    assert!(RadialMixture::<f64>::new(2, vec![], vec![], vec![]).is_err());
    // Wrong input dimensions are errors, not panics.
    let mut g = [0.0; 3];
    assert!(c4().energy(&[1.0]).is_err());
    assert!(c4().energy_grad(&[1.0, 2.0], &mut g).is_err());
    assert!(circles().energy(&[1.0, 2.0, 3.0]).is_err());
    assert!(correlated_gaussian()
        .energy_grad(&[1.0, 2.0, 3.0], &mut g[..2])
        .is_err());
}

/// The rotation of `R^3` by `angle` about the unit vector `axis` (Rodrigues), row-major.
fn rotation_3d(axis: [f64; 3], angle: f64) -> [[f64; 3]; 3] {
    let n = (axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]).sqrt();
    let [x, y, z] = [axis[0] / n, axis[1] / n, axis[2] / n];
    let (s, c) = angle.sin_cos();
    let t = 1.0 - c;
    [
        [c + x * x * t, x * y * t - z * s, x * z * t + y * s],
        [y * x * t + z * s, c + y * y * t, y * z * t - x * s],
        [z * x * t - y * s, z * y * t + x * s, c + z * z * t],
    ]
}

fn apply3(r: &[[f64; 3]; 3], v: &[f64]) -> Vec<f64> {
    (0..3)
        .map(|i| (0..3).map(|j| r[i][j] * v[j]).sum())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn gaussian_gradient_matches_finite_differences(
        x in proptest::array::uniform3(-4.0f64..4.0)
    ) {
        check_grad(&correlated_gaussian(), &x, 1e-6);
    }

    #[test]
    fn c4_gradient_matches_finite_differences(x in proptest::array::uniform2(-7.0f64..7.0)) {
        check_grad(&c4(), &x, 1e-5);
    }

    #[test]
    fn general_mixture_gradient_matches_finite_differences(
        x in proptest::array::uniform3(-5.0f64..5.0)
    ) {
        let m = GaussianMixture::new(
            vec![0.2, 0.5, 0.3],
            vec![
                correlated_gaussian(),
                Gaussian::isotropic(vec![-1.0, 1.0, 0.0], 0.7).unwrap(),
                Gaussian::new(vec![0.0, 0.0, 2.0], vec![1.0, 0.0, 0.3, 0.0, 2.0, 0.0, 0.3, 0.0, 0.4])
                    .unwrap(),
            ],
        )
        .unwrap();
        check_grad(&m, &x, 1e-5);
    }

    #[test]
    fn radial_gradient_matches_finite_differences(
        x2 in proptest::array::uniform2(-10.0f64..10.0),
        x3 in proptest::array::uniform3(-10.0f64..10.0),
    ) {
        prop_assume!(x2[0].hypot(x2[1]) > 1e-3);
        check_grad(&circles(), &x2, 1e-5);
        check_grad(&spheres(), &x3, 1e-5);
        let line = RadialMixture::new(1, vec![2.0], vec![0.8], vec![1.0]).unwrap();
        prop_assume!(x3[0].abs() > 1e-3);
        check_grad(&line, &x3[..1], 1e-5);
    }

    /// C4 invariance and score equivariance of the C4 target hold bit for bit: quarter turns are coordinate
    /// swaps, the component terms permute exactly and the mixture sums them in sorted order.
    #[test]
    fn c4_target_is_exactly_invariant(x in proptest::array::uniform2(-8.0f64..8.0), k in 0usize..4) {
        let t = c4();
        let g = CyclicRotation::new(4).unwrap();
        let mut gx = [0.0; 2];
        g.act(&k, &x, &mut gx);
        let (mut s, mut sg) = ([0.0; 2], [0.0; 2]);
        let e = t.energy_grad(&x, &mut s).unwrap();
        let eg = t.energy_grad(&gx, &mut sg).unwrap();
        prop_assert_eq!(e, eg);
        prop_assert_eq!(t.energy(&gx).unwrap(), e);
        let mut g_s = [0.0; 2];
        g.act_vector(&k, &s, &mut g_s);
        prop_assert_eq!(sg, g_s);
    }

    /// The C_N mixture is C_N-invariant for any N (to rounding when N is not a multiple of 4).
    #[test]
    fn c_n_target_is_invariant(x in proptest::array::uniform2(-8.0f64..8.0), n in 1usize..9, k in 0usize..9) {
        let t = GaussianMixture::c_n_symmetric(n, 2.5, 0.8, 0.3).unwrap();
        let g = CyclicRotation::new(n).unwrap();
        let k = k % n;
        let mut gx = [0.0; 2];
        g.act(&k, &x, &mut gx);
        let (mut s, mut sg, mut g_s) = ([0.0; 2], [0.0; 2], [0.0; 2]);
        let e = t.energy_grad(&x, &mut s).unwrap();
        let eg = t.energy_grad(&gx, &mut sg).unwrap();
        prop_assert!((e - eg).abs() <= 1e-10 * (1.0 + e.abs()));
        g.act_vector(&k, &s, &mut g_s);
        for i in 0..2 {
            prop_assert!((sg[i] - g_s[i]).abs() <= 1e-9 * (1.0 + s[i].abs()));
        }
    }

    #[test]
    fn radial_target_is_rotation_invariant_2d(
        x in proptest::array::uniform2(-10.0f64..10.0),
        angle in 0.0f64..std::f64::consts::TAU,
        reflect in any::<bool>(),
    ) {
        let t = circles();
        let (s_, c_) = angle.sin_cos();
        // A rotation, or a reflection (O(2)): both leave the norm unchanged.
        let sign = if reflect { -1.0 } else { 1.0 };
        let r = [[c_, -s_ * sign], [s_, c_ * sign]];
        let act = |v: &[f64]| [r[0][0] * v[0] + r[0][1] * v[1], r[1][0] * v[0] + r[1][1] * v[1]];
        let gx = act(&x);
        let (mut s, mut sg) = ([0.0; 2], [0.0; 2]);
        let e = t.energy_grad(&x, &mut s).unwrap();
        let eg = t.energy_grad(&gx, &mut sg).unwrap();
        prop_assert!((e - eg).abs() <= 1e-11 * (1.0 + e.abs()));
        let g_s = act(&s);
        for i in 0..2 {
            prop_assert!((sg[i] - g_s[i]).abs() <= 1e-9 * (1.0 + s[0].abs() + s[1].abs()));
        }
    }

    #[test]
    fn radial_target_is_rotation_invariant_3d(
        x in proptest::array::uniform3(-10.0f64..10.0),
        axis in proptest::array::uniform3(-1.0f64..1.0),
        angle in 0.0f64..std::f64::consts::TAU,
    ) {
        prop_assume!(axis.iter().map(|a| a * a).sum::<f64>() > 1e-2);
        let t = spheres();
        let r = rotation_3d(axis, angle);
        let gx = apply3(&r, &x);
        let (mut s, mut sg) = ([0.0; 3], [0.0; 3]);
        let e = t.energy_grad(&x, &mut s).unwrap();
        let eg = t.energy_grad(&gx, &mut sg).unwrap();
        prop_assert!((e - eg).abs() <= 1e-10 * (1.0 + e.abs()));
        let g_s = apply3(&r, &s);
        let scale = 1.0 + s.iter().map(|v| v.abs()).sum::<f64>();
        for i in 0..3 {
            prop_assert!((sg[i] - g_s[i]).abs() <= 1e-9 * scale);
        }
    }
}

fn sample_mean_cov(p: &Particles<f64>) -> (Vec<f64>, Vec<f64>) {
    let d = p.dim();
    let n = p.len() as f64;
    let mean = p.mean();
    let mut cov = vec![0.0; d * d];
    for x in p.iter() {
        for i in 0..d {
            for j in 0..d {
                cov[i * d + j] += (x[i] - mean[i]) * (x[j] - mean[j]) / n;
            }
        }
    }
    (mean, cov)
}

#[test]
fn gaussian_exact_samples_have_the_right_moments() {
    let g = correlated_gaussian();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let p = g.sample_exact(&mut rng, 20_000);
    assert_eq!((p.dim(), p.len()), (3, 20_000));
    let (mean, cov) = sample_mean_cov(&p);
    // Standard errors: mean ≤ sqrt(2 / 20000) = 0.01; variances ≤ 2 · sqrt(2 / 20000) = 0.02.
    for (m, want) in mean.iter().zip(g.mean()) {
        assert!((m - want).abs() < 0.04, "mean {mean:?}");
    }
    for (c, want) in cov.iter().zip(g.cov()) {
        assert!((c - want).abs() < 0.06, "cov {cov:?}");
    }
    // The same seed gives the same samples.
    let again = g.sample_exact(&mut ChaCha8Rng::seed_from_u64(7), 20_000);
    assert_eq!(p, again);
    assert!(g.sample_exact(&mut rng, 0).is_empty());
}

#[test]
fn mixture_exact_samples_have_the_right_moments() {
    let t = c4();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let p = t.sample_exact(&mut rng, 20_000);
    let (mean, cov) = sample_mean_cov(&p);
    // True mean 0; true covariance: E[x₀²] = ½ (9 + 1) + ½ · 0.2 = 5.1 on both axes, 0 off the diagonal.
    // Standard errors: mean 0.016, variance ≈ 0.05.
    assert!(
        mean[0].abs() < 0.07 && mean[1].abs() < 0.07,
        "mean {mean:?}"
    );
    assert!(
        (cov[0] - 5.1).abs() < 0.2 && (cov[3] - 5.1).abs() < 0.2,
        "cov {cov:?}"
    );
    assert!(cov[1].abs() < 0.15, "cov {cov:?}");
    // Within one quadrant's component, the moments of that component: take the particles nearest (3, 0).
    let near: Vec<&[f64]> = p.iter().filter(|x| x[0] > x[1].abs()).collect();
    let frac = near.len() as f64 / 20_000.0;
    assert!((frac - 0.25).abs() < 0.015, "fraction {frac}");
    let my = near.iter().map(|x| x[1]).sum::<f64>() / near.len() as f64;
    let vy = near.iter().map(|x| (x[1] - my).powi(2)).sum::<f64>() / near.len() as f64;
    assert!((vy - 0.2).abs() < 0.02, "tangential variance {vy}");
}

/// Per ring (by nearest radius): fraction of samples, mean radius, sd of the radius.
fn ring_stats(p: &Particles<f64>, radii: &[f64]) -> Vec<(f64, f64, f64)> {
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); radii.len()];
    for x in p.iter() {
        let r = x.iter().map(|v| v * v).sum::<f64>().sqrt();
        let k = (0..radii.len())
            .min_by(|&a, &b| (r - radii[a]).abs().total_cmp(&(r - radii[b]).abs()))
            .unwrap();
        per[k].push(r);
    }
    per.iter()
        .map(|rs| {
            let m = rs.iter().sum::<f64>() / rs.len() as f64;
            let v = rs.iter().map(|r| (r - m).powi(2)).sum::<f64>() / rs.len() as f64;
            (rs.len() as f64 / p.len() as f64, m, v.sqrt())
        })
        .collect()
}

#[test]
fn radial_exact_samples_follow_the_density_on_r_d() {
    for (t, seed) in [(circles(), 3u64), (spheres(), 4)] {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let p = t.sample_exact(&mut rng, 20_000);
        assert_eq!(p.dim(), t.dim());
        let masses = t.ring_masses();
        let stats = ring_stats(&p, t.radii());
        for (k, &(frac, mean_r, sd_r)) in stats.iter().enumerate() {
            let (rk, sk) = (t.radii()[k], t.sigmas()[k]);
            assert!(
                (frac - masses[k]).abs() < 0.02,
                "ring {k}: {frac} vs {}",
                masses[k]
            );
            assert!(
                (sd_r / sk - 1.0).abs() < 0.05,
                "ring {k}: radial sd {sd_r} vs {sk}"
            );
            // The Jacobian r^{d−1} shifts the mean radius: E[r] = r_k + (d−1) σ²/r_k to first order.
            let want = rk + (t.dim() - 1) as f64 * sk * sk / rk;
            assert!(
                (mean_r - want).abs() < 0.02,
                "ring {k}: mean radius {mean_r} vs {want}"
            );
        }
    }
    // In 2-D the inner circle holds a third of the mass, not a half.
    let p = circles().sample_exact(&mut ChaCha8Rng::seed_from_u64(5), 20_000);
    let inner = ring_stats(&p, &[4.0, 8.0])[0].0;
    assert!((inner - 1.0 / 3.0).abs() < 0.02, "inner fraction {inner}");
}

#[test]
fn radial_exact_samples_are_isotropic() {
    let p = circles().sample_exact(&mut ChaCha8Rng::seed_from_u64(9), 20_000);
    // Uniform directions: the mean of the unit vectors is ≈ 0 (standard error 0.005 per coordinate).
    let mut u = [0.0; 2];
    for x in p.iter() {
        let r = x[0].hypot(x[1]);
        u[0] += x[0] / r / 20_000.0;
        u[1] += x[1] / r / 20_000.0;
    }
    assert!(u[0].abs() < 0.025 && u[1].abs() < 0.025, "{u:?}");
}

#[test]
fn radial_exact_samples_in_1d_are_truncated_normals() {
    // One ring at 0.5 with σ = 1 in 1-D: |x| ~ N(0.5, 1) truncated to r > 0, signs equally likely.
    let t = RadialMixture::<f64>::new(1, vec![0.5], vec![1.0], vec![1.0]).unwrap();
    let p = t.sample_exact(&mut ChaCha8Rng::seed_from_u64(13), 20_000);
    let r: Vec<f64> = p.iter().map(|x| x[0].abs()).collect();
    let mean = r.iter().sum::<f64>() / r.len() as f64;
    // E[r] = μ + σ φ(μ/σ)/Φ(μ/σ) = 0.5 + 0.3520653267642995 / 0.6914624612740131.
    let want = 0.5 + 0.3520653267642995 / 0.6914624612740131;
    assert!((mean - want).abs() < 0.02, "mean radius {mean} vs {want}");
    let positive = p.iter().filter(|x| x[0] > 0.0).count() as f64 / 20_000.0;
    assert!((positive - 0.5).abs() < 0.02);
}

#[test]
fn radial_exact_samples_where_the_jacobian_dominates() {
    // d = 10, one ring at 1 with σ = 1: the radius has density ∝ r⁹ N(r; 1, 1) on r > 0, far from the
    // ring's own normal. Reference moments by a plain Riemann sum in this test.
    let t = RadialMixture::<f64>::new(10, vec![1.0], vec![1.0], vec![1.0]).unwrap();
    let (mut z, mut m1, mut m2) = (0.0, 0.0, 0.0);
    let h = 1e-4;
    for i in 1..200_000 {
        let r = i as f64 * h;
        let w = r.powi(9) * (-0.5 * (r - 1.0) * (r - 1.0)).exp();
        z += w;
        m1 += w * r;
        m2 += w * r * r;
    }
    let mean = m1 / z;
    let sd = (m2 / z - mean * mean).sqrt();
    let p = t.sample_exact(&mut ChaCha8Rng::seed_from_u64(21), 20_000);
    let r: Vec<f64> = p
        .iter()
        .map(|x| x.iter().map(|v| v * v).sum::<f64>().sqrt())
        .collect();
    let sm = r.iter().sum::<f64>() / r.len() as f64;
    let ssd = (r.iter().map(|v| (v - sm).powi(2)).sum::<f64>() / r.len() as f64).sqrt();
    // Standard error of the mean ≈ sd / 141 ≈ 0.005.
    assert!((sm - mean).abs() < 0.02, "mean radius {sm} vs {mean}");
    assert!((ssd / sd - 1.0).abs() < 0.03, "sd {ssd} vs {sd}");
}
