//! The fast batched directions (fused loop, blocked GEMM, vectorised exp) against the pointwise reference, for
//! every kernel, both repulsion forms, with and without extra sources, in f64 and f32; the vectorised `exp`
//! over a wide range; bit-identical results for any thread count with `parallel`.

mod common;

use equistein::group::{CyclicRotation, NormMap, WedgeMap};
use equistein::kernel::{
    exp_slice, pointwise_stein_direction, GroupAveraged, Imq, InvariantMap, Kernel, MatrixValued,
    Rbf, Repulsion, ScalarKernel, SteinInput,
};
use equistein::{random, Particles, Real};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

/// `max |a − b| / (1 + max |b|)`.
fn rel_err<T: Real>(a: &Particles<T>, b: &Particles<T>) -> f64 {
    let (err, scale) = common::max_err_and_scale(a, b);
    err / (1.0 + scale)
}

struct Set<T: Real> {
    targets: Particles<T>,
    sources: Particles<T>,
    scores: Particles<T>,
}

/// `n` targets (normal, spread `spread`) plus `extra` fixed sources, scores normal.
fn set<T: Real>(d: usize, n: usize, extra: usize, spread: f64, seed: u64) -> Set<T> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draw = |m: usize| {
        Particles::from_fn(d, m, |_, _| {
            T::c(spread * random::standard_normal::<f64, _>(&mut rng))
        })
    };
    let targets = draw(n);
    let sources = targets.concat(&draw(extra)).unwrap();
    let scores = draw(n + extra);
    Set {
        targets,
        sources,
        scores,
    }
}

/// Worst relative error of `k`'s batched direction against the pointwise reference over both repulsion forms.
fn worst<T: Real, K: Kernel<T> + ScalarKernel<T>>(k: &K, s: &Set<T>, gamma: f64) -> f64 {
    let mut e = 0.0f64;
    for repulsion in [Repulsion::LiuWang, Repulsion::AuthorsCode] {
        let input = SteinInput {
            targets: &s.targets,
            sources: &s.sources,
            scores: &s.scores,
            repulsion,
            drive_weight: T::c(gamma),
        };
        let mut fast = Particles::zeros(s.targets.dim(), s.targets.len());
        let mut slow = fast.clone();
        k.stein_direction(&input, &mut fast).unwrap();
        pointwise_stein_direction(k, &input, &mut slow).unwrap();
        e = e.max(rel_err(&fast, &slow));
    }
    e
}

/// Sizes that exercise partial blocks, several blocks, the fused loop (d < 16) and the GEMM path (d ≥ 16).
const SHAPES: [(usize, usize, usize); 9] = [
    (1, 3, 0),
    (1, 70, 5),
    (2, 1, 2),
    (2, 131, 0),
    (3, 65, 7),
    (5, 40, 3),
    (8, 77, 3),
    (16, 200, 9),
    (40, 90, 0),
];

#[test]
fn stationary_kernels_match_pointwise() {
    for (i, &(d, n, extra)) in SHAPES.iter().enumerate() {
        let h = (d as f64).sqrt();
        let s64 = set::<f64>(d, n, extra, 1.0, i as u64);
        let s32 = set::<f32>(d, n, extra, 1.0, i as u64);
        let e = worst(&Rbf::fixed(h).unwrap(), &s64, 0.7);
        assert!(e < 1e-12, "RBF f64 d={d} n={n}: {e}");
        let e = worst(&Rbf::fixed(h as f32).unwrap(), &s32, 0.7);
        assert!(e < 1e-5, "RBF f32 d={d} n={n}: {e}");
        if n + extra >= 2 {
            let e = worst(&Rbf::<f64>::median(), &s64, 1.0);
            assert!(e < 1e-12, "RBF median f64 d={d} n={n}: {e}");
        }
        for beta in [-0.5, -0.3] {
            let k = Imq::with_params(h, 0.8, beta).unwrap();
            let e = worst(&k, &s64, 1.0);
            assert!(e < 1e-12, "IMQ β={beta} f64 d={d} n={n}: {e}");
            let k = Imq::with_params(h as f32, 0.8, beta as f32).unwrap();
            let e = worst(&k, &s32, 1.0);
            assert!(e < 1e-5, "IMQ β={beta} f32 d={d} n={n}: {e}");
        }
    }
}

#[test]
fn rbf_far_from_origin_and_narrow() {
    // Points far from the origin and from each other relative to h: both code paths must stay accurate.
    for d in [2, 20] {
        let mut s = set::<f64>(d, 50, 4, 0.05, 11);
        s.targets
            .as_mut_slice()
            .iter_mut()
            .for_each(|v| *v += 1000.0);
        s.sources
            .as_mut_slice()
            .iter_mut()
            .for_each(|v| *v += 1000.0);
        let e = worst(&Rbf::fixed(0.02).unwrap(), &s, 1.0);
        assert!(e < 1e-12, "d={d}: {e}");
        let e = worst(&Rbf::fixed(0.3).unwrap(), &s, 1.0);
        assert!(e < 1e-12, "d={d}: {e}");
    }
}

#[test]
fn group_averaged_and_matrix_valued_match_pointwise() {
    let c4 = CyclicRotation::new(4).unwrap();
    let c5 = CyclicRotation::new(5).unwrap();
    for (n, extra, seed) in [(1, 0, 1), (37, 3, 2), (130, 0, 3)] {
        let s64 = set::<f64>(2, n, extra, 1.5, seed);
        let s32 = set::<f32>(2, n, extra, 1.5, seed);
        let e = worst(&GroupAveraged::new(c4, Rbf::fixed(0.7).unwrap()), &s64, 0.9);
        assert!(e < 1e-12, "C4 RBF f64 n={n}: {e}");
        let e = worst(
            &GroupAveraged::new(c4, Rbf::fixed(0.7f32).unwrap()),
            &s32,
            0.9,
        );
        assert!(e < 1e-5, "C4 RBF f32 n={n}: {e}");
        let e = worst(&GroupAveraged::new(c5, Imq::new(0.7).unwrap()), &s64, 1.0);
        assert!(e < 1e-12, "C5 IMQ f64 n={n}: {e}");
        if n + extra >= 2 {
            let e = worst(&GroupAveraged::new(c4, Rbf::<f64>::median()), &s64, 1.0);
            assert!(e < 1e-12, "C4 RBF median f64 n={n}: {e}");
        }
        // The matrix-valued kernel is not a scalar kernel: compare with the pointwise RBF on the orbit-augmented
        // sources, normalised by N·|G| (its definition).
        for repulsion in [Repulsion::LiuWang, Repulsion::AuthorsCode] {
            let mv = MatrixValued::new(c4, Rbf::fixed(0.7).unwrap());
            let input = SteinInput {
                targets: &s64.targets,
                sources: &s64.sources,
                scores: &s64.scores,
                repulsion,
                drive_weight: 0.9,
            };
            let mut fast = Particles::zeros(2, n);
            mv.stein_direction(&input, &mut fast).unwrap();
            let (zs, ss) = mv.augment(&s64.sources, &s64.scores).unwrap();
            let aug = SteinInput {
                sources: &zs,
                scores: &ss,
                ..input
            };
            let mut slow = Particles::zeros(2, n);
            pointwise_stein_direction(&Rbf::fixed(0.7).unwrap(), &aug, &mut slow).unwrap();
            let e = rel_err(&fast, &slow);
            assert!(e < 1e-12, "matrix-valued n={n}: {e}");
        }
    }
}

#[test]
fn invariant_maps_match_pointwise() {
    let c4 = CyclicRotation::new(4).unwrap();
    for (n, extra, seed) in [(1, 1, 4), (45, 2, 5), (129, 0, 6)] {
        let s64 = set::<f64>(2, n, extra, 1.5, seed);
        let s32 = set::<f32>(2, n, extra, 1.5, seed);
        let e = worst(
            &InvariantMap::new(NormMap::new(2), Rbf::fixed(0.6).unwrap()),
            &s64,
            0.8,
        );
        assert!(e < 1e-12, "norm RBF f64 n={n}: {e}");
        let e = worst(
            &InvariantMap::new(WedgeMap::new(c4), Rbf::fixed(0.6).unwrap()),
            &s64,
            0.8,
        );
        assert!(e < 1e-12, "wedge RBF f64 n={n}: {e}");
        let e = worst(
            &InvariantMap::new(NormMap::new(2), Imq::new(0.6).unwrap()),
            &s64,
            1.0,
        );
        assert!(e < 1e-12, "norm IMQ f64 n={n}: {e}");
        let k = InvariantMap::new(WedgeMap::new(c4), Imq::with_params(0.6, 1.0, -0.7).unwrap());
        let e = worst(&k, &s64, 1.0);
        assert!(e < 1e-12, "wedge IMQ f64 n={n}: {e}");
        let e = worst(
            &InvariantMap::new(NormMap::new(2), Rbf::fixed(0.6f32).unwrap()),
            &s32,
            0.8,
        );
        assert!(e < 1e-5, "norm RBF f32 n={n}: {e}");
        let k = InvariantMap::new(WedgeMap::new(c4), Rbf::fixed(0.6f32).unwrap());
        let e = worst(&k, &s32, 0.8);
        assert!(e < 1e-5, "wedge RBF f32 n={n}: {e}");
    }
    // Long Liu–Wang payloads (d·p > 64: the Jacobian rides along, through the tiled products on x86-64), and
    // both repulsion forms in d = 70 and d = 20.
    for (d, n, extra, seed) in [(70, 60, 3, 9), (20, 150, 0, 10), (70, 1, 1, 11)] {
        let s64 = set::<f64>(d, n, extra, 1.0, seed);
        let s32 = set::<f32>(d, n, extra, 1.0, seed);
        let h = (d as f64).sqrt() * 0.3;
        let e = worst(
            &InvariantMap::new(NormMap::new(d), Rbf::fixed(h).unwrap()),
            &s64,
            0.8,
        );
        assert!(e < 1e-12, "norm RBF f64 d={d} n={n}: {e}");
        let e = worst(
            &InvariantMap::new(NormMap::new(d), Rbf::fixed(h as f32).unwrap()),
            &s32,
            0.8,
        );
        assert!(e < 1e-5, "norm RBF f32 d={d} n={n}: {e}");
        let e = worst(
            &InvariantMap::new(NormMap::new(d), Imq::new(h).unwrap()),
            &s64,
            1.0,
        );
        assert!(e < 1e-12, "norm IMQ f64 d={d} n={n}: {e}");
    }
}

/// Relative error of the vectorised exp: below 4e-16 (f64, against libm) and 4e-7 (f32, against the f64 value)
/// over wide ranges, with the documented behaviour at the ends.
#[test]
fn vectorised_exp_accuracy() {
    let m = 200_001;
    let mut xs: Vec<f64> = (0..m)
        .map(|i| -700.0 + 1400.0 * i as f64 / (m - 1) as f64)
        .collect();
    xs.extend((0..m).map(|i| -1.0 + 2.0 * i as f64 / (m - 1) as f64));
    let mut y = xs.clone();
    exp_slice(&mut y);
    let worst64 = xs
        .iter()
        .zip(&y)
        .map(|(&x, &v)| ((v - libm::exp(x)) / libm::exp(x)).abs())
        .fold(0.0, f64::max);
    assert!(worst64 < 4e-16, "f64 exp relative error {worst64}");
    let xs32: Vec<f32> = (0..m)
        .map(|i| -86.0 + 174.0 * i as f32 / (m - 1) as f32)
        .collect();
    let mut y32 = xs32.clone();
    exp_slice(&mut y32);
    let worst32 = xs32
        .iter()
        .zip(&y32)
        .map(|(&x, &v)| {
            let e = libm::exp(x as f64);
            ((v as f64 - e) / e).abs()
        })
        .fold(0.0, f64::max);
    assert!(worst32 < 4e-7, "f32 exp relative error {worst32}");
    let mut ends = [-800.0f64, -708.5, 0.0, 710.0, f64::NAN, f64::NEG_INFINITY];
    exp_slice(&mut ends);
    assert_eq!(&ends[..4], &[0.0, 0.0, 1.0, f64::INFINITY]);
    assert!(ends[4].is_nan());
    assert_eq!(ends[5], 0.0);
    let mut ends32 = [-100.0f32, 0.0, 89.0];
    exp_slice(&mut ends32);
    assert_eq!(ends32, [0.0, 1.0, f32::INFINITY]);
}

/// The result does not depend on the number of rayon threads (bit for bit).
#[cfg(feature = "parallel")]
#[test]
fn bit_identical_for_any_thread_count() {
    fn run<K: Kernel<f64> + Sync>(k: &K, s: &Set<f64>, threads: usize) -> Vec<f64> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let input = SteinInput {
            targets: &s.targets,
            sources: &s.sources,
            scores: &s.scores,
            repulsion: Repulsion::LiuWang,
            drive_weight: 1.0,
        };
        let mut out = Particles::zeros(s.targets.dim(), s.targets.len());
        pool.install(|| k.stein_direction(&input, &mut out))
            .unwrap();
        out.into_vec()
    }
    let s2 = set::<f64>(2, 1500, 3, 1.0, 7);
    let s40 = set::<f64>(40, 700, 0, 1.0, 8);
    let rbf = Rbf::fixed(0.8).unwrap();
    let ga = GroupAveraged::new(CyclicRotation::new(4).unwrap(), rbf);
    let one = run(&rbf, &s2, 1);
    assert_eq!(one, run(&rbf, &s2, 2));
    assert_eq!(one, run(&rbf, &s2, 3));
    let one = run(&Rbf::fixed(6.0).unwrap(), &s40, 1);
    assert_eq!(one, run(&Rbf::fixed(6.0).unwrap(), &s40, 2));
    assert_eq!(one, run(&Rbf::fixed(6.0).unwrap(), &s40, 5));
    let one = run(&ga, &s2, 1);
    assert_eq!(one, run(&ga, &s2, 2));
}
