//! ESVGD.md §2, for every group of the core and every kernel that applies to it:
//!
//! - `E(g·x) = E(x)` and `s(g·x) = dg·s(x)` for an energy invariant under the group;
//! - `k(g·x, g·y) = k(x, y)` (joint invariance) for RBF and IMQ, whose groups act isometrically;
//! - `k(g·x, h·y) = k(x, y)` (separate invariance) for the invariant-map kernel over the group's orbit map and the
//!   group-averaged kernel over finite groups;
//! - one whole SVGD direction is equivariant, `φ_{g·X}(g·x_i) = dg·φ_X(x_i)`, for both repulsion forms, with every
//!   kernel above and the matrix-valued kernel over finite groups.
//!
//! Inputs come from a seeded RNG per proptest case (random particles and a Haar-random group element). Tolerance:
//! 1e-9 relative to the largest value compared (floating-point rounding of the group action; exact groups such as
//! C4, reflections and permutations are well inside it).

use equistein::group::{
    CyclicRotation, FiniteGroup, Group, OrbitMap, Permutations, PointCloud, Reflections, So2, So3,
    Translations,
};
use equistein::kernel::{GroupAveraged, Imq, InvariantMap, MatrixValued, Rbf};
use equistein::target::{GaussianMixture, RadialMixture};
use equistein::{random, Energy, EnergyFn, Kernel, Particles, Repulsion, ScalarKernel, Svgd};
use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

const TOL: f64 = 1e-9;

fn close(a: &[f64], b: &[f64], what: &str) -> Result<(), TestCaseError> {
    let scale = a
        .iter()
        .chain(b)
        .fold(1e-300f64, |m, v| m.max(v.abs()))
        .max(1.0);
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        prop_assert!(
            (x - y).abs() <= TOL * scale,
            "{what}: coordinate {i}: {x} vs {y}"
        );
    }
    Ok(())
}

fn act_all<G: Group<f64>>(group: &G, g: &G::Element, xs: &Particles<f64>) -> Particles<f64> {
    let mut out = Particles::zeros(xs.dim(), xs.len());
    for i in 0..xs.len() {
        group.act(g, xs.particle(i), out.particle_mut(i));
    }
    out
}

fn random_particles(rng: &mut ChaCha8Rng, dim: usize, n: usize, scale: f64) -> Particles<f64> {
    Particles::from_fn(dim, n, |_, _| {
        scale * random::standard_normal::<f64, _>(rng)
    })
}

/// Energy invariance and score equivariance at every particle.
fn check_energy<G: Group<f64>, E: Energy<f64>>(
    group: &G,
    energy: &E,
    g: &G::Element,
    xs: &Particles<f64>,
) -> Result<(), TestCaseError> {
    let d = xs.dim();
    let (mut gx, mut s, mut gs, mut s_gx) =
        (vec![0.0; d], vec![0.0; d], vec![0.0; d], vec![0.0; d]);
    for x in xs.iter() {
        group.act(g, x, &mut gx);
        let e = energy.energy_grad(x, &mut s).unwrap();
        let e_g = energy.energy_grad(&gx, &mut s_gx).unwrap();
        close(&[e], &[e_g], "E(g·x) = E(x)")?;
        group.act_vector(g, &s, &mut gs);
        close(&gs, &s_gx, "∇E(g·x) = dg·∇E(x)")?;
    }
    Ok(())
}

/// `k(g·x, g·y) = k(x, y)` on every pair.
fn check_joint<G: Group<f64>, K: ScalarKernel<f64>>(
    group: &G,
    k: &K,
    g: &G::Element,
    xs: &Particles<f64>,
) -> Result<(), TestCaseError> {
    let gxs = act_all(group, g, xs);
    for i in 0..xs.len() {
        for j in 0..xs.len() {
            let a = k.eval(xs.particle(i), xs.particle(j));
            let b = k.eval(gxs.particle(i), gxs.particle(j));
            close(&[a], &[b], "k(g·x, g·y) = k(x, y)")?;
        }
    }
    Ok(())
}

/// `k(g·x, h·y) = k(x, y)` on every pair.
fn check_separate<G: Group<f64>, K: ScalarKernel<f64>>(
    group: &G,
    k: &K,
    g: &G::Element,
    h: &G::Element,
    xs: &Particles<f64>,
) -> Result<(), TestCaseError> {
    let gxs = act_all(group, g, xs);
    let hxs = act_all(group, h, xs);
    for i in 0..xs.len() {
        for j in 0..xs.len() {
            let a = k.eval(xs.particle(i), xs.particle(j));
            let b = k.eval(gxs.particle(i), hxs.particle(j));
            close(&[a], &[b], "k(g·x, h·y) = k(x, y)")?;
        }
    }
    Ok(())
}

/// `φ_{g·X}(g·x_i) = dg·φ_X(x_i)` for both repulsion forms.
fn check_step<G: Group<f64>, E: Energy<f64>, K: Kernel<f64> + Clone>(
    group: &G,
    energy: &E,
    kernel: &K,
    g: &G::Element,
    xs: &Particles<f64>,
) -> Result<(), TestCaseError> {
    let gxs = act_all(group, g, xs);
    for form in [Repulsion::LiuWang, Repulsion::AuthorsCode] {
        let mut a = Svgd::builder(kernel.clone())
            .repulsion(form)
            .build()
            .unwrap();
        let mut b = Svgd::builder(kernel.clone())
            .repulsion(form)
            .build()
            .unwrap();
        let phi = a.direction(energy, xs).unwrap().clone();
        let phi_g = b.direction(energy, &gxs).unwrap();
        let mut rotated = vec![0.0; xs.dim()];
        for i in 0..xs.len() {
            group.act_vector(g, phi.particle(i), &mut rotated);
            close(&rotated, phi_g.particle(i), "φ_{g·X}(g·x) = dg·φ_X(x)")?;
        }
    }
    Ok(())
}

/// The checks every group gets: energy, RBF and IMQ joint invariance and step equivariance, and the invariant-map
/// kernel over `map` (separate invariance, step equivariance).
fn check_group<G: Group<f64>, E: Energy<f64>, M: OrbitMap<f64> + Clone>(
    group: &G,
    energy: &E,
    map: M,
    seed: u64,
    n: usize,
    scale: f64,
) -> Result<(), TestCaseError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let xs = random_particles(&mut rng, group.dim(), n, scale);
    let g = group.sample(&mut rng);
    let h = group.sample(&mut rng);
    check_energy(group, energy, &g, &xs)?;
    let rbf = Rbf::fixed(1.3).unwrap();
    let imq = Imq::new(0.9).unwrap();
    check_joint(group, &rbf, &g, &xs)?;
    check_joint(group, &imq, &g, &xs)?;
    check_step(group, energy, &rbf, &g, &xs)?;
    check_step(group, energy, &imq, &g, &xs)?;
    check_step(group, energy, &Rbf::median(), &g, &xs)?;
    let inv = InvariantMap::new(map, rbf);
    check_separate(group, &inv, &g, &h, &xs)?;
    check_step(group, energy, &inv, &g, &xs)?;
    Ok(())
}

/// The extra checks of a finite group: group-averaged (separate invariance, step) and matrix-valued (step).
fn check_finite<G: FiniteGroup<f64> + Clone, E: Energy<f64>>(
    group: &G,
    energy: &E,
    seed: u64,
    n: usize,
    scale: f64,
) -> Result<(), TestCaseError>
where
    G::Element: Clone,
{
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let xs = random_particles(&mut rng, group.dim(), n, scale);
    let g = group.sample(&mut rng);
    let h = group.sample(&mut rng);
    let avg = GroupAveraged::new(group.clone(), Rbf::fixed(1.1).unwrap());
    check_separate(group, &avg, &g, &h, &xs)?;
    check_step(group, energy, &avg, &g, &xs)?;
    let matrix = MatrixValued::new(group.clone(), Rbf::fixed(1.1).unwrap());
    check_step(group, energy, &matrix, &g, &xs)?;
    Ok(())
}

/// `E(x) = Σ_{p<q} (‖x_p − x_q‖² − 2)² / 4`: invariant under E(m) × S_k.
fn pair_energy(k: usize, m: usize) -> impl Energy<f64> {
    let f = move |x: &[f64], grad: Option<&mut [f64]>| {
        let mut e = 0.0;
        let mut g = vec![0.0; k * m];
        for p in 0..k {
            for q in p + 1..k {
                let d2: f64 = (0..m).map(|c| (x[p * m + c] - x[q * m + c]).powi(2)).sum();
                e += (d2 - 2.0).powi(2) / 4.0;
                for c in 0..m {
                    let diff = x[p * m + c] - x[q * m + c];
                    g[p * m + c] += (d2 - 2.0) * diff;
                    g[q * m + c] -= (d2 - 2.0) * diff;
                }
            }
        }
        if let Some(out) = grad {
            out.copy_from_slice(&g);
        }
        e
    };
    EnergyFn::new(
        k * m,
        move |x: &[f64]| f(x, None),
        move |x: &[f64], g: &mut [f64]| f(x, Some(g)),
    )
}

/// `E(x) = Σ_i (x_i⁴/4 − x_i²/2) + 0.3 x_0² x_1²`: invariant under every sign flip of coordinates.
fn sign_energy(d: usize) -> impl Energy<f64> {
    EnergyFn::new(
        d,
        |x: &[f64]| {
            x.iter().map(|v| v.powi(4) / 4.0 - v * v / 2.0).sum::<f64>()
                + 0.3 * x[0] * x[0] * x[1] * x[1]
        },
        |x: &[f64], g: &mut [f64]| {
            for (gi, v) in g.iter_mut().zip(x) {
                *gi = v.powi(3) - v;
            }
            g[0] += 0.6 * x[0] * x[1] * x[1];
            g[1] += 0.6 * x[1] * x[0] * x[0];
            x.iter().map(|v| v.powi(4) / 4.0 - v * v / 2.0).sum::<f64>()
                + 0.3 * x[0] * x[0] * x[1] * x[1]
        },
    )
}

fn radial(dim: usize) -> RadialMixture<f64> {
    RadialMixture::new(dim, vec![1.0, 2.5], vec![0.4, 0.6], vec![1.0, 2.0]).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn cyclic_c4_and_c6(seed in any::<u64>()) {
        for n in [4usize, 6] {
            let group = CyclicRotation::new(n).unwrap();
            let energy = GaussianMixture::c_n_symmetric(n, 2.0, 1.0, 0.3).unwrap();
            check_group(&group, &energy, equistein::group::WedgeMap::new(group), seed, 9, 2.0)?;
            check_finite(&group, &energy, seed, 9, 2.0)?;
        }
    }

    #[test]
    fn so2(seed in any::<u64>()) {
        let group = So2::new();
        check_group(&group, &radial(2), group.orbit_map(), seed, 9, 2.0)?;
    }

    #[test]
    fn so3(seed in any::<u64>()) {
        let group = So3::new();
        check_group(&group, &radial(3), group.orbit_map(), seed, 9, 2.0)?;
    }

    #[test]
    fn reflections(seed in any::<u64>()) {
        let group = Reflections::all(3).unwrap();
        let energy = sign_energy(3);
        check_group(&group, &energy, group.orbit_map(), seed, 9, 1.5)?;
        check_finite(&group, &energy, seed, 9, 1.5)?;
    }

    #[test]
    fn translations_of_point_clouds(seed in any::<u64>()) {
        let group = Translations::point_cloud(4, 2).unwrap();
        check_group(&group, &pair_energy(4, 2), group.orbit_map(), seed, 7, 1.0)?;
    }

    #[test]
    fn permutations(seed in any::<u64>()) {
        let group = Permutations::new(3, 2).unwrap();
        let energy = pair_energy(3, 2);
        check_group(&group, &energy, group.orbit_map(), seed, 7, 1.0)?;
        check_finite(&group, &energy, seed, 7, 1.0)?;
    }

    #[test]
    fn point_clouds_e2_s4_and_e3_s5(seed in any::<u64>()) {
        for (k, m) in [(4usize, 2usize), (5, 3)] {
            let group = PointCloud::new(k, m).unwrap();
            check_group(&group, &pair_energy(k, m), group.orbit_map(), seed, 7, 1.0)?;
        }
    }
}
