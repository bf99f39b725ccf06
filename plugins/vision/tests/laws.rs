//! `ImageRotations`, its orbit map and E-SVGD over it pass the core's own law checkers (`equistein::laws`), the
//! kit users run on their groups: a plugin that adds a symmetry group through the traits.

use equistein::kernel::{GroupAveraged, Rbf};
use equistein::laws::{self, Tolerance};
use equistein::{EnergyFn, Particles};
use equistein_vision::{CanonicalRotation, ImageRotations};
use proptest::prelude::*;

fn image(len: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-1.0f64..1.0, len)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn group_laws_hold(k in 1usize..7, c in 1usize..3, a in 0usize..4, b in 0usize..4, x in image(72), v in image(72)) {
        let g = ImageRotations::new(k, c).unwrap();
        let d = k * k * c;
        laws::group_laws(&g, &a, &b, &x[..d], &v[..d], &Tolerance::F64).unwrap();
    }

    #[test]
    fn finite_group_laws_hold(k in 2usize..7, probes in image(3 * 36)) {
        let g = ImageRotations::new(k, 1).unwrap();
        let probes = Particles::from_rows(k * k, &probes[..3 * k * k]).unwrap();
        laws::finite_group_laws(&g, &probes, &Tolerance::F64).unwrap();
    }

    #[test]
    fn canonical_rotation_is_an_orbit_map(k in 1usize..7, q in 0usize..4, x in image(36), v in image(36)) {
        let g = ImageRotations::new(k, 1).unwrap();
        let p = CanonicalRotation::new(g.clone());
        let d = k * k;
        laws::orbit_map_invariance(&g, &p, &q, &x[..d], &Tolerance::F64).unwrap();
        // generic images have no ties, so the map is smooth there
        laws::orbit_map_vjp(&p, &x[..d], &v[..d], &Tolerance::F64).unwrap();
    }

    #[test]
    fn averaged_kernel_is_separately_invariant(a in 0usize..4, b in 0usize..4, x in image(49), y in image(49)) {
        let g = ImageRotations::new(7, 1).unwrap();
        let k = GroupAveraged::new(g.clone(), Rbf::fixed(2.0).unwrap());
        laws::kernel_separate_invariance(&g, &k, &a, &b, &x, &y, &Tolerance::F64).unwrap();
        laws::kernel_gradient(&k, &x, &y, &Tolerance::F64).unwrap();
    }
}

/// One E-SVGD direction in image space (16 × 16, an invariant Gaussian energy) is equivariant under every
/// quarter turn, in both repulsion forms, and the batched form equals the pointwise reference.
#[test]
fn esvgd_direction_is_equivariant() {
    let g = ImageRotations::new(16, 1).unwrap();
    let k = GroupAveraged::new(g.clone(), Rbf::fixed(3.0).unwrap());
    let energy = EnergyFn::new(
        256,
        |x: &[f64]| x.iter().map(|v| v * v).sum::<f64>() / 2.0,
        |x: &[f64], grad: &mut [f64]| {
            grad.copy_from_slice(x);
            x.iter().map(|v| v * v).sum::<f64>() / 2.0
        },
    );
    let particles = Particles::from_fn(256, 5, |i, c| ((i * 257 + c * 31) % 101) as f64 / 101.0);
    for q in 0..4 {
        laws::direction_equivariance(&g, &energy, &k, &q, &particles, &Tolerance::F64).unwrap();
    }
    let scores = Particles::from_fn(256, 5, |i, c| -particles.particle(i)[c]);
    laws::batched_direction(&k, &particles, &particles, &scores, &Tolerance::F64).unwrap();
}
