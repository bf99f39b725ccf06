//! SVGD and Langevin: equivariance of one step, the repulsion forms, the matrix-valued kernel against an
//! explicitly orbit-augmented particle set, positives, statistical recovery of a Gaussian, validation, and
//! reproducibility.

use equistein::group::{CyclicRotation, Group, NormMap};
use equistein::kernel::{
    pointwise_stein_direction, GroupAveraged, InvariantMap, Kernel, MatrixValued, Rbf, Repulsion,
    SteinInput,
};
use equistein::random::fill_normal;
use equistein::{
    Annealing, Energy, EnergyFn, Error, Langevin, Particles, RunLimits, Sampler, StepSchedule,
    Svgd, Update,
};
use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

fn c4() -> CyclicRotation {
    CyclicRotation::new(4).unwrap()
}

fn c4_act(k: usize, x: &[f64]) -> [f64; 2] {
    let mut out = [0.0; 2];
    Group::<f64>::act(&c4(), &k, x, &mut out);
    out
}

fn rot(theta: f64, x: &[f64]) -> [f64; 2] {
    let (s, c) = theta.sin_cos();
    [c * x[0] - s * x[1], s * x[0] + c * x[1]]
}

/// A C4-invariant (but not reflection-invariant) energy:
/// `E(x) = x0⁴ + x1⁴ + 0.1‖x‖² + 0.2 (x0³x1 − x0x1³)`.
fn c4_energy() -> impl Energy<f64> {
    let f = |x: &[f64]| {
        let (a, b) = (x[0], x[1]);
        a.powi(4) + b.powi(4) + 0.1 * (a * a + b * b) + 0.2 * (a.powi(3) * b - a * b.powi(3))
    };
    EnergyFn::new(2, f, move |x: &[f64], g: &mut [f64]| {
        let (a, b) = (x[0], x[1]);
        g[0] = 4.0 * a.powi(3) + 0.2 * a + 0.2 * (3.0 * a * a * b - b.powi(3));
        g[1] = 4.0 * b.powi(3) + 0.2 * b + 0.2 * (a.powi(3) - 3.0 * a * b * b);
        f(x)
    })
}

/// A radial energy `E(x) = (‖x‖ − 2)² / 0.5`.
fn radial_energy() -> impl Energy<f64> {
    let f = |x: &[f64]| (x[0].hypot(x[1]) - 2.0).powi(2) / 0.5;
    EnergyFn::new(2, f, move |x: &[f64], g: &mut [f64]| {
        let r = x[0].hypot(x[1]);
        let s = 2.0 * (r - 2.0) / 0.5 / r;
        g[0] = s * x[0];
        g[1] = s * x[1];
        f(x)
    })
}

fn transform(x: &Particles<f64>, f: impl Fn(&[f64]) -> [f64; 2]) -> Particles<f64> {
    let mut out = x.clone();
    for i in 0..x.len() {
        out.particle_mut(i).copy_from_slice(&f(x.particle(i)));
    }
    out
}

/// Checks `φ_{g·X}(g·x_i) = g·φ_X(x_i)` for one SVGD direction to `tol · (1 + max|φ|)`.
fn check_equivariance<K: Kernel<f64> + Clone, E: Energy<f64>>(
    kernel: K,
    energy: &E,
    x: &Particles<f64>,
    g: impl Fn(&[f64]) -> [f64; 2],
    tol: f64,
) -> Result<(), TestCaseError> {
    for repulsion in [Repulsion::LiuWang, Repulsion::AuthorsCode] {
        let mut svgd = Svgd::builder(kernel.clone())
            .repulsion(repulsion)
            .build()
            .unwrap();
        let phi = svgd.direction(energy, x).unwrap().clone();
        let gx = transform(x, &g);
        let phi_g = svgd.direction(energy, &gx).unwrap().clone();
        let scale = phi.as_slice().iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for i in 0..x.len() {
            let want = g(phi.particle(i));
            let got = phi_g.particle(i);
            for a in 0..2 {
                prop_assert!(
                    (got[a] - want[a]).abs() <= tol * (1.0 + scale),
                    "{repulsion:?}, particle {i}: {got:?} vs {want:?}"
                );
            }
        }
    }
    Ok(())
}

fn particles(max_n: usize) -> impl Strategy<Value = Particles<f64>> {
    (2usize..max_n).prop_flat_map(|n| {
        prop::collection::vec(-2.5..2.5f64, 2 * n)
            .prop_map(|v| Particles::from_rows(2, &v).unwrap())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// One whole SVGD direction is C4-equivariant for a C4-invariant energy, with the group-averaged and the
    /// matrix-valued kernels (and plain RBF, which is jointly invariant), to 1e-12.
    #[test]
    fn svgd_step_is_c4_equivariant(x in particles(9), g in 1usize..4, h in 0.3..2.0f64) {
        let e = c4_energy();
        let act = |p: &[f64]| c4_act(g, p);
        check_equivariance(GroupAveraged::new(c4(), Rbf::fixed(h).unwrap()), &e, &x, act, 1e-12)?;
        check_equivariance(GroupAveraged::new(c4(), Rbf::median()), &e, &x, act, 1e-12)?;
        check_equivariance(MatrixValued::new(c4(), Rbf::fixed(h).unwrap()), &e, &x, act, 1e-12)?;
        check_equivariance(MatrixValued::new(c4(), Rbf::median()), &e, &x, act, 1e-12)?;
        check_equivariance(Rbf::fixed(h).unwrap(), &e, &x, act, 1e-12)?;
    }

    /// With the norm-map kernel and a radial energy the direction is equivariant under any rotation, to 1e-9.
    #[test]
    fn svgd_step_is_so2_equivariant_with_norm_map(x in particles(9), theta in 0.0..6.3f64, h in 0.3..2.0f64) {
        let e = radial_energy();
        let act = |p: &[f64]| rot(theta, p);
        check_equivariance(InvariantMap::new(NormMap::new(2), Rbf::fixed(h).unwrap()), &e, &x, act, 1e-9)?;
        check_equivariance(InvariantMap::new(NormMap::new(2), Rbf::median()), &e, &x, act, 1e-9)?;
    }

    /// For the RBF kernel the code-form repulsion is exactly twice the Liu–Wang repulsion (driving term off).
    #[test]
    fn rbf_code_form_repulsion_is_twice_liu_wang(x in particles(12), h in 0.3..2.0f64) {
        let s = Particles::zeros(2, x.len());
        for k in [Rbf::fixed(h).unwrap(), Rbf::median()] {
            let mut lw = Particles::zeros(2, x.len());
            let mut code = Particles::zeros(2, x.len());
            let mut input = SteinInput { targets: &x, sources: &x, scores: &s, repulsion: Repulsion::LiuWang, drive_weight: 0.0 };
            k.stein_direction(&input, &mut lw).unwrap();
            input.repulsion = Repulsion::AuthorsCode;
            k.stein_direction(&input, &mut code).unwrap();
            for (a, b) in code.as_slice().iter().zip(lw.as_slice()) {
                prop_assert!((a - 2.0 * b).abs() <= 1e-14 * (1.0 + b.abs()), "{a} vs 2×{b}");
            }
        }
    }

    /// The matrix-valued kernel equals SVGD with the base kernel on the explicitly orbit-augmented sources
    /// (every source and score rotated by 0°, 90°, 180°, 270°, written out here by hand).
    #[test]
    fn matrix_valued_equals_orbit_augmented_svgd(x in particles(8), extra in prop::collection::vec(-2.5..2.5f64, 0..6), h in 0.3..2.0f64) {
        let extra = Particles::from_rows(2, &extra[..extra.len() / 2 * 2]).unwrap();
        let z = x.concat(&extra).unwrap();
        let e = c4_energy();
        let mut s = Particles::zeros(2, z.len());
        equistein::energy::scores(&e, &z, &mut s).unwrap();
        let turn = |p: &[f64], k: usize| {
            let (c, sn) = [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)][k];
            [c * p[0] - sn * p[1], sn * p[0] + c * p[1]]
        };
        let mut za = Vec::new();
        let mut sa = Vec::new();
        for j in 0..z.len() {
            for k in 0..4 {
                za.extend(turn(z.particle(j), k));
                sa.extend(turn(s.particle(j), k));
            }
        }
        let za = Particles::from_rows(2, &za).unwrap();
        let sa = Particles::from_rows(2, &sa).unwrap();
        for base in [Rbf::fixed(h).unwrap(), Rbf::median()] {
            for repulsion in [Repulsion::LiuWang, Repulsion::AuthorsCode] {
                let mv = MatrixValued::new(c4(), base);
                let mut got = Particles::zeros(2, x.len());
                let mut want = Particles::zeros(2, x.len());
                mv.stein_direction(&SteinInput { targets: &x, sources: &z, scores: &s, repulsion, drive_weight: 0.7 }, &mut got).unwrap();
                pointwise_stein_direction(&base, &SteinInput { targets: &x, sources: &za, scores: &sa, repulsion, drive_weight: 0.7 }, &mut want).unwrap();
                let scale = want.as_slice().iter().fold(0.0f64, |m, v| m.max(v.abs()));
                for (a, b) in got.as_slice().iter().zip(want.as_slice()) {
                    prop_assert!((a - b).abs() <= 1e-12 * (1.0 + scale));
                }
            }
        }
    }
}

fn standard_normal_energy() -> impl Energy<f64> {
    EnergyFn::new(
        2,
        |x: &[f64]| (x[0] * x[0] + x[1] * x[1]) / 2.0,
        |x: &[f64], g: &mut [f64]| {
            g.copy_from_slice(x);
            (x[0] * x[0] + x[1] * x[1]) / 2.0
        },
    )
}

/// The Gaussian target N(μ, Σ) with μ = (1, −2), Σ = [[2, 0.6], [0.6, 1]]: `E(x) = ½ (x − μ)ᵀ Σ⁻¹ (x − μ)`.
fn gaussian_energy() -> impl Energy<f64> {
    let det = 2.0 * 1.0 - 0.6 * 0.6;
    let p = [1.0 / det, -0.6 / det, 2.0 / det]; // Σ⁻¹ = [[p0, p1], [p1, p2]]
    let grad = move |x: &[f64], g: &mut [f64]| {
        let (a, b) = (x[0] - 1.0, x[1] + 2.0);
        g[0] = p[0] * a + p[1] * b;
        g[1] = p[1] * a + p[2] * b;
        0.5 * (a * g[0] + b * g[1])
    };
    EnergyFn::new(
        2,
        move |x: &[f64]| {
            let mut g = [0.0; 2];
            grad(x, &mut g)
        },
        grad,
    )
}

fn mean_cov(x: &Particles<f64>) -> ([f64; 2], [f64; 3]) {
    let m = x.mean();
    let n = x.len() as f64;
    let mut c = [0.0; 3];
    for p in x.iter() {
        let (a, b) = (p[0] - m[0], p[1] - m[1]);
        c[0] += a * a / n;
        c[1] += a * b / n;
        c[2] += b * b / n;
    }
    ([m[0], m[1]], c)
}

fn start(n: usize, seed: u64) -> Particles<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut v = vec![0.0; 2 * n];
    fill_normal(&mut rng, &mut v);
    Particles::from_rows(2, &v).unwrap()
}

/// SVGD with the median-heuristic RBF kernel, 200 particles started from N(0, I) (seed 7), 1,500 plain steps of
/// size 0.1, recovers the Gaussian of [`gaussian_energy`]: the particle mean to 0.1 in each coordinate and each
/// covariance entry to 0.25.
#[test]
fn svgd_recovers_a_gaussian() {
    let e = gaussian_energy();
    let mut x = start(200, 7);
    let mut svgd = Svgd::builder(Rbf::median()).step_size(0.1).build().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    svgd.run(&e, &mut x, &mut rng, RunLimits::steps(1500), &mut ())
        .unwrap();
    let (m, c) = mean_cov(&x);
    eprintln!("SVGD mean {m:?} cov {c:?}");
    assert!(
        (m[0] - 1.0).abs() < 0.1 && (m[1] + 2.0).abs() < 0.1,
        "mean {m:?}"
    );
    assert!(
        (c[0] - 2.0).abs() < 0.25 && (c[1] - 0.6).abs() < 0.25 && (c[2] - 1.0).abs() < 0.25,
        "cov {c:?}"
    );
}

/// The unadjusted Langevin algorithm with 4,000 independent chains from N(0, I) (seed 11), 1,000 steps of size
/// 0.05, recovers the same Gaussian: mean to 0.1 per coordinate, covariance entries to 0.3 (the step-size bias
/// of ULA is about 2–4% here, the sampling error of a variance about 0.05).
#[test]
fn langevin_recovers_a_gaussian() {
    let e = gaussian_energy();
    let mut x = start(4000, 11);
    let mut ula = Langevin::new(0.05).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    ula.run(&e, &mut x, &mut rng, RunLimits::steps(1000), &mut ())
        .unwrap();
    let (m, c) = mean_cov(&x);
    eprintln!("Langevin mean {m:?} cov {c:?}");
    assert!(
        (m[0] - 1.0).abs() < 0.1 && (m[1] + 2.0).abs() < 0.1,
        "mean {m:?}"
    );
    assert!(
        (c[0] - 2.0).abs() < 0.3 && (c[1] - 0.6).abs() < 0.3 && (c[2] - 1.0).abs() < 0.3,
        "cov {c:?}"
    );
}

/// Adagrad and Adam updates, noisy SVGD (T = 0.01) and annealed SVGD (3 cycles over 600 steps) also bring the particles to the standard normal's mean
/// (within 0.15) after 2,500 steps from (3, −3) and keep the spread of order one (variance in [0.4, 2]).
#[test]
fn svgd_variants_converge() {
    let e = standard_normal_energy();
    let builders = [
        Svgd::builder(Rbf::median())
            .step_size(0.05)
            .update(Update::adagrad()),
        Svgd::builder(Rbf::median())
            .step_size(0.02)
            .update(Update::adam()),
        Svgd::builder(Rbf::median()).step_size(0.05).noise(0.01),
        Svgd::builder(Rbf::median())
            .step_size(0.05)
            .annealing(Annealing {
                total_steps: 600,
                cycles: 3,
                power: 2.0,
            }),
    ];
    for (k, b) in builders.into_iter().enumerate() {
        let mut svgd = b.build().unwrap();
        let mut x = transform(&start(100, 3), |p| [p[0] + 3.0, p[1] - 3.0]);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        svgd.run(&e, &mut x, &mut rng, RunLimits::steps(2500), &mut ())
            .unwrap();
        let (m, c) = mean_cov(&x);
        eprintln!("variant {k}: {m:?} {c:?}");
        assert!(
            m[0].abs() < 0.15 && m[1].abs() < 0.15,
            "variant {k}: mean {m:?}"
        );
        assert!(
            c[0] > 0.4 && c[0] < 2.0 && c[2] > 0.4 && c[2] < 2.0,
            "variant {k}: cov {c:?}"
        );
    }
}

#[test]
fn schedules_and_annealing() {
    let pw = StepSchedule::Piecewise {
        initial: 0.9,
        milestones: vec![(10, 0.5), (20, 0.1)],
    };
    assert_eq!(pw.size_at(0), 0.9);
    assert_eq!(pw.size_at(9), 0.9);
    assert_eq!(pw.size_at(10), 0.5);
    assert_eq!(pw.size_at(25), 0.1);
    let ex = StepSchedule::Exponential {
        initial: 1.0,
        decay: 0.5,
    };
    assert_eq!(ex.size_at(3), 0.125);
    let a = Annealing {
        total_steps: 100,
        cycles: 4,
        power: 2.0f64,
    };
    assert_eq!(a.gamma(0), 0.0);
    assert_eq!(a.gamma(25), 0.0);
    assert!((a.gamma(10) - 0.16).abs() < 1e-12);
    assert!((a.gamma(60) - 0.16).abs() < 1e-12);
    assert_eq!(a.gamma(75), 1.0);
    assert_eq!(a.gamma(1000), 1.0);
    assert!(Svgd::builder(Rbf::<f64>::median())
        .schedule(StepSchedule::Piecewise {
            initial: 0.1,
            milestones: vec![(5, 0.1), (5, 0.2)]
        })
        .build()
        .is_err());
    assert!(Svgd::builder(Rbf::<f64>::median())
        .schedule(StepSchedule::Exponential {
            initial: 0.1,
            decay: 1.5
        })
        .build()
        .is_err());
}

/// Annealing with γ = 0 at step 0 leaves only the repulsion; the reported step size follows the schedule.
#[test]
fn annealing_switches_off_the_driving_term_at_the_start() {
    let e = gaussian_energy();
    let x = start(10, 1);
    let s = Particles::zeros(2, 10);
    let k = Rbf::fixed(1.0).unwrap();
    let mut want = Particles::zeros(2, 10);
    k.stein_direction(
        &SteinInput {
            targets: &x,
            sources: &x,
            scores: &s,
            repulsion: Repulsion::LiuWang,
            drive_weight: 1.0,
        },
        &mut want,
    )
    .unwrap();
    let mut svgd = Svgd::builder(k)
        .annealing(Annealing {
            total_steps: 10,
            cycles: 2,
            power: 1.0,
        })
        .build()
        .unwrap();
    assert_eq!(svgd.direction(&e, &x).unwrap(), &want);
}

/// Positives are extra sources (normalised by n + m) that do not move.
#[test]
fn positives_are_fixed_repulsive_sources() {
    let e = gaussian_energy();
    let x = start(6, 2);
    let y = transform(&start(4, 5), |p| [p[0] + 1.0, p[1]]);
    let k = Rbf::fixed(0.8).unwrap();
    let z = x.concat(&y).unwrap();
    let mut s = Particles::zeros(2, z.len());
    equistein::energy::scores(&e, &z, &mut s).unwrap();
    let mut want = Particles::zeros(2, 6);
    pointwise_stein_direction(
        &k,
        &SteinInput {
            targets: &x,
            sources: &z,
            scores: &s,
            repulsion: Repulsion::LiuWang,
            drive_weight: 1.0,
        },
        &mut want,
    )
    .unwrap();
    let mut svgd = Svgd::builder(k)
        .positives(y.clone())
        .step_size(0.1)
        .build()
        .unwrap();
    let got = svgd.direction(&e, &x).unwrap().clone();
    for (a, b) in got.as_slice().iter().zip(want.as_slice()) {
        assert!((a - b).abs() < 1e-12);
    }
    let mut moved = x.clone();
    svgd.step(&e, &mut moved, &mut ChaCha8Rng::seed_from_u64(0))
        .unwrap();
    assert_eq!(svgd.positives().unwrap(), &y);
    for i in 0..6 {
        for a in 0..2 {
            assert!(
                (moved.particle(i)[a] - x.particle(i)[a] - 0.1 * want.particle(i)[a]).abs() < 1e-12
            );
        }
    }
    // Replacing the positives changes the direction; removing them gives plain SVGD.
    svgd.set_positives(None).unwrap();
    let plain = svgd.direction(&e, &x).unwrap().clone();
    assert_ne!(plain, got);
    // Positives of the wrong dimension are rejected at step time.
    svgd.set_positives(Some(Particles::zeros(3, 2))).unwrap();
    assert!(matches!(
        svgd.direction(&e, &x),
        Err(Error::DimensionMismatch { .. })
    ));
    // Non-finite positives are rejected when set.
    let mut bad = y.clone();
    bad.particle_mut(2)[1] = f64::NAN;
    assert!(matches!(
        svgd.set_positives(Some(bad)),
        Err(Error::NonFinite {
            particle: 2,
            coordinate: 1,
            ..
        })
    ));
}

#[test]
fn step_reports_mean_displacement() {
    let e = gaussian_energy();
    let x0 = start(20, 4);
    let mut x = x0.clone();
    let mut svgd = Svgd::builder(Rbf::median())
        .step_size(0.05)
        .build()
        .unwrap();
    let info = svgd
        .step(&e, &mut x, &mut ChaCha8Rng::seed_from_u64(0))
        .unwrap();
    let want: f64 = x0
        .iter()
        .zip(x.iter())
        .map(|(a, b)| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt())
        .sum::<f64>()
        / 20.0;
    assert_eq!(info.step, 0);
    assert_eq!(info.step_size, 0.05);
    assert!((info.mean_displacement - want).abs() < 1e-15);
    let info = svgd
        .step(&e, &mut x, &mut ChaCha8Rng::seed_from_u64(0))
        .unwrap();
    assert_eq!(info.step, 1);
    svgd.reset();
    assert_eq!(svgd.steps_taken(), 0);
}

#[test]
fn validation_errors() {
    let e = gaussian_energy();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut svgd = Svgd::builder(Rbf::median()).step_size(0.1).build().unwrap();
    // n < 2
    let mut one = Particles::from_rows(2, &[0.0, 1.0]).unwrap();
    assert_eq!(
        svgd.step(&e, &mut one, &mut rng).unwrap_err(),
        Error::TooFewParticles { found: 1, min: 2 }
    );
    // a non-positive or non-finite step size
    for eps in [-0.1, 0.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            Svgd::builder(Rbf::<f64>::median()).step_size(eps).build(),
            Err(Error::NonPositive {
                name: "step size",
                ..
            })
        ));
        assert!(Langevin::new(eps).is_err());
    }
    // negative noise, zero annealing cycles, bad Adam constants
    assert!(Svgd::builder(Rbf::<f64>::median())
        .noise(-1.0)
        .build()
        .is_err());
    assert!(Svgd::builder(Rbf::<f64>::median())
        .annealing(Annealing {
            total_steps: 10,
            cycles: 0,
            power: 1.0
        })
        .build()
        .is_err());
    assert!(Svgd::builder(Rbf::<f64>::median())
        .update(Update::Adam {
            beta1: 1.0,
            beta2: 0.999,
            eps: 1e-8
        })
        .build()
        .is_err());
    // a non-finite particle: the error names it
    let mut x = start(5, 0);
    x.particle_mut(3)[1] = f64::NAN;
    assert_eq!(
        svgd.step(&e, &mut x, &mut rng).unwrap_err(),
        Error::NonFinite {
            what: "particles",
            particle: 3,
            coordinate: 1
        }
    );
    let mut ula = Langevin::new(0.1).unwrap();
    assert!(matches!(
        ula.step(&e, &mut x, &mut rng),
        Err(Error::NonFinite { particle: 3, .. })
    ));
    // a non-finite score: the error names the particle
    let blow = EnergyFn::new(
        2,
        |_: &[f64]| 0.0,
        |x: &[f64], g: &mut [f64]| {
            g[0] = 1.0 / (x[0] - 0.5);
            g[1] = 0.0;
            0.0
        },
    );
    let mut x = Particles::from_rows(2, &[0.0, 0.0, 1.0, 1.0, 0.5, 2.0]).unwrap();
    assert_eq!(
        svgd.step(&blow, &mut x, &mut rng).unwrap_err(),
        Error::Diverged {
            what: "score",
            step: 0,
            particle: 2,
            coordinate: 0
        }
    );
    // a dimension mismatch with the energy
    let mut x3 = Particles::zeros(3, 4);
    assert!(matches!(
        svgd.step(&e, &mut x3, &mut rng),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        ula.step(&e, &mut x3, &mut rng),
        Err(Error::DimensionMismatch { .. })
    ));
}

/// The same seed gives bit-identical runs with noise on; another seed does not.
#[test]
fn same_seed_same_result() {
    let e = gaussian_energy();
    let run = |seed: u64| {
        let mut svgd = Svgd::builder(Rbf::median())
            .step_size(0.05)
            .noise(1.0)
            .build()
            .unwrap();
        let mut x = start(30, 9);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        svgd.run(&e, &mut x, &mut rng, RunLimits::steps(50), &mut ())
            .unwrap();
        x
    };
    let a = run(42);
    let b = run(42);
    assert_eq!(a.as_slice(), b.as_slice());
    assert_ne!(a.as_slice(), run(43).as_slice());
    let ula = |seed: u64| {
        let mut s = Langevin::new(0.05).unwrap();
        let mut x = start(30, 9);
        s.run(
            &e,
            &mut x,
            &mut ChaCha8Rng::seed_from_u64(seed),
            RunLimits::steps(50),
            &mut (),
        )
        .unwrap();
        x
    };
    assert_eq!(ula(5).as_slice(), ula(5).as_slice());
}

/// The f32 sampler runs and agrees with f64 to single precision over a few steps.
#[test]
fn svgd_in_f32() {
    let e32 = EnergyFn::new(
        2,
        |x: &[f32]| (x[0] * x[0] + x[1] * x[1]) / 2.0,
        |x: &[f32], g: &mut [f32]| {
            g.copy_from_slice(x);
            (x[0] * x[0] + x[1] * x[1]) / 2.0
        },
    );
    let e64 = standard_normal_energy();
    let x64 = start(20, 8);
    let mut a = x64.clone();
    let mut b = Particles::<f32>::from_fn(2, 20, |i, c| x64.particle(i)[c] as f32);
    let mut s64 = Svgd::builder(Rbf::median()).step_size(0.1).build().unwrap();
    let mut s32 = Svgd::builder(Rbf::<f32>::median())
        .step_size(0.1)
        .build()
        .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    for _ in 0..5 {
        s64.step(&e64, &mut a, &mut rng).unwrap();
        s32.step(&e32, &mut b, &mut rng).unwrap();
    }
    for (p, q) in a.as_slice().iter().zip(b.as_slice()) {
        assert!((p - *q as f64).abs() < 1e-4);
    }
}

/// Divergence is caught at the step where it appears, naming the step and the particle: a step size far too
/// large (the particles overflow after a few steps) and an energy that is NaN in a region (a particle walks
/// into it). Langevin reports the same way.
#[test]
fn divergence_names_the_step_and_the_particle() {
    let e = gaussian_energy();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    // ε = 1e150: the first move takes the particles to about 1e150, the second to about 1e300 and the scores
    // (≈ −x) with them; by the third the positions overflow.
    let mut svgd = Svgd::builder(Rbf::fixed(1.0).unwrap())
        .step_size(1e150)
        .build()
        .unwrap();
    let mut x = start(6, 2);
    let mut err = None;
    for _ in 0..10 {
        if let Err(e) = svgd.step(&e, &mut x, &mut rng) {
            err = Some(e);
            break;
        }
    }
    match err {
        Some(Error::Diverged { step, particle, .. }) => {
            assert!(step >= 1, "step {step}");
            assert!(particle < 6);
        }
        other => panic!("expected a divergence, got {other:?}"),
    }
    let mut ula = Langevin::new(1e150).unwrap();
    let mut x = start(6, 2);
    let mut err = None;
    for _ in 0..10 {
        if let Err(e) = ula.step(&e, &mut x, &mut rng) {
            err = Some(e);
            break;
        }
    }
    assert!(matches!(err, Some(Error::Diverged { .. })), "{err:?}");

    // E = −3x₀ (a constant push to the right), NaN for x₀ > 1: particle 1 starts at x₀ = 0.9 and walks in.
    let nan_region = EnergyFn::new(
        2,
        |x: &[f64]| if x[0] > 1.0 { f64::NAN } else { -3.0 * x[0] },
        |x: &[f64], g: &mut [f64]| {
            g[0] = -3.0;
            g[1] = 0.0;
            if x[0] > 1.0 {
                f64::NAN
            } else {
                -3.0 * x[0]
            }
        },
    );
    let mut svgd = Svgd::builder(Rbf::fixed(0.1).unwrap())
        .step_size(0.01)
        .build()
        .unwrap();
    let mut x = Particles::from_rows(2, &[-5.0, 0.0, 0.9, 0.0, -9.0, 1.0]).unwrap();
    let mut err = None;
    for _ in 0..100 {
        if let Err(e) = svgd.step(&nan_region, &mut x, &mut rng) {
            err = Some(e);
            break;
        }
    }
    // φ ≈ (1/3)·3 = 1 for the isolated particle 1 (the others are far): x₀ = 0.9 + 0.01·t passes 1 at t = 11.
    assert_eq!(
        err,
        Some(Error::Diverged {
            what: "energy",
            step: 11,
            particle: 1,
            coordinate: 0
        })
    );
    let msg = err.unwrap().to_string();
    assert!(
        msg.contains("step 11") && msg.contains("particle 1"),
        "{msg}"
    );
}
