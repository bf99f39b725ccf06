//! Central differences, and the smoothness test that keeps derivative checks away from ties.

use crate::real::Real;
use alloc::vec;
use alloc::vec::Vec;

/// The central difference `(f(x + εv) − f(x − εv)) / 2ε` of `f: R^d → R^m` at `x` along `v`.
pub(crate) fn central<T: Real>(
    f: &mut impl FnMut(&[T], &mut [T]),
    m: usize,
    x: &[T],
    v: &[T],
    eps: f64,
) -> Vec<T> {
    let e = T::c(eps);
    let plus: Vec<T> = x.iter().zip(v).map(|(&a, &b)| a + e * b).collect();
    let minus: Vec<T> = x.iter().zip(v).map(|(&a, &b)| a - e * b).collect();
    let (mut fp, mut fm) = (vec![T::zero(); m], vec![T::zero(); m]);
    f(&plus, &mut fp);
    f(&minus, &mut fm);
    // Divide by the step actually taken, `(x + εv) − (x − εv)` in `T`, where it is a single coordinate.
    let two_e = T::c(2.0) * e;
    fp.iter().zip(&fm).map(|(&p, &q)| (p - q) / two_e).collect()
}

/// The gradient of a scalar function `f: R^d → R` at `x` by central differences along each axis.
pub(crate) fn gradient<T: Real>(f: &mut impl FnMut(&[T]) -> T, x: &[T], eps: f64) -> Vec<T> {
    let d = x.len();
    let mut axis = vec![T::zero(); d];
    let mut out = Vec::with_capacity(d);
    let mut g = |y: &[T], o: &mut [T]| o[0] = f(y);
    for i in 0..d {
        axis[i] = T::one();
        out.push(central(&mut g, 1, x, &axis, eps)[0]);
        axis[i] = T::zero();
    }
    out
}

/// Whether `f: R^d → R^m` looks smooth at `x` on the scale `gap`: along every coordinate axis `e_i`, the forward
/// and backward difference quotients `(f(x + gap·e_i) − f(x)) / gap` and `(f(x) − f(x − gap·e_i)) / gap` are
/// finite and agree in every output to `0.01 · (1 + their size)`.
///
/// A kink or a jump within about `gap` of `x` (a tie in a sort, a wedge boundary, the origin of a norm) makes
/// the quotients disagree, so derivative laws ([`orbit_map_vjp`](super::orbit_map_vjp),
/// [`kernel_gradient`](super::kernel_gradient)) are checked only where this holds. A smooth `f` passes
/// unless its second derivative exceeds about `0.01 / gap` (near a singular point). `m` is the output length.
///
/// ```
/// use equistein::group::{NormMap, OrbitMap};
/// use equistein::laws::is_smooth_at;
/// let p = NormMap::new(2);
/// let f = |x: &[f64], out: &mut [f64]| p.map(x, out);
/// assert!(is_smooth_at(f, 1, &[1.0, -0.5], 1e-3));
/// assert!(!is_smooth_at(f, 1, &[0.0, 0.0], 1e-3)); // ‖x‖ has a cone at the origin
/// ```
pub fn is_smooth_at<T: Real>(
    mut f: impl FnMut(&[T], &mut [T]),
    m: usize,
    x: &[T],
    gap: f64,
) -> bool {
    let h = T::c(gap);
    if !(gap > 0.0 && gap.is_finite()) {
        return false;
    }
    let mut f0 = vec![T::zero(); m];
    let (mut fp, mut fm) = (vec![T::zero(); m], vec![T::zero(); m]);
    f(x, &mut f0);
    let mut y = x.to_vec();
    for i in 0..x.len() {
        y[i] = x[i] + h;
        f(&y, &mut fp);
        y[i] = x[i] - h;
        f(&y, &mut fm);
        y[i] = x[i];
        for o in 0..m {
            let fwd = ((fp[o] - f0[o]) / h).to_f64_lossy();
            let bwd = ((f0[o] - fm[o]) / h).to_f64_lossy();
            let size = fwd.abs().max(bwd.abs());
            if !fwd.is_finite() || !bwd.is_finite() || (fwd - bwd).abs() > 0.01 * (1.0 + size) {
                return false;
            }
        }
    }
    true
}
