//! The scalar types (f32, f64) shared by the core and candle, and error conversion.

use candle_core::WithDType;
use equistein::{Error, Real};

/// A scalar both the core ([`Real`]) and candle ([`WithDType`]) understand: `f32` or `f64`.
pub trait Float: Real + WithDType {}

impl Float for f32 {}
impl Float for f64 {}

/// Converts a candle error into the core's [`Error::Energy`].
pub fn candle_err(e: candle_core::Error) -> Error {
    Error::Energy(format!("candle: {e}"))
}

/// `g ← g ⊙ [a > 0]` element-wise: the derivative of ReLU at its output `a` applied to the gradient `g`
/// (a select rather than a branch, as [`add_bias_relu`]).
#[inline]
pub(crate) fn relu_mask<T: Float>(g: &mut [T], a: &[T]) {
    for (v, &u) in g.iter_mut().zip(a) {
        *v = if u <= T::zero() { T::zero() } else { *v };
    }
}

/// `row ← row + b` for every `b.len()`-long row of `v`, then `max(·, 0)` (ReLU) when `relu`, written as a
/// select so that it vectorises: a branch on the sign of pre-activations mispredicts about every other
/// element (the branch took 9 % of the steerable network's sampling path). A NaN stays NaN, so divergence
/// is still seen downstream.
#[inline]
pub(crate) fn add_bias_relu<T: Float>(v: &mut [T], b: &[T], relu: bool) {
    for row in v.chunks_exact_mut(b.len()) {
        for (x, &c) in row.iter_mut().zip(b) {
            let y = *x + c;
            *x = if relu && y < T::zero() { T::zero() } else { y };
        }
    }
}
