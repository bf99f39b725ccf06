//! The floating-point scalar every algorithm is generic over (`f32` and `f64`).

use core::fmt::{Debug, Display};
use core::iter::Sum;
use nalgebra::{ClosedAddAssign, ClosedMulAssign, ClosedSubAssign};
use num_traits::Float;

/// A real floating-point scalar: `f32` or `f64`.
///
/// It combines [`num_traits::Float`] (the elementary functions, through `libm` without `std`) with what
/// nalgebra needs for its matrix products. Use [`Real::c`] to write constants.
pub trait Real:
    Float
    + nalgebra::Scalar
    + ClosedAddAssign
    + ClosedMulAssign
    + ClosedSubAssign
    + Sum
    + Default
    + Send
    + Sync
    + Debug
    + Display
    + 'static
{
    /// Converts an `f64` constant (rounding to the nearest value for `f32`).
    fn c(v: f64) -> Self;
    /// Widens to `f64` (for reports and error messages).
    fn to_f64_lossy(self) -> f64;
}

impl Real for f64 {
    #[inline(always)]
    fn c(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn to_f64_lossy(self) -> f64 {
        self
    }
}

impl Real for f32 {
    #[inline(always)]
    fn c(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn to_f64_lossy(self) -> f64 {
        self as f64
    }
}

/// Dot product of two equally long slices.
#[inline]
pub fn dot<T: Real>(a: &[T], b: &[T]) -> T {
    a.iter().zip(b).fold(T::zero(), |acc, (&x, &y)| acc + x * y)
}

/// Squared Euclidean distance `‖a − b‖²`.
#[inline]
pub fn sq_dist<T: Real>(a: &[T], b: &[T]) -> T {
    a.iter().zip(b).fold(T::zero(), |acc, (&x, &y)| {
        let d = x - y;
        acc + d * d
    })
}

/// Euclidean norm `‖a‖`.
#[inline]
pub fn norm<T: Real>(a: &[T]) -> T {
    dot(a, a).sqrt()
}

/// `y ← y + α x`.
#[inline]
pub fn axpy<T: Real>(alpha: T, x: &[T], y: &mut [T]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}
