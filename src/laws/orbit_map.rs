//! The laws of an [`OrbitMap`]: invariance under its group, and its vector–Jacobian product.

use super::diff::central;
use super::report::{dim, Input, Law, LawResult, Worst};
use super::Tolerance;
use crate::group::{Group, OrbitMap};
use crate::real::Real;
use alloc::vec;

/// Checks invariance, `P(g·x) = P(x)` ([`Law::OrbitInvariance`], tolerance [`Tolerance::exact`]).
///
/// Where `P` is not continuous (the boundary of a wedge, a tie in a sort that is broken by a rotation) a point
/// and its image may fall on different sides; check at points away from ties ([`is_smooth_at`](super::is_smooth_at)).
/// Errors when `x` is not of the map's input dimension or the group acts on another dimension.
///
/// ```
/// use equistein::group::{CyclicRotation, WedgeMap};
/// use equistein::laws::{orbit_map_invariance, Tolerance};
/// let c4 = CyclicRotation::new(4).unwrap();
/// orbit_map_invariance(&c4, &WedgeMap::new(c4), &3, &[0.3, 1.7], &Tolerance::default()).unwrap();
/// ```
pub fn orbit_map_invariance<T: Real, G: Group<T>, M: OrbitMap<T>>(
    group: &G,
    map: &M,
    g: &G::Element,
    x: &[T],
    tol: &Tolerance,
) -> LawResult {
    let law = Law::OrbitInvariance;
    dim(
        law,
        "orbit map input (group dimension)",
        group.dim(),
        map.input_dim(),
    )?;
    dim(law, "orbit map input", map.input_dim(), x.len())?;
    let mut gx = vec![T::zero(); x.len()];
    group.act(g, x, &mut gx);
    let (mut pgx, mut px) = (
        vec![T::zero(); map.output_dim()],
        vec![T::zero(); map.output_dim()],
    );
    map.map(&gx, &mut pgx);
    map.map(x, &mut px);
    let mut worst = Worst::new();
    worst.equal(law, tol.exact, &pgx, &px, || {
        vec![Input::new("g", g), Input::new("x", &x)]
    });
    worst.finish()
}

/// Checks the vector–Jacobian product against central differences ([`Law::OrbitVjp`], tolerance
/// [`Tolerance::derivative`]): for every input coordinate `i`,
///
/// `(J_P(x)ᵀv)_i = Σ_o v_o (P_o(x + εe_i) − P_o(x − εe_i)) / 2ε`.
///
/// Valid only where `P` is differentiable: check at points away from ties ([`is_smooth_at`](super::is_smooth_at)).
/// Errors when `x` is not of length `input_dim` or `v` not of length `output_dim`.
///
/// ```
/// use equistein::group::NormMap;
/// use equistein::laws::{orbit_map_vjp, Tolerance};
/// orbit_map_vjp(&NormMap::new(3), &[1.0, -2.0, 0.5], &[0.7], &Tolerance::default()).unwrap();
/// ```
pub fn orbit_map_vjp<T: Real, M: OrbitMap<T>>(
    map: &M,
    x: &[T],
    v: &[T],
    tol: &Tolerance,
) -> LawResult {
    let law = Law::OrbitVjp;
    let (d, p) = (map.input_dim(), map.output_dim());
    dim(law, "orbit map input", d, x.len())?;
    dim(law, "vjp cotangent", p, v.len())?;
    let mut vjp = vec![T::zero(); d];
    map.vjp(x, v, &mut vjp);
    let mut f = |y: &[T], o: &mut [T]| map.map(y, o);
    let mut axis = vec![T::zero(); d];
    let mut fd = vec![T::zero(); d];
    for i in 0..d {
        axis[i] = T::one();
        let col = central(&mut f, p, x, &axis, tol.step);
        fd[i] = col.iter().zip(v).fold(T::zero(), |s, (&c, &w)| s + c * w);
        axis[i] = T::zero();
    }
    let mut worst = Worst::new();
    worst.equal(law, tol.derivative, &vjp, &fd, || {
        vec![Input::new("x", &x), Input::new("v", &v)]
    });
    worst.finish()
}
