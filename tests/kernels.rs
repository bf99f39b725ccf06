//! Kernel tests: the ESVGD.md §8 test vectors, gradients against finite differences, joint and separate
//! invariance, and every batched Stein direction against the pointwise reference.

mod common;

use equistein::group::{CyclicRotation, Group, NormMap, WedgeMap};
use equistein::kernel::{
    median_bandwidth, pointwise_stein_direction, GroupAveraged, Imq, InvariantMap, Kernel, Rbf,
    Repulsion, ScalarKernel, SteinInput,
};
use equistein::{Error, Particles, Real};
use proptest::prelude::*;

/// The rotation of the plane by `theta`, written out by hand.
fn rot(theta: f64, x: &[f64]) -> [f64; 2] {
    let (s, c) = theta.sin_cos();
    [c * x[0] - s * x[1], s * x[0] + c * x[1]]
}

fn c4() -> CyclicRotation {
    CyclicRotation::new(4).unwrap()
}

fn c4_act(k: usize, x: &[f64]) -> [f64; 2] {
    let mut out = [0.0; 2];
    Group::<f64>::act(&c4(), &k, x, &mut out);
    out
}

/// Central finite-difference gradient in the first argument.
fn fd_grad<K: ScalarKernel<f64>>(k: &K, x: &[f64], y: &[f64]) -> Vec<f64> {
    let h = 1e-6;
    (0..x.len())
        .map(|a| {
            let mut xp = x.to_vec();
            let mut xm = x.to_vec();
            xp[a] += h;
            xm[a] -= h;
            (k.eval(&xp, y) - k.eval(&xm, y)) / (2.0 * h)
        })
        .collect()
}

fn check_grad<K: ScalarKernel<f64>>(k: &K, x: &[f64], y: &[f64]) -> Result<(), TestCaseError> {
    let mut g = vec![0.0; x.len()];
    let kv = k.grad_first(x, y, &mut g);
    prop_assert!((kv - k.eval(x, y)).abs() <= 1e-14 * (1.0 + kv.abs()));
    let fd = fd_grad(k, x, y);
    for (a, b) in g.iter().zip(&fd) {
        prop_assert!(
            (a - b).abs() < 1e-6 * (1.0 + b.abs()),
            "analytic {g:?} vs fd {fd:?}"
        );
    }
    Ok(())
}

/// Distance (radians) from the polar angle of `x` to the nearest boundary of a C4 wedge (odd multiples of π/4).
fn wedge_margin(x: &[f64]) -> f64 {
    let a = x[1].atan2(x[0]);
    let q = core::f64::consts::FRAC_PI_2;
    let r = (a - core::f64::consts::FRAC_PI_4).rem_euclid(q);
    r.min(q - r)
}

fn rbf(h: f64) -> Rbf<f64> {
    Rbf::fixed(h).unwrap()
}

#[test]
fn test_vectors_of_esvgd_md() {
    let (x, y) = ([1.0, 0.5], [-0.4, 1.2]);
    assert!((rbf(1.0).eval(&x, &y) - 0.293758).abs() < 1e-6);
    let ga = GroupAveraged::new(c4(), rbf(1.0));
    assert!((ga.eval(&x, &y) - 0.381322).abs() < 1e-6);
    let nm = InvariantMap::new(NormMap::new(2), rbf(1.0));
    assert!((nm.eval(&x, &y) - 0.989272).abs() < 1e-6);
    // IMQ against its closed form.
    let imq = Imq::with_params(2.0, 0.5, -0.3).unwrap();
    let d2: f64 = 1.4f64.powi(2) + 0.7f64.powi(2);
    assert!((imq.eval(&x, &y) - (0.25 + d2 / 4.0).powf(-0.3)).abs() < 1e-15);
}

#[test]
fn imq_validation() {
    assert!(matches!(
        Imq::new(0.0),
        Err(Error::NonPositive {
            name: "bandwidth",
            ..
        })
    ));
    assert!(matches!(
        Imq::with_params(1.0, -1.0, -0.5),
        Err(Error::NonPositive { name: "c", .. })
    ));
    for beta in [0.0, -1.0, 0.5, f64::NAN] {
        assert!(matches!(
            Imq::with_params(1.0, 1.0, beta),
            Err(Error::InvalidParameter { name: "beta", .. })
        ));
    }
}

/// The `params` fuzz finding (`fuzz/regressions/params/`): particles of dimension 0 iterated as none, so the
/// median heuristic indexed an empty buffer. They iterate as `len()` empty slices now; every pair is at distance
/// 0 and the heuristic falls back to `h = 1`.
#[test]
fn median_bandwidth_of_zero_dimensional_particles() {
    let x = Particles::<f64>::zeros(0, 3);
    assert_eq!(x.iter().count(), 3);
    assert!(x.iter().all(|p| p.is_empty()));
    assert_eq!(median_bandwidth(&x).unwrap(), 1.0);
    assert!(matches!(
        median_bandwidth(&Particles::<f64>::zeros(0, 1)),
        Err(Error::TooFewParticles { found: 1, min: 2 })
    ));
}

fn point() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-3.0..3.0f64, 2)
}

proptest! {
    #[test]
    fn gradients_match_finite_differences(
        x in point(), y in point(), h in 0.5..3.0f64, beta in -0.95..-0.05f64, c in 0.3..2.0f64
    ) {
        check_grad(&rbf(h), &x, &y)?;
        check_grad(&Imq::with_params(h, c, beta).unwrap(), &x, &y)?;
        check_grad(&GroupAveraged::new(c4(), rbf(h)), &x, &y)?;
        check_grad(&GroupAveraged::new(c4(), Imq::new(h).unwrap()), &x, &y)?;
        if wedge_margin(&x) > 1e-4 {
            check_grad(&InvariantMap::new(WedgeMap::new(c4()), rbf(h)), &x, &y)?;
        }
        if x[0].hypot(x[1]) > 1e-3 {
            check_grad(&InvariantMap::new(NormMap::new(2), rbf(h)), &x, &y)?;
        }
    }

    #[test]
    fn joint_invariance(x in point(), y in point(), h in 0.5..3.0f64, theta in 0.0..6.3f64, g in 0usize..4) {
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * (1.0 + b.abs());
        let (gx, gy) = (c4_act(g, &x), c4_act(g, &y));
        let (rx, ry) = (rot(theta, &x), rot(theta, &y));
        // C4 elements, every kernel.
        let ga = GroupAveraged::new(c4(), rbf(h));
        let wm = InvariantMap::new(WedgeMap::new(c4()), rbf(h));
        let nm = InvariantMap::new(NormMap::new(2), rbf(h));
        let imq = Imq::new(h).unwrap();
        prop_assert!(close(rbf(h).eval(&gx, &gy), rbf(h).eval(&x, &y)));
        prop_assert!(close(imq.eval(&gx, &gy), imq.eval(&x, &y)));
        prop_assert!(close(ga.eval(&gx, &gy), ga.eval(&x, &y)));
        prop_assert!(close(wm.eval(&gx, &gy), wm.eval(&x, &y)));
        prop_assert!(close(nm.eval(&gx, &gy), nm.eval(&x, &y)));
        // Any rotation angle: RBF, IMQ, norm map.
        prop_assert!(close(rbf(h).eval(&rx, &ry), rbf(h).eval(&x, &y)));
        prop_assert!(close(imq.eval(&rx, &ry), imq.eval(&x, &y)));
        prop_assert!(close(nm.eval(&rx, &ry), nm.eval(&x, &y)));
        // The gradient rotates with the points: ∇_1 k(gx, gy) = g ∇_1 k(x, y).
        let mut g0 = [0.0; 2];
        let mut g1 = [0.0; 2];
        ga.grad_first(&x, &y, &mut g0);
        ga.grad_first(&gx, &gy, &mut g1);
        let want = c4_act(g, &g0);
        prop_assert!((g1[0] - want[0]).abs() < 1e-12 && (g1[1] - want[1]).abs() < 1e-12);
    }

    #[test]
    fn separate_invariance(x in point(), y in point(), h in 0.5..3.0f64, theta in 0.0..6.3f64, g in 0usize..4, g2 in 0usize..4) {
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * (1.0 + b.abs());
        let (gx, gy) = (c4_act(g, &x), c4_act(g2, &y));
        let ga = GroupAveraged::new(c4(), rbf(h));
        let wm = InvariantMap::new(WedgeMap::new(c4()), rbf(h));
        let nm = InvariantMap::new(NormMap::new(2), rbf(h));
        prop_assert!(close(ga.eval(&gx, &y), ga.eval(&x, &y)));
        prop_assert!(close(ga.eval(&x, &gy), ga.eval(&x, &y)));
        prop_assert!(close(ga.eval(&gx, &gy), ga.eval(&x, &y)));
        if wedge_margin(&x) > 1e-9 && wedge_margin(&y) > 1e-9 {
            prop_assert!(close(wm.eval(&gx, &gy), wm.eval(&x, &y)));
        }
        prop_assert!(close(nm.eval(&rot(theta, &x), &y), nm.eval(&x, &y)));
        prop_assert!(close(nm.eval(&x, &rot(theta, &y)), nm.eval(&x, &y)));
    }
}

/// Targets, extra sources and scores for a batched-direction comparison.
#[derive(Debug, Clone)]
struct Case {
    n: usize,
    targets: Vec<f64>,
    extra: Vec<f64>,
    scores: Vec<f64>,
    h: f64,
    gamma: f64,
}

fn case(max_n: usize) -> impl Strategy<Value = Case> {
    (1usize..max_n, 0usize..4).prop_flat_map(|(n, m)| {
        (
            prop::collection::vec(-3.0..3.0f64, 2 * n),
            prop::collection::vec(-3.0..3.0f64, 2 * m),
            prop::collection::vec(-2.0..2.0f64, 2 * (n + m)),
            0.3..3.0f64,
            0.0..1.5f64,
        )
            .prop_map(move |(targets, extra, scores, h, gamma)| Case {
                n,
                targets,
                extra,
                scores,
                h,
                gamma,
            })
    })
}

/// `max |a − b| ≤ tol · (1 + max |b|)`.
fn assert_close<T: Real>(
    a: &Particles<T>,
    b: &Particles<T>,
    tol: f64,
) -> Result<(), TestCaseError> {
    let (err, scale) = common::max_err_and_scale(a, b);
    prop_assert!(err <= tol * (1.0 + scale), "error {err} at scale {scale}");
    Ok(())
}

/// Compares a kernel's batched direction with the pointwise reference for both repulsion forms.
fn compare<T: Real, K: Kernel<T> + ScalarKernel<T>>(
    k: &K,
    c: &Case,
    tol: f64,
) -> Result<(), TestCaseError> {
    let conv = |v: &[f64]| v.iter().map(|&x| T::c(x)).collect::<Vec<T>>();
    let targets = Particles::from_rows(2, &conv(&c.targets)).unwrap();
    let extra = Particles::from_rows(2, &conv(&c.extra)).unwrap();
    let sources = targets.concat(&extra).unwrap();
    let scores = Particles::from_rows(2, &conv(&c.scores)).unwrap();
    for repulsion in [Repulsion::LiuWang, Repulsion::AuthorsCode] {
        let input = SteinInput {
            targets: &targets,
            sources: &sources,
            scores: &scores,
            repulsion,
            drive_weight: T::c(c.gamma),
        };
        let mut fast = Particles::zeros(2, c.n);
        let mut slow = Particles::zeros(2, c.n);
        k.stein_direction(&input, &mut fast).unwrap();
        pointwise_stein_direction(k, &input, &mut slow).unwrap();
        assert_close(&fast, &slow, tol)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn rbf_matrix_form_matches_pointwise(c in case(12)) {
        compare::<f64, _>(&rbf(c.h), &c, 1e-12)?;
        compare::<f32, _>(&Rbf::fixed(c.h as f32).unwrap(), &c, 1e-5)?;
        if c.n + c.extra.len() / 2 >= 2 {
            compare::<f64, _>(&Rbf::<f64>::median(), &c, 1e-12)?;
            compare::<f32, _>(&Rbf::<f32>::median(), &c, 1e-5)?;
        }
    }

    #[test]
    fn invariant_map_batched_matches_pointwise(c in case(8)) {
        compare::<f64, _>(&InvariantMap::new(NormMap::new(2), rbf(c.h)), &c, 1e-12)?;
        compare::<f64, _>(&InvariantMap::new(WedgeMap::new(c4()), rbf(c.h)), &c, 1e-12)?;
        compare::<f64, _>(&InvariantMap::new(WedgeMap::new(c4()), Imq::new(c.h).unwrap()), &c, 1e-12)?;
        compare::<f32, _>(&InvariantMap::new(NormMap::new(2), Rbf::fixed(c.h as f32).unwrap()), &c, 1e-5)?;
        compare::<f32, _>(&InvariantMap::new(WedgeMap::new(c4()), Rbf::fixed(c.h as f32).unwrap()), &c, 1e-5)?;
        if c.n + c.extra.len() / 2 >= 2 {
            compare::<f64, _>(&InvariantMap::new(NormMap::new(2), Rbf::<f64>::median()), &c, 1e-12)?;
        }
    }

    #[test]
    fn group_averaged_batched_matches_pointwise(c in case(8)) {
        compare::<f64, _>(&GroupAveraged::new(c4(), rbf(c.h)), &c, 1e-12)?;
        compare::<f64, _>(&GroupAveraged::new(CyclicRotation::new(5).unwrap(), Imq::new(c.h).unwrap()), &c, 1e-12)?;
        compare::<f32, _>(&GroupAveraged::new(c4(), Rbf::fixed(c.h as f32).unwrap()), &c, 1e-5)?;
    }
}

/// Far from the origin relative to the bandwidth, the RBF matrix form switches to pairwise distances and stays
/// accurate.
#[test]
fn rbf_matrix_form_far_from_origin_small_bandwidth() {
    let c = Case {
        n: 5,
        targets: vec![
            1000.0, 1000.1, 1000.01, 1000.0, 999.99, 1000.02, 1000.03, 999.98, 1000.0, 1000.0,
        ],
        extra: vec![1000.05, 1000.05],
        scores: vec![
            0.1, -0.2, 0.3, 0.0, -0.1, 0.2, 0.5, 0.1, -0.3, 0.2, 0.0, 0.1,
        ],
        h: 0.02,
        gamma: 1.0,
    };
    compare::<f64, _>(&rbf(c.h), &c, 1e-12).unwrap();
    compare::<f32, _>(&Rbf::fixed(c.h as f32).unwrap(), &c, 1e-4).unwrap();
}

#[test]
fn batched_directions_validate_dimensions() {
    let x = Particles::from_rows(3, &[0.0, 1.0, 2.0, 1.0, 0.0, 1.0]).unwrap();
    let s = x.clone();
    let input = SteinInput {
        targets: &x,
        sources: &x,
        scores: &s,
        repulsion: Repulsion::LiuWang,
        drive_weight: 1.0,
    };
    let mut out = Particles::zeros(3, 2);
    assert!(matches!(
        GroupAveraged::new(c4(), rbf(1.0)).stein_direction(&input, &mut out),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        InvariantMap::new(WedgeMap::new(c4()), rbf(1.0)).stein_direction(&input, &mut out),
        Err(Error::DimensionMismatch { .. })
    ));
    let mut wrong = Particles::zeros(3, 3);
    assert!(matches!(
        rbf(1.0).stein_direction(&input, &mut wrong),
        Err(Error::DimensionMismatch { .. })
    ));
}
