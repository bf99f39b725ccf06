//! Diagnostics: KSD, MMD, mean log-density and orbit statistics.

use equistein::diagnostics::{
    ksd_imq, ksd_imq_with, mean_log_prob, mmd_rbf, mode_fractions, mode_spread, nearest_mode,
    ring_fractions, ring_spread, spread_ratio,
};
use equistein::group::{CyclicRotation, Group};
use equistein::target::{ExactSample, Gaussian, GaussianMixture, RadialMixture};
use equistein::{Energy, EnergyFn, Error, Particles};
use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

fn c4() -> GaussianMixture<f64> {
    GaussianMixture::c_n_symmetric(4, 3.0, 1.0, 0.2).unwrap()
}

fn shifted(p: &Particles<f64>, by: f64) -> Particles<f64> {
    let mut q = p.clone();
    q.as_mut_slice().iter_mut().for_each(|v| *v += by);
    q
}

#[test]
fn ksd_prefers_exact_samples_to_shifted_ones() {
    let t = c4();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let exact = t.sample_exact(&mut rng, 300);
    let k_exact = ksd_imq(&t, &exact).unwrap();
    let k_shift = ksd_imq(&t, &shifted(&exact, 1.0)).unwrap();
    assert!(
        k_exact < 0.5 * k_shift,
        "exact {k_exact}, shifted {k_shift}"
    );
    let g = Gaussian::new(vec![0.0, 1.0], vec![1.0, 0.3, 0.3, 0.5]).unwrap();
    let exact = g.sample_exact(&mut rng, 300);
    let k_exact = ksd_imq(&g, &exact).unwrap();
    let k_shift = ksd_imq(&g, &shifted(&exact, 1.0)).unwrap();
    assert!(
        k_exact < 0.5 * k_shift,
        "exact {k_exact}, shifted {k_shift}"
    );
}

#[test]
fn ksd_of_a_point_mass_at_the_mode_is_positive() {
    let g = Gaussian::isotropic(vec![1.0, -1.0, 2.0], 0.7).unwrap();
    let p = Particles::from_fn(3, 50, |_, c| [1.0, -1.0, 2.0][c]);
    let k = ksd_imq(&g, &p).unwrap();
    // Zero scores: KSD² = −2βd c^{2β−2} = d.
    assert!(k > 0.0 && (k - 3f64.sqrt()).abs() < 1e-12, "{k}");
}

#[test]
fn ksd_matches_a_direct_computation_in_1d() {
    // Standard normal, s(x) = −x; IMQ with c = 1, β = −1/2, q = 1 + (x − y)²:
    // ∂k/∂x = −(x − y) q^{−3/2}, ∂k/∂y = (x − y) q^{−3/2}, ∂²k/∂x∂y = q^{−3/2} − 3 (x − y)² q^{−5/2}.
    let g = Gaussian::isotropic(vec![0.0], 1.0).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let p = Particles::from_fn(1, 40, |_, _| {
        equistein::random::standard_normal::<f64, _>(&mut rng) * 1.3 + 0.2
    });
    let xs = p.as_slice();
    let mut total = 0.0;
    for &x in xs {
        for &y in xs {
            let r = x - y;
            let q: f64 = 1.0 + r * r;
            let k = q.powf(-0.5);
            let dkx = -r * q.powf(-1.5);
            let dky = r * q.powf(-1.5);
            let dkxy = q.powf(-1.5) - 3.0 * r * r * q.powf(-2.5);
            let (sx, sy) = (-x, -y);
            total += sx * sy * k + sx * dky + sy * dkx + dkxy;
        }
    }
    let want = (total / (xs.len() * xs.len()) as f64).sqrt();
    let got = ksd_imq(&g, &p).unwrap();
    assert!((got - want).abs() < 1e-12, "{got} vs {want}");
}

#[test]
fn ksd_with_other_parameters_matches_finite_difference_kernel_derivatives() {
    // u(x, y) from numerical derivatives of k(x, y) = (c² + ‖x − y‖²)^β, c = 2, β = −0.3, in 2-D.
    let (c, beta) = (2.0f64, -0.3f64);
    let k =
        |x: &[f64], y: &[f64]| (c * c + (x[0] - y[0]).powi(2) + (x[1] - y[1]).powi(2)).powf(beta);
    let t = c4();
    let p = Particles::from_rows(
        2,
        &[
            3.1, 0.2, -0.5, 2.2, 0.0, 0.0, -2.8, -0.4, 1.0, -3.5, 0.3, 0.1,
        ],
    )
    .unwrap();
    let n = p.len();
    let s: Vec<[f64; 2]> = p
        .iter()
        .map(|x| {
            let mut g = [0.0; 2];
            t.energy_grad(x, &mut g).unwrap();
            [-g[0], -g[1]]
        })
        .collect();
    let h = 1e-4;
    let mut total = 0.0;
    for i in 0..n {
        for j in 0..n {
            let (x, y) = (p.particle(i), p.particle(j));
            let mut u = (s[i][0] * s[j][0] + s[i][1] * s[j][1]) * k(x, y);
            for a in 0..2 {
                let mut xp = x.to_vec();
                let mut xm = x.to_vec();
                let mut yp = y.to_vec();
                let mut ym = y.to_vec();
                xp[a] += h;
                xm[a] -= h;
                yp[a] += h;
                ym[a] -= h;
                let dkx = (k(&xp, y) - k(&xm, y)) / (2.0 * h);
                let dky = (k(x, &yp) - k(x, &ym)) / (2.0 * h);
                let dkxy = (k(&xp, &yp) - k(&xp, &ym) - k(&xm, &yp) + k(&xm, &ym)) / (4.0 * h * h);
                u += s[i][a] * dky + s[j][a] * dkx + dkxy;
            }
            total += u;
        }
    }
    let want = (total / (n * n) as f64).sqrt();
    let got = ksd_imq_with(&t, &p, c, beta).unwrap();
    assert!((got - want).abs() < 1e-6 * (1.0 + want), "{got} vs {want}");
}

#[test]
fn ksd_validates() {
    let g = Gaussian::isotropic(vec![0.0, 0.0], 1.0).unwrap();
    assert!(matches!(
        ksd_imq(&g, &Particles::<f64>::zeros(2, 0)),
        Err(Error::TooFewParticles { .. })
    ));
    assert!(matches!(
        ksd_imq(&g, &Particles::<f64>::zeros(3, 4)),
        Err(Error::DimensionMismatch { .. })
    ));
    let p = Particles::from_rows(2, &[0.0, 1.0, f64::NAN, 0.0]).unwrap();
    assert!(matches!(
        ksd_imq(&g, &p),
        Err(Error::NonFinite {
            particle: 1,
            coordinate: 0,
            ..
        })
    ));
    let p = Particles::<f64>::zeros(2, 3);
    assert!(ksd_imq_with(&g, &p, 0.0, -0.5).is_err());
    assert!(ksd_imq_with(&g, &p, 1.0, 0.5).is_err());
    assert!(ksd_imq_with(&g, &p, 1.0, f64::NAN).is_err());
}

#[test]
fn mmd_basic_properties() {
    let t = c4();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let a = t.sample_exact(&mut rng, 300);
    let b = t.sample_exact(&mut rng, 200);
    assert_eq!(mmd_rbf(&a, &a, None).unwrap(), 0.0);
    assert_eq!(mmd_rbf(&a, &a, Some(0.7)).unwrap(), 0.0);
    let ab = mmd_rbf(&a, &b, None).unwrap();
    let ba = mmd_rbf(&b, &a, None).unwrap();
    assert!((ab - ba).abs() < 1e-12, "{ab} vs {ba}");
    let far = mmd_rbf(&a, &shifted(&b, 1.0), None).unwrap();
    assert!(ab < far / 3.0, "independent {ab}, shifted {far}");
    // The pooled median bandwidth is the one the median heuristic gives.
    let h = equistein::kernel::median_bandwidth(&a.concat(&b).unwrap()).unwrap();
    assert_eq!(ab, mmd_rbf(&a, &b, Some(h)).unwrap());
}

#[test]
fn mmd_matches_a_hand_computation() {
    // a = {0}, b = {1}, h = 1: MMD² = 1 + 1 − 2 e^{−1/2}.
    let a = Particles::from_rows(1, &[0.0]).unwrap();
    let b = Particles::from_rows(1, &[1.0]).unwrap();
    let want = (2.0 - 2.0 * (-0.5f64).exp()).sqrt();
    assert!((mmd_rbf(&a, &b, Some(1.0)).unwrap() - want).abs() < 1e-15);
    // a = {0, 2}, b = {1}, h = 2: (1 + e^{−1/2})/2 + 1 − 2 e^{−1/8}.
    let a = Particles::from_rows(1, &[0.0, 2.0]).unwrap();
    let want = ((1.0 + (-0.5f64).exp()) / 2.0 + 1.0 - 2.0 * (-0.125f64).exp())
        .max(0.0)
        .sqrt();
    assert!((mmd_rbf(&a, &b, Some(2.0)).unwrap() - want).abs() < 1e-15);
}

#[test]
fn mmd_validates() {
    let a = Particles::<f64>::zeros(2, 3);
    assert!(mmd_rbf(&a, &Particles::zeros(2, 0), None).is_err());
    assert!(mmd_rbf(&a, &Particles::zeros(3, 2), None).is_err());
    assert!(matches!(
        mmd_rbf(&a, &a, Some(0.0)),
        Err(Error::NonPositive {
            name: "bandwidth",
            ..
        })
    ));
    let bad = Particles::from_rows(2, &[0.0, f64::INFINITY]).unwrap();
    assert!(mmd_rbf(&a, &bad, None).is_err());
}

#[test]
fn mean_log_prob_averages_and_names_bad_particles() {
    let t = c4();
    let p = Particles::from_rows(2, &[3.0, 0.0, 0.0, 0.0, 2.0, 1.0]).unwrap();
    let want = (-2.419452 - 5.533158 - 5.419323) / 3.0;
    assert!((mean_log_prob(&t, &p).unwrap() - want).abs() < 1e-6);
    // The mean log π of exact samples of the C4 target (ESVGD.md §9: −3.41).
    let exact = t.sample_exact(&mut ChaCha8Rng::seed_from_u64(4), 20_000);
    let lp = mean_log_prob(&t, &exact).unwrap();
    assert!((lp - (-3.41)).abs() < 0.03, "{lp}");
    // An energy that is infinite beyond x = 10.
    let e = EnergyFn::new(
        1,
        |x: &[f64]| {
            if x[0] > 10.0 {
                f64::INFINITY
            } else {
                x[0] * x[0]
            }
        },
        |x: &[f64], g: &mut [f64]| {
            g[0] = 2.0 * x[0];
            x[0] * x[0]
        },
    );
    let p = Particles::from_rows(1, &[0.0, 1.0, 11.0, 12.0]).unwrap();
    assert_eq!(
        mean_log_prob(&e, &p),
        Err(Error::NonFinite {
            what: "log-density",
            particle: 2,
            coordinate: 0
        })
    );
    assert!(mean_log_prob(&t, &Particles::zeros(2, 0)).is_err());
    assert!(mean_log_prob(&t, &Particles::zeros(3, 2)).is_err());
}

#[test]
fn fractions_of_hand_made_sets() {
    let modes = vec![
        vec![3.0, 0.0],
        vec![0.0, -3.0],
        vec![-3.0, 0.0],
        vec![0.0, 3.0],
    ];
    let p = Particles::from_rows(
        2,
        &[
            2.0, 0.5, 4.0, -1.0, 0.1, -2.0, -3.0, 0.2, -2.5, -0.1, 0.3, 2.9, 1.0, 1.2, 1.2, 1.0,
        ],
    )
    .unwrap();
    // (1, 1.2) is nearer (0, 3); (1.2, 1) is nearer (3, 0).
    assert_eq!(
        mode_fractions(&p, &modes),
        vec![3.0 / 8.0, 1.0 / 8.0, 2.0 / 8.0, 2.0 / 8.0]
    );
    assert_eq!(nearest_mode(&[0.0, 0.0], &modes), Some(0)); // ties go to the lowest index
    assert_eq!(nearest_mode(&[0.0, 0.0], &[vec![1.0]]), None);
    let q = Particles::from_rows(2, &[3.0, 0.0, 0.0, -5.0, 9.0, 0.0, 0.0, 6.1]).unwrap();
    assert_eq!(ring_fractions(&q, &[4.0, 8.0]), vec![0.5, 0.5]);
    // Radius 5 is as near 4 as 6: the tie goes to ring 0.
    assert_eq!(ring_fractions(&q, &[4.0, 8.0, 6.0]), vec![0.5, 0.25, 0.25]);
    assert_eq!(
        ring_fractions(&Particles::<f64>::zeros(2, 0), &[4.0]),
        vec![0.0]
    );
    assert!(ring_fractions(&q, &[]).is_empty());
}

#[test]
fn mode_spread_of_exact_c4_samples() {
    let t = c4();
    let p = t.sample_exact(&mut ChaCha8Rng::seed_from_u64(5), 20_000);
    let s = mode_spread(&p, &t.means()).unwrap();
    assert!((s.radial - 1.0).abs() < 0.03, "radial {}", s.radial);
    assert!(
        (s.tangential - 0.2f64.sqrt()).abs() < 0.03 * 0.2f64.sqrt(),
        "tangential {}",
        s.tangential
    );
    let fr = mode_fractions(&p, &t.means());
    assert!(fr.iter().all(|f| (f - 0.25).abs() < 0.015), "{fr:?}");
    assert!((spread_ratio(s.radial, 1.0) - s.radial).abs() < 1e-15);
}

#[test]
fn mode_spread_of_hand_made_sets() {
    // Mode (0, 3): u = (0, 1), v = (−1, 0). Offsets (radial, tangential): (1, −0.5) and (−1, 0.5) ⇒ sd 1, 0.5.
    // Mode (3, 0): u = (1, 0), v = (0, 1); two particles at offset (2, 2). Pooled over both modes:
    // radial {1, −1, 2, 2}, tangential {−0.5, 0.5, 2, 2}.
    let p = Particles::from_rows(2, &[0.5, 4.0, -0.5, 2.0, 5.0, 2.0, 5.0, 2.0]).unwrap();
    let s = mode_spread(&p, &[vec![0.0, 3.0], vec![3.0, 0.0]]).unwrap();
    let sd = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
    };
    assert!(
        (s.radial - sd(&[1.0, -1.0, 2.0, 2.0])).abs() < 1e-12,
        "{s:?}"
    );
    assert!(
        (s.tangential - sd(&[-0.5, 0.5, 2.0, 2.0])).abs() < 1e-12,
        "{s:?}"
    );
}

#[test]
fn mode_spread_validates() {
    let p = Particles::from_rows(2, &[1.0, 0.0]).unwrap();
    assert!(mode_spread(&Particles::<f64>::zeros(3, 2), &[vec![1.0, 0.0, 0.0]]).is_err());
    assert!(mode_spread(&p, &[]).is_err());
    assert!(mode_spread(&p, &[vec![0.0, 0.0]]).is_err());
    assert!(mode_spread(&p, &[vec![1.0, 0.0, 0.0]]).is_err());
    assert!(mode_spread(&Particles::<f64>::zeros(2, 0), &[vec![1.0, 0.0]]).is_err());
    let bad = Particles::from_rows(2, &[1.0, f64::NAN]).unwrap();
    assert!(mode_spread(&bad, &[vec![1.0, 0.0]]).is_err());
}

#[test]
fn ring_spread_of_exact_circle_samples() {
    let t = RadialMixture::<f64>::new(2, vec![4.0, 8.0], vec![0.5, 0.5], vec![0.5, 0.5]).unwrap();
    let p = t.sample_exact(&mut ChaCha8Rng::seed_from_u64(6), 20_000);
    let s = ring_spread(&p, t.radii());
    for (k, v) in s.iter().enumerate() {
        assert!((v / 0.5 - 1.0).abs() < 0.05, "ring {k}: {v}");
    }
    let f = ring_fractions(&p, t.radii());
    assert!((f[0] - 1.0 / 3.0).abs() < 0.02, "{f:?}");
    // Fewer than two particles on a ring: 0.
    let one = Particles::from_rows(2, &[4.3, 0.0]).unwrap();
    assert_eq!(ring_spread(&one, &[4.0, 8.0]), vec![0.0, 0.0]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn fractions_sum_to_one(
        xs in proptest::collection::vec(-10.0f64..10.0, 2..80),
        radii in proptest::collection::vec(0.1f64..10.0, 1..5),
    ) {
        let n = xs.len() / 2 * 2;
        let p = Particles::from_rows(2, &xs[..n]).unwrap();
        let modes: Vec<Vec<f64>> = radii.iter().enumerate().map(|(k, &r)| vec![r, k as f64]).collect();
        let f: f64 = mode_fractions(&p, &modes).iter().sum();
        prop_assert!((f - 1.0).abs() < 1e-12);
        let f: f64 = ring_fractions(&p, &radii).iter().sum();
        prop_assert!((f - 1.0).abs() < 1e-12);
    }

    /// Orbit statistics are C4-invariant: rotating every particle by the same quarter turn leaves the spreads
    /// unchanged and permutes the mode fractions.
    #[test]
    fn orbit_statistics_are_c4_invariant(
        xs in proptest::collection::vec(-6.0f64..6.0, 4..60),
        k in 1usize..4,
    ) {
        let n = xs.len() / 2 * 2;
        let p = Particles::from_rows(2, &xs[..n]).unwrap();
        let g = CyclicRotation::new(4).unwrap();
        let mut q = p.clone();
        for (x, y) in p.iter().zip(q.iter_mut()) {
            g.act(&k, x, y);
        }
        let modes = c4().means();
        let (a, b) = (mode_spread(&p, &modes).unwrap(), mode_spread(&q, &modes).unwrap());
        prop_assert!((a.radial - b.radial).abs() < 1e-12);
        prop_assert!((a.tangential - b.tangential).abs() < 1e-12);
        let (fa, fb) = (mode_fractions(&p, &modes), mode_fractions(&q, &modes));
        // Means are at angles −90°·j, so rotating by +90°·k maps mode j to mode j − k.
        for j in 0..4 {
            prop_assert_eq!(fa[j], fb[(j + 4 - k) % 4]);
        }
        prop_assert_eq!(ring_spread(&p, &[2.0, 5.0]), ring_spread(&q, &[2.0, 5.0]));
    }
}
