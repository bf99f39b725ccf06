//! The laws of an [`Energy`]: invariance, score equivariance, and its gradient.

use super::diff::gradient;
use super::report::{dim, failed, Input, Law, LawResult, Worst};
use super::Tolerance;
use crate::energy::Energy;
use crate::group::Group;
use crate::real::Real;
use alloc::vec;
use alloc::vec::Vec;

/// Checks that an energy is invariant and its score equivariant at `x` (tolerance [`Tolerance::exact`]):
///
/// - `E(g·x) = E(x)` ([`Law::EnergyInvariance`]);
/// - `s(g·x) = dg·s(x)` for the score `s = −∇E` ([`Law::ScoreEquivariance`]), `dg` being
///   [`Group::act_vector`].
///
/// Errors when the energy fails, or when `x`, the group and the energy disagree in dimension.
///
/// ```
/// use equistein::group::CyclicRotation;
/// use equistein::laws::{energy_invariance, Tolerance};
/// use equistein::target::GaussianMixture;
/// let c4 = CyclicRotation::new(4).unwrap();
/// let target = GaussianMixture::c_n_symmetric(4, 3.0, 1.0, 0.2).unwrap();
/// energy_invariance(&c4, &target, &1, &[2.0, -0.5], &Tolerance::default()).unwrap();
/// ```
pub fn energy_invariance<T: Real, G: Group<T>, E: Energy<T> + ?Sized>(
    group: &G,
    energy: &E,
    g: &G::Element,
    x: &[T],
    tol: &Tolerance,
) -> LawResult {
    let law = Law::EnergyInvariance;
    let d = energy.dim();
    dim(law, "energy dimension (group)", d, group.dim())?;
    dim(law, "energy input", d, x.len())?;
    let mut gx = vec![T::zero(); d];
    group.act(g, x, &mut gx);
    let (mut grad, mut grad_g) = (vec![T::zero(); d], vec![T::zero(); d]);
    let e = energy.energy_grad(x, &mut grad).map_err(failed(law))?;
    let e_g = energy.energy_grad(&gx, &mut grad_g).map_err(failed(law))?;
    let inputs = || vec![Input::new("g", g), Input::new("x", &x)];
    let mut worst = Worst::new();
    worst.equal(law, tol.exact, &[e_g], &[e], inputs);
    // s = −∇E, so s(g·x) = dg·s(x) is −∇E(g·x) = dg·(−∇E(x)).
    let s_g: Vec<T> = grad_g.iter().map(|&v| -v).collect();
    let s: Vec<T> = grad.iter().map(|&v| -v).collect();
    let mut dg_s = vec![T::zero(); d];
    group.act_vector(g, &s, &mut dg_s);
    worst.equal(Law::ScoreEquivariance, tol.exact, &s_g, &dg_s, inputs);
    worst.finish()
}

/// Checks `energy_grad` ([`Law::EnergyGradient`], tolerance [`Tolerance::derivative`]): the value it returns
/// is `energy(x)` (coordinate 0 of the report), and the gradient it fills is `∇E(x)`, coordinate `i` being
/// `(E(x + εe_i) − E(x − εe_i)) / 2ε` (coordinate `i + 1` of the report).
///
/// Errors when the energy fails or `x` is not of its dimension.
///
/// ```
/// use equistein::laws::{energy_gradient, Tolerance};
/// use equistein::EnergyFn;
/// // E(x) = ‖x‖⁴ / 4, ∇E = ‖x‖² x.
/// let e = EnergyFn::new(
///     2,
///     |x: &[f64]| (x[0] * x[0] + x[1] * x[1]).powi(2) / 4.0,
///     |x: &[f64], g: &mut [f64]| {
///         let r2 = x[0] * x[0] + x[1] * x[1];
///         g[0] = r2 * x[0];
///         g[1] = r2 * x[1];
///         r2 * r2 / 4.0
///     },
/// );
/// energy_gradient(&e, &[0.5, -1.5], &Tolerance::default()).unwrap();
/// ```
pub fn energy_gradient<T: Real, E: Energy<T> + ?Sized>(
    energy: &E,
    x: &[T],
    tol: &Tolerance,
) -> LawResult {
    let law = Law::EnergyGradient;
    dim(law, "energy input", energy.dim(), x.len())?;
    let mut grad = vec![T::zero(); x.len()];
    let value = energy.energy_grad(x, &mut grad).map_err(failed(law))?;
    let mut left = vec![value];
    left.extend_from_slice(&grad);
    let mut right = vec![energy.energy(x).map_err(failed(law))?];
    // Errors at the shifted points are reported after the loop: the closure must return a value.
    let mut error = None;
    let fd = gradient(
        &mut |z: &[T]| match energy.energy(z) {
            Ok(v) => v,
            Err(e) => {
                error.get_or_insert(e);
                T::nan()
            }
        },
        x,
        tol.step,
    );
    if let Some(e) = error {
        return Err(failed(law)(e));
    }
    right.extend(fd);
    let mut worst = Worst::new();
    worst.equal(law, tol.derivative, &left, &right, || {
        vec![Input::new("x", &x)]
    });
    worst.finish()
}
