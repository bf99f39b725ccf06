//! SO(2): the rotations of the plane by any angle.

use super::{Group, NormMap};
use crate::real::Real;
use rand_core::RngCore;

/// The rotation group SO(2) acting on `R^2`. An element is an angle θ (radians), acting by
/// `R_θ x = (cos θ x₀ − sin θ x₁, sin θ x₀ + cos θ x₁)`. Composition adds angles (wrapped into `[−π, π)`), the
/// inverse negates. [`Group::sample`] draws θ uniformly from `[0, 2π)` (the Haar measure). Its orbit map is
/// the norm, [`So2::orbit_map`].
///
/// ```
/// use equistein::group::{Group, OrbitMap, So2};
/// let g = So2::new();
/// let mut out = [0.0; 2];
/// g.act(&core::f64::consts::FRAC_PI_2, &[1.0, 0.0], &mut out);
/// assert!((out[0] - 0.0).abs() < 1e-15 && (out[1] - 1.0).abs() < 1e-15);
/// let mut r = [0.0];
/// g.orbit_map().map(&out, &mut r);
/// assert!((r[0] - 1.0).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct So2;

impl So2 {
    /// SO(2) acting on `R^2`.
    pub fn new() -> Self {
        So2
    }

    /// The invariant map `x ↦ ‖x‖`.
    pub fn orbit_map(&self) -> NormMap {
        NormMap::new(2)
    }
}

/// Wraps an angle into `[−π, π)`.
fn wrap<T: Real>(a: T) -> T {
    let two_pi = T::c(core::f64::consts::TAU);
    let pi = T::c(core::f64::consts::PI);
    let w = a - two_pi * ((a + pi) / two_pi).floor();
    // Rounding can leave `w == π`; map it to −π to stay in the half-open interval.
    if w >= pi {
        w - two_pi
    } else {
        w
    }
}

impl<T: Real> Group<T> for So2 {
    type Element = T;

    fn dim(&self) -> usize {
        2
    }
    fn identity(&self) -> T {
        T::zero()
    }
    fn compose(&self, a: &T, b: &T) -> T {
        wrap(*a + *b)
    }
    fn inverse(&self, a: &T) -> T {
        wrap(-*a)
    }
    fn act(&self, g: &T, x: &[T], out: &mut [T]) {
        let (s, c) = g.sin_cos();
        let (x0, x1) = (x[0], x[1]);
        out[0] = c * x0 - s * x1;
        out[1] = s * x0 + c * x1;
    }
    fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> T {
        crate::random::uniform(rng, T::zero(), T::c(core::f64::consts::TAU))
    }
}
