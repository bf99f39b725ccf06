//! Property tests of the symmetry groups and their orbit maps. The laws (identity, composition, inverse, the
//! differential of `act`, finite-group lists, orbit-map invariance, vector–Jacobian products against central
//! finite differences away from ties) run through the users' kit (`equistein-testing`) on every built-in group
//! and orbit map; the facts particular to one group (orthogonality, conventions, sampling laws, validation,
//! canonical-frame shapes) are checked here directly.

use equistein::group::{
    AbsMap, CanonicalFrame, CenterMap, CyclicRotation, FiniteGroup, Group, NormMap, OrbitMap,
    PairDistances, Permutations, PointCloud, PointCloudElement, Reflections, So2, So3, SortMap,
    Translations, WedgeMap,
};
use equistein::real::norm;
use equistein_testing::strategies::away_from_ties;
use equistein_testing::{
    check_orbit_map_laws_with, finite_group_laws, group_laws, orbit_map_laws, Config,
};
use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

const TOL: f64 = 1e-9;

/// The kit's runs: 48 cases, points in `[−3, 3]^d`.
fn config() -> Config {
    Config::default().with_cases(48)
}

fn prop_config() -> ProptestConfig {
    ProptestConfig {
        cases: 48,
        ..ProptestConfig::default()
    }
}

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn act<G: Group<f64>>(g: &G, e: &G::Element, x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; g.dim()];
    g.act(e, x, &mut out);
    out
}

fn act_vec<G: Group<f64>>(g: &G, e: &G::Element, v: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; g.dim()];
    g.act_vector(e, v, &mut out);
    out
}

fn map<P: OrbitMap<f64>>(p: &P, x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; p.output_dim()];
    p.map(x, &mut out);
    out
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(u, v)| (u - v).abs())
        .fold(0.0, f64::max)
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().map(|u| u.abs()).fold(0.0, f64::max)
}

/// The group laws through the kit (identity, composition, inverse, `a⁻¹∘a = e`, the differential of `act`).
/// The group laws through the kit (identity, composition, inverse, `a⁻¹∘a = e`, the differential of `act`).
fn laws<G: Group<f64> + Clone>(g: &G) {
    group_laws!(*g, config());
}

fn coords(n: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-3.0..3.0f64, n)
}

// ---------------------------------------------------------------------------------------------------- SO(2)

#[test]
fn so2_and_so3_laws_and_norm_maps() {
    laws(&So2::new());
    orbit_map_laws!(So2::new().orbit_map(), So2::new(), config());
    laws(&So3::new());
    orbit_map_laws!(So3::new().orbit_map(), So3::new(), config());
}

proptest! {
    #![proptest_config(prop_config())]

    #[test]
    fn so2_orthogonality(sa in any::<u64>(), x in coords(2)) {
        let g = So2::new();
        let a: f64 = g.sample(&mut rng(sa));
        prop_assert!((norm(&act(&g, &a, &x)) - norm(&x)).abs() <= TOL);
        // Composition adds angles: the quarter turn composed four times is the identity.
        let q = core::f64::consts::FRAC_PI_2;
        let full = g.compose(&q, &g.compose(&q, &g.compose(&q, &q)));
        prop_assert!(max_diff(&act(&g, &full, &x), &x) <= TOL * (1.0 + max_abs(&x)));
    }

    // --------------------------------------------------------------------------------------------- SO(3)

    #[test]
    fn so3_orthogonality(sa in any::<u64>(), x in coords(3)) {
        let g = So3::new();
        let a: [f64; 9] = g.sample(&mut rng(sa));
        prop_assert!((norm(&act(&g, &a, &x)) - norm(&x)).abs() <= TOL * (1.0 + norm(&x)));
        // A proper rotation: RᵀR = I and det R = +1.
        let mut rtr = [0.0; 9];
        for i in 0..3 {
            for j in 0..3 {
                rtr[i * 3 + j] = (0..3).map(|l| a[l * 3 + i] * a[l * 3 + j]).sum();
            }
        }
        prop_assert!(max_diff(&rtr, &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]) <= 1e-12);
        prop_assert!((det3(&a) - 1.0).abs() <= 1e-12);
    }
}

fn det3(a: &[f64]) -> f64 {
    a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6])
        + a[2] * (a[3] * a[7] - a[4] * a[6])
}

#[test]
fn so3_haar_sample_spreads_a_vector_uniformly() {
    // Under a Haar rotation, R e_x is uniform on the sphere: each coordinate has mean 0 and second moment 1/3.
    // With 4000 draws the standard error of a mean is ≈ 0.009 and of a second moment ≈ 0.0047; 5 s.e. bounds.
    let g = So3::new();
    let mut r = rng(7);
    let n = 4000;
    let (mut m1, mut m2) = ([0.0; 3], [0.0; 3]);
    for _ in 0..n {
        let a: [f64; 9] = g.sample(&mut r);
        for i in 0..3 {
            m1[i] += a[i * 3] / n as f64;
            m2[i] += a[i * 3] * a[i * 3] / n as f64;
        }
    }
    for i in 0..3 {
        assert!(m1[i].abs() < 0.045, "mean {m1:?}");
        assert!((m2[i] - 1.0 / 3.0).abs() < 0.024, "second moment {m2:?}");
    }
}

#[test]
fn so3_axis_angle_composition() {
    let g = So3::new();
    let a = So3::from_axis_angle([1.0, 2.0, -0.5], 0.7);
    let b = So3::from_axis_angle([1.0, 2.0, -0.5], 0.5);
    let ab = g.compose(&a, &b);
    let c = So3::from_axis_angle([1.0, 2.0, -0.5], 1.2);
    assert!(max_diff(&ab, &c) < 1e-14);
}

// ------------------------------------------------------------------------------------------------ Reflections

fn reflection_groups() -> [Reflections; 3] {
    [
        Reflections::axes(5, &[0, 2, 3]).unwrap(),
        Reflections::axis(5, 4).unwrap(),
        Reflections::all(5).unwrap(),
    ]
}

#[test]
fn reflections_laws_and_abs_maps() {
    for g in reflection_groups() {
        finite_group_laws!(g, config());
        orbit_map_laws!(AbsMap::new(&g), g, config());
    }
}

proptest! {
    #![proptest_config(prop_config())]

    #[test]
    fn reflections_orthogonality_and_abs_map(sa in any::<u64>(), x in coords(5)) {
        for g in reflection_groups() {
            let a: u64 = Group::<f64>::sample(&g, &mut rng(sa));
            prop_assert_eq!(a & !g.mask(), 0);
            prop_assert!((norm(&act(&g, &a, &x)) - norm(&x)).abs() <= TOL);
            // Coordinates off the chosen axes pass through unchanged.
            let p = AbsMap::new(&g);
            let px = map(&p, &x);
            for i in 0..5 {
                let flipped = (g.mask() >> i) & 1 == 1;
                prop_assert_eq!(px[i], if flipped { x[i].abs() } else { x[i] });
            }
        }
    }
}

#[test]
fn reflections_finite_group() {
    for g in [
        Reflections::axis(3, 1).unwrap(),
        Reflections::axes(6, &[0, 3, 5, 3]).unwrap(),
        Reflections::all(4).unwrap(),
    ] {
        finite_group_laws!(g, config());
    }
    assert_eq!(FiniteGroup::<f64>::order(&Reflections::all(4).unwrap()), 16);
    assert_eq!(
        FiniteGroup::<f64>::order(&Reflections::axes(6, &[0, 3, 5, 3]).unwrap()),
        8
    );
    assert!(Reflections::axis(3, 3).is_err());
    assert!(Reflections::axis(100, 70).is_err());
    assert!(Reflections::all(64).is_err());
}

// ------------------------------------------------------------------------------------------------ Translations

#[test]
fn translations_laws_and_center_maps() {
    let g = Translations::point_cloud(3, 2)
        .unwrap()
        .with_sigma(2.5)
        .unwrap();
    laws(&g);
    orbit_map_laws!(g.orbit_map(), g, config());
    // Translations of R^d itself: the quotient is a point.
    let t = Translations::new(3).unwrap();
    laws(&t);
    orbit_map_laws!(CenterMap::new(1, 3).unwrap(), t, config());
}

proptest! {
    #![proptest_config(prop_config())]

    #[test]
    fn translations_act_trivially_on_vectors(sa in any::<u64>(), x in coords(6), v in coords(6)) {
        let g = Translations::point_cloud(3, 2).unwrap().with_sigma(2.5).unwrap();
        let a: Vec<f64> = g.sample(&mut rng(sa));
        prop_assert_eq!(a.len(), 2);
        prop_assert_eq!(act_vec(&g, &a, &v), v.clone());
        // The centred cloud has zero centroid.
        let px = map(&g.orbit_map(), &x);
        prop_assert!((px[0] + px[2] + px[4]).abs() < 1e-12 && (px[1] + px[3] + px[5]).abs() < 1e-12);
        let pt = CenterMap::new(1, 3).unwrap();
        prop_assert_eq!(map(&pt, &x[..3]), vec![0.0; 3]);
    }
}

#[test]
fn translations_sampling_law_and_validation() {
    // t ~ N(0, σ² I) with σ = 2: the sample variance of 4000 coordinates is within 10% of 4 (≈ 4.5 s.e.).
    let g = Translations::new(2).unwrap().with_sigma(2.0).unwrap();
    let mut r = rng(3);
    let n = 2000;
    let mut s2 = 0.0;
    for _ in 0..n {
        let t: Vec<f64> = g.sample(&mut r);
        s2 += (t[0] * t[0] + t[1] * t[1]) / (2 * n) as f64;
    }
    assert!((s2 - 4.0).abs() < 0.4, "variance {s2}");
    assert!(Translations::new(0).is_err());
    assert!(Translations::point_cloud(0, 2).is_err());
    assert!(Translations::new(2).unwrap().with_sigma(0.0).is_err());
    assert!(Translations::new(2).unwrap().with_sigma(f64::NAN).is_err());
    assert!(CenterMap::new(2, 0).is_err());
}

// ------------------------------------------------------------------------------------------------ Permutations

#[test]
fn permutations_laws_and_sort_map() {
    let g = Permutations::new(4, 2).unwrap();
    finite_group_laws!(g, config());
    orbit_map_laws!(g.orbit_map(), g, config());
}

proptest! {
    #![proptest_config(prop_config())]

    #[test]
    fn permutations_convention_and_sorting(sa in any::<u64>(), x in coords(8)) {
        let g = Permutations::new(4, 2).unwrap();
        let a: Vec<usize> = Group::<f64>::sample(&g, &mut rng(sa));
        prop_assert!(g.element(a.clone()).is_ok());
        prop_assert!((norm(&act(&g, &a, &x)) - norm(&x)).abs() <= TOL);
        // The documented convention: particle p moves to position a[p].
        let y = act(&g, &a, &x);
        for p in 0..4 {
            prop_assert_eq!(&y[a[p] * 2..a[p] * 2 + 2], &x[p * 2..p * 2 + 2]);
        }
        let px = map(&g.orbit_map(), &x);
        for j in 1..4 {
            prop_assert!(px[(j - 1) * 2] <= px[j * 2]);
        }
    }
}

#[test]
fn permutations_finite_group_and_validation() {
    for k in 1..=4 {
        finite_group_laws!(Permutations::new(k, 3).unwrap(), config());
    }
    let g = Permutations::new(4, 3).unwrap();
    assert_eq!(FiniteGroup::<f64>::order(&g), 24);
    assert_eq!(FiniteGroup::<f64>::elements(&g).len(), 24);
    // The identity is listed first, exactly.
    assert_eq!(
        FiniteGroup::<f64>::elements(&g)[0],
        Group::<f64>::identity(&g)
    );
    assert!(g.element(vec![0, 1, 2]).is_err());
    assert!(g.element(vec![0, 1, 1, 2]).is_err());
    assert!(g.element(vec![0, 1, 4, 2]).is_err());
    assert!(Permutations::new(0, 2).is_err());
    assert!(SortMap::new(3, 0).is_err());
    // Lexicographic order: ties in the first coordinate are broken by the second.
    let s = SortMap::new(3, 2).unwrap();
    assert_eq!(
        map(&s, &[1.0, 5.0, 1.0, -2.0, 0.0, 9.0]),
        vec![0.0, 9.0, 1.0, -2.0, 1.0, 5.0]
    );
}

#[test]
fn uniform_permutations() {
    // Each of the 6 permutations of S_3 has probability 1/6; 6000 draws give counts 1000 ± 29 (1 s.d.).
    let g = Permutations::new(3, 1).unwrap();
    let els = FiniteGroup::<f64>::elements(&g);
    let mut counts = [0usize; 6];
    let mut r = rng(11);
    for _ in 0..6000 {
        let p: Vec<usize> = Group::<f64>::sample(&g, &mut r);
        counts[els.iter().position(|e| *e == p).unwrap()] += 1;
    }
    assert!(
        counts.iter().all(|&c| (850..1150).contains(&c)),
        "{counts:?}"
    );
}

#[test]
fn cyclic_rotation_finite_group_and_wedge_map() {
    for n in [4, 6] {
        let g = CyclicRotation::new(n).unwrap();
        finite_group_laws!(g, config());
        orbit_map_laws!(WedgeMap::new(g), g, config());
    }
}

// ------------------------------------------------------------------------------------------------ PointCloud

/// A proper rotation of `R^m` (m = 2, 3) with a translation and a permutation, all random.
fn proper_element(g: &PointCloud, seed: u64) -> PointCloudElement<f64> {
    let mut r = rng(seed);
    let m = g.particle_dim();
    let rot = if m == 2 {
        let th: f64 = So2::new().sample(&mut r);
        vec![th.cos(), -th.sin(), th.sin(), th.cos()]
    } else {
        let q: [f64; 9] = So3::new().sample(&mut r);
        q.to_vec()
    };
    let full: PointCloudElement<f64> = g.sample(&mut r);
    g.element(
        rot,
        full.translation().to_vec(),
        full.permutation().to_vec(),
    )
    .unwrap()
}

/// Proper elements of E(m) × S_k: what a canonical frame that tells mirror images apart is invariant under.
fn proper_elements(g: PointCloud) -> impl Strategy<Value = PointCloudElement<f64>> {
    any::<u64>().prop_map(move |s| proper_element(&g, s))
}

/// Rotations alone (no translation, no permutation), about random axes.
fn rotations_alone(g: PointCloud) -> impl Strategy<Value = PointCloudElement<f64>> {
    any::<u64>().prop_map(move |s| {
        let q: [f64; 9] = So3::new().sample(&mut rng(s));
        let k = g.particles();
        g.element(q.to_vec(), vec![0.0; 3], (0..k).collect())
            .unwrap()
    })
}

#[test]
fn point_cloud_laws() {
    laws(&PointCloud::new(4, 2).unwrap());
    laws(&PointCloud::new(5, 3).unwrap());
}

#[test]
fn canonical_frames_invariance_and_vjp() {
    // SE(m) × S_k for the default map, all of E(m) × S_k once reflections are quotiented; k = 3 forces ties in
    // the naive rules (the two non-anchor particles are mirror images about the anchor axis once centred), so
    // the radius-weighted rules must still be invariant and differentiable.
    for (k, m) in [(4usize, 2usize), (5, 3), (3, 2), (3, 3)] {
        let g = PointCloud::new(k, m).unwrap();
        let p = g.orbit_map();
        check_orbit_map_laws_with(&p, &g, proper_elements(g), &config()).unwrap();
        orbit_map_laws!(p.with_quotient_reflections(true), g, config());
    }
    let g = PointCloud::new(4, 3).unwrap();
    check_orbit_map_laws_with(
        &CanonicalFrame::new(4, 3).unwrap(),
        &g,
        rotations_alone(g),
        &config(),
    )
    .unwrap();
}

#[test]
fn pair_distances_invariance_and_vjp() {
    // Invariant under all of E(m) × S_k, reflections included, with the VJP against finite differences.
    for (k, m) in [(4usize, 2usize), (5, 3), (3, 2)] {
        orbit_map_laws!(
            PairDistances::new(k, m),
            PointCloud::new(k, m).unwrap(),
            config()
        );
    }
}

proptest! {
    #![proptest_config(prop_config())]

    /// Where two radii tie, the canonical frame swaps whole rows (a jump of order the cloud's size), while the
    /// sorted pair distances move by the size of the perturbation: the map has no discontinuity to stall on.
    #[test]
    fn pair_distances_are_continuous_where_the_canonical_frame_jumps(
        x in coords(8), angle in 0.3f64..2.8, eps in 1e-7f64..1e-5
    ) {
        // Particles 0 and 1 on one circle about the centroid (a radius tie), at an angle from each other;
        // particle 3 balances the centroid at the origin. The two sides of the tie move particle 1 radially by
        // ±eps·r0 (and particle 3 back, keeping the centroid).
        let r0 = (x[0] * x[0] + x[1] * x[1]).sqrt();
        prop_assume!(r0 > 0.5);
        let t0 = x[1].atan2(x[0]);
        let side = |s: f64| {
            let r = r0 * (1.0 + s);
            let mut z = vec![x[0], x[1], r * (t0 + angle).cos(), r * (t0 + angle).sin(), x[4], x[5], 0.0, 0.0];
            z[6] = -(z[0] + z[2] + z[4]);
            z[7] = -(z[1] + z[3] + z[5]);
            z
        };
        let radius = |z: &[f64], p: usize| (z[2 * p] * z[2 * p] + z[2 * p + 1] * z[2 * p + 1]).sqrt();
        let y = side(0.0);
        prop_assume!([2, 3].iter().all(|&p| (radius(&y, p) - r0).abs() > 0.1));
        let (a, b) = (side(eps), side(-eps));
        let gap = |p: &dyn Fn(&[f64]) -> Vec<f64>| {
            p(&a).iter().zip(p(&b)).map(|(u, v)| (u - v).abs()).fold(0.0, f64::max)
        };
        let frame = CanonicalFrame::new(4, 2).unwrap();
        let canonical_jump = gap(&|z| map(&frame, z));
        let distance_jump = gap(&|z| map(&PairDistances::new(4, 2), z));
        prop_assert!(distance_jump <= 4.0 * eps * r0 + 1e-12, "{distance_jump}");
        // The frame's jump is a swap of two different rows: at least the gap between the particles' frame
        // coordinates, which the angle keeps away from zero (unless the swap moves the anchor and both
        // particles' rows happen to agree, which the angle range rules out in practice).
        prop_assert!(canonical_jump > 1e3 * distance_jump, "{canonical_jump} vs {distance_jump}");
    }

    #[test]
    fn point_cloud_2d_isometries(sa in any::<u64>(), x in coords(8), v in coords(8)) {
        let g = PointCloud::new(4, 2).unwrap();
        let a: PointCloudElement<f64> = g.sample(&mut rng(sa));
        // The linear part is orthogonal.
        prop_assert!((norm(&act_vec(&g, &a, &v)) - norm(&v)).abs() <= TOL * (1.0 + norm(&v)));
        // Pairwise distances are preserved by the action (as a multiset, permuted).
        let y = act(&g, &a, &x);
        let pi = a.permutation();
        for p in 0..4 {
            for q in 0..4 {
                let dx = ((x[2 * p] - x[2 * q]).powi(2) + (x[2 * p + 1] - x[2 * q + 1]).powi(2)).sqrt();
                let (pp, qq) = (pi[p], pi[q]);
                let dy = ((y[2 * pp] - y[2 * qq]).powi(2) + (y[2 * pp + 1] - y[2 * qq + 1]).powi(2)).sqrt();
                prop_assert!((dx - dy).abs() <= TOL);
            }
        }
    }

    #[test]
    fn point_cloud_3d_orthogonality(sa in any::<u64>(), v in coords(15)) {
        let g = PointCloud::new(5, 3).unwrap();
        let a: PointCloudElement<f64> = g.sample(&mut rng(sa));
        prop_assert!((norm(&act_vec(&g, &a, &v)) - norm(&v)).abs() <= TOL * (1.0 + norm(&v)));
    }

    #[test]
    fn canonical_frame_2d_puts_the_farthest_on_the_x_axis(
        x in away_from_ties(&CanonicalFrame::new(4, 2).unwrap(), 3.0, 1e-3)
    ) {
        let px = map(&CanonicalFrame::new(4, 2).unwrap(), &x);
        prop_assert!(px[6] > 0.0 && px[7].abs() < 1e-12);
    }

    #[test]
    fn canonical_frame_3d_fixes_two_particles(
        x in away_from_ties(&CanonicalFrame::new(5, 3).unwrap(), 3.0, 1e-3)
    ) {
        let px = map(&CanonicalFrame::new(5, 3).unwrap(), &x);
        // The farthest particle lies on +x, the second frame particle in the xy-plane with positive y.
        prop_assert!(px[12] > 0.0 && px[13].abs() < 1e-12 && px[14].abs() < 1e-12);
        prop_assert!((0..4).any(|j| px[3 * j + 1] > 0.0 && px[3 * j + 2].abs() < 1e-12));
        // The output has the radii of the centred input, ascending.
        let radii: Vec<f64> = px.chunks(3).map(norm).collect();
        prop_assert!(radii.windows(2).all(|w| w[0] <= w[1]));
    }
}

/// `J_P(x)ᵀ` column `c` against `J_P(x)ᵀ e_c` through `vjp`, entry by entry.
fn jacobian_matches_vjps<M: OrbitMap<f64>>(p: &M, x: &[f64]) -> Result<(), TestCaseError> {
    let (d, q) = (p.input_dim(), p.output_dim());
    let mut jt = vec![f64::NAN; d * q];
    p.jacobian_t(x, &mut jt);
    let (mut e, mut col) = (vec![0.0; q], vec![0.0; d]);
    for c in 0..q {
        e[c] = 1.0;
        p.vjp(x, &e, &mut col);
        e[c] = 0.0;
        for a in 0..d {
            prop_assert!(
                (jt[c * d + a] - col[a]).abs() <= 1e-12 * (1.0 + col[a].abs()),
                "column {c}, entry {a}: {} against {}",
                jt[c * d + a],
                col[a]
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(prop_config())]

    /// The canonical frame's `jacobian_t` (closed form in 2-D, shared frame in 3-D) equals `p` vector–Jacobian
    /// products, with and without the reflection quotient.
    #[test]
    fn canonical_frame_jacobian_equals_its_vjps(
        x2 in away_from_ties(&CanonicalFrame::new(4, 2).unwrap(), 3.0, 1e-3),
        x3 in away_from_ties(&CanonicalFrame::new(5, 3).unwrap(), 3.0, 1e-3),
    ) {
        for quotient in [false, true] {
            let p2 = CanonicalFrame::new(4, 2).unwrap().with_quotient_reflections(quotient);
            jacobian_matches_vjps(&p2, &x2)?;
            let p3 = CanonicalFrame::new(5, 3).unwrap().with_quotient_reflections(quotient);
            jacobian_matches_vjps(&p3, &x3)?;
        }
        // The default (p calls of vjp) on another map.
        jacobian_matches_vjps(&SortMap::new(4, 2).unwrap(), &x2)?;
    }
}

#[test]
fn canonical_frame_without_quotient_sees_reflections() {
    // A chiral configuration: its mirror image is not a rotation of it, so the default (SE(m)) map must tell
    // them apart, while the reflection-quotienting map must not.
    let x2 = [0.0, 0.0, 2.0, 0.1, 0.3, 1.0, -0.5, 0.2];
    let mirror2 = [0.0, 0.0, 2.0, -0.1, 0.3, -1.0, -0.5, -0.2];
    let p2 = CanonicalFrame::new(4, 2).unwrap();
    assert!(max_diff(&map(&p2, &x2), &map(&p2, &mirror2)) > 0.1);
    let q2 = p2.with_quotient_reflections(true);
    assert!(max_diff(&map(&q2, &x2), &map(&q2, &mirror2)) < 1e-12);

    let x3 = [0.0, 0.0, 0.0, 2.0, 0.1, 0.0, 0.3, 1.0, 0.2, -0.5, 0.2, 0.7];
    let mirror3: Vec<f64> = x3
        .iter()
        .enumerate()
        .map(|(i, &c)| if i % 3 == 2 { -c } else { c })
        .collect();
    let p3 = CanonicalFrame::new(4, 3).unwrap();
    assert!(max_diff(&map(&p3, &x3), &map(&p3, &mirror3)) > 0.1);
    let q3 = p3.with_quotient_reflections(true);
    assert!(max_diff(&map(&q3, &x3), &map(&q3, &mirror3)) < 1e-12);
}

#[test]
fn canonical_frame_degenerate_configurations() {
    // Every particle at the centroid: the output is zero, the VJP finite.
    let p = CanonicalFrame::new(3, 3).unwrap();
    let x = [1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0, 3.0];
    assert_eq!(map(&p, &x), vec![0.0; 9]);
    let mut out = [0.0; 9];
    p.vjp(&x, &[1.0; 9], &mut out);
    assert!(out.iter().all(|v| v.is_finite()));
    // Collinear particles in 3-D: all on the x-axis, at their signed offsets along the anchor direction.
    let x = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 3.0, 3.0, 3.0];
    let px = map(&p, &x);
    let s3 = 3f64.sqrt();
    let expected = [
        -s3 / 3.0,
        0.0,
        0.0,
        -4.0 * s3 / 3.0,
        0.0,
        0.0,
        5.0 * s3 / 3.0,
        0.0,
        0.0,
    ];
    assert!(max_diff(&px, &expected) < 1e-12, "{px:?}");
    p.vjp(&x, &[1.0; 9], &mut out);
    assert!(out.iter().all(|v| v.is_finite()));
    // One particle.
    let p1 = CanonicalFrame::new(1, 2).unwrap();
    assert_eq!(map(&p1, &[3.0, 4.0]), vec![0.0, 0.0]);
}

#[test]
fn point_cloud_validation() {
    assert!(PointCloud::new(4, 4).is_err());
    assert!(PointCloud::new(0, 2).is_err());
    assert!(CanonicalFrame::new(3, 1).is_err());
    let g = PointCloud::new(2, 2).unwrap();
    assert!(g
        .element(vec![1.0, 0.5, 0.0, 1.0], vec![0.0, 0.0], vec![0, 1])
        .is_err());
    assert!(g
        .element(vec![1.0, 0.0, 0.0, 1.0], vec![0.0], vec![0, 1])
        .is_err());
    assert!(g
        .element(vec![1.0, 0.0, 0.0, 1.0], vec![0.0, 0.0], vec![1, 1])
        .is_err());
    assert!(g
        .element(vec![f64::NAN, 0.0, 0.0, 1.0], vec![0.0, 0.0], vec![0, 1])
        .is_err());
    assert!(g
        .element(vec![1.0, 0.0, 0.0, -1.0], vec![0.0, 0.0], vec![1, 0])
        .is_ok());
}

#[test]
fn point_cloud_samples_include_reflections() {
    // About half of the Haar O(3) samples have det −1 (2000 draws: 1000 ± 22 at 1 s.d.).
    let g = PointCloud::new(3, 3).unwrap();
    let mut r = rng(5);
    let neg = (0..2000)
        .filter(|_| {
            let e: PointCloudElement<f64> = g.sample(&mut r);
            det3(e.rotation()) < 0.0
        })
        .count();
    assert!((880..1120).contains(&neg), "{neg}");
}

#[test]
fn canonical_frame_f32() {
    // Generic over the scalar: the f32 map agrees with the f64 one.
    let p = CanonicalFrame::new(3, 3).unwrap();
    let x64 = [0.1, 0.2, 0.3, 1.5, -0.2, 0.4, -0.7, 0.9, 0.1];
    let x32: Vec<f32> = x64.iter().map(|&v| v as f32).collect();
    let mut o32 = [0.0f32; 9];
    p.map(&x32, &mut o32);
    let o64 = map(&p, &x64);
    assert!(o32
        .iter()
        .zip(&o64)
        .all(|(a, b)| (*a as f64 - b).abs() < 1e-5));
    let mut v32 = [0.0f32; 9];
    p.vjp(&x32, &[1.0f32; 9], &mut v32);
    assert!(v32.iter().all(|v| v.is_finite()));
    let n = NormMap::new(3);
    let mut r = [0.0f32];
    n.map(&[3.0f32, 4.0, 0.0], &mut r);
    assert_eq!(r[0], 5.0);
}
