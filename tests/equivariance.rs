//! ESVGD.md §2, for every group of the core and every kernel that applies to it, through the users' kit
//! (`equistein-testing`), so that the kit users get is the one that proves the built-in pieces:
//!
//! - `E(g·x) = E(x)` and `s(g·x) = dg·s(x)` for an energy invariant under the group, and its gradient;
//! - `k(g·x, g·y) = k(x, y)` (joint invariance), symmetry, gradients and the batched direction against the
//!   pointwise one for RBF (fixed and median bandwidth) and IMQ, whose groups act isometrically;
//! - `k(g·x, h·y) = k(x, y)` (separate invariance) for the invariant-map kernel over the group's orbit map and
//!   the group-averaged kernel over finite groups;
//! - one whole SVGD direction is equivariant, `φ_{g·X}(g·x_i) = dg·φ_X(x_i)`, for both repulsion forms, with
//!   every kernel above and the matrix-valued kernel over finite groups.
//!
//! Each law runs over 24 random cases (particles uniform in `[−scale, scale]^d`, Haar-random elements).
//! Tolerance: 1e-9 relative to `max(1, largest value compared)` (the kit's default for `f64`).

use equistein::group::{
    CyclicRotation, FiniteGroup, Group, OrbitMap, Permutations, PointCloud, Reflections, So2, So3,
    Translations, WedgeMap,
};
use equistein::kernel::{GroupAveraged, Imq, InvariantMap, MatrixValued, Rbf};
use equistein::target::{GaussianMixture, RadialMixture};
use equistein::{Energy, EnergyFn};
use equistein_testing::{energy_laws, invariant_kernel_laws, kernel_laws, svgd_laws, Config};

fn config(particles: usize, scale: f64) -> Config {
    Config::default()
        .with_cases(24)
        .with_particles(particles)
        .with_scale(scale)
}

/// The checks every group gets: the energy; RBF (fixed and median) and IMQ (joint invariance, gradients,
/// batched direction, SVGD equivariance); the invariant-map kernel over `map` (separate invariance, SVGD).
fn isometric_laws<G: Group<f64> + Clone, E: Energy<f64>, M: OrbitMap<f64> + Clone>(
    group: &G,
    energy: &E,
    map: M,
    c: Config,
) {
    energy_laws!(*energy, *group, c);
    let rbf = Rbf::fixed(1.3).unwrap();
    let imq = Imq::new(0.9).unwrap();
    kernel_laws!(rbf, *group, c);
    kernel_laws!(imq, *group, c);
    kernel_laws!(Rbf::median(), *group, c);
    svgd_laws!(rbf, *energy, *group, c);
    svgd_laws!(imq, *energy, *group, c);
    svgd_laws!(Rbf::median(), *energy, *group, c);
    let inv = InvariantMap::new(map, rbf);
    invariant_kernel_laws!(inv, *group, c);
    svgd_laws!(inv, *energy, *group, c);
}

/// The extra checks of a finite group: group-averaged (separate invariance, SVGD) and matrix-valued (SVGD).
fn finite_laws<G: FiniteGroup<f64> + Clone, E: Energy<f64>>(group: &G, energy: &E, c: Config) {
    let avg = GroupAveraged::new(group.clone(), Rbf::fixed(1.1).unwrap());
    invariant_kernel_laws!(avg, *group, c);
    svgd_laws!(avg, *energy, *group, c);
    let matrix = MatrixValued::new(group.clone(), Rbf::fixed(1.1).unwrap());
    svgd_laws!(matrix, *energy, *group, c);
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

#[test]
fn cyclic_c4_and_c6() {
    for n in [4usize, 6] {
        let group = CyclicRotation::new(n).unwrap();
        let energy = GaussianMixture::c_n_symmetric(n, 2.0, 1.0, 0.3).unwrap();
        isometric_laws(&group, &energy, WedgeMap::new(group), config(9, 3.0));
        finite_laws(&group, &energy, config(9, 3.0));
    }
}

#[test]
fn so2() {
    let group = So2::new();
    isometric_laws(&group, &radial(2), group.orbit_map(), config(9, 3.0));
}

#[test]
fn so3() {
    let group = So3::new();
    isometric_laws(&group, &radial(3), group.orbit_map(), config(9, 3.0));
}

#[test]
fn reflections() {
    let group = Reflections::all(3).unwrap();
    let energy = sign_energy(3);
    isometric_laws(&group, &energy, group.orbit_map(), config(9, 2.0));
    finite_laws(&group, &energy, config(9, 2.0));
}

#[test]
fn translations_of_point_clouds() {
    let group = Translations::point_cloud(4, 2).unwrap();
    isometric_laws(
        &group,
        &pair_energy(4, 2),
        group.orbit_map(),
        config(7, 1.5),
    );
}

#[test]
fn permutations() {
    let group = Permutations::new(3, 2).unwrap();
    let energy = pair_energy(3, 2);
    isometric_laws(&group, &energy, group.orbit_map(), config(7, 1.5));
    finite_laws(&group, &energy, config(7, 1.5));
}

#[test]
fn point_clouds_e2_s4_and_e3_s5() {
    for (k, m) in [(4usize, 2usize), (5, 3)] {
        let group = PointCloud::new(k, m).unwrap();
        isometric_laws(
            &group,
            &pair_energy(k, m),
            group.orbit_map(),
            config(7, 1.5),
        );
    }
}
