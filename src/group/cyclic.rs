//! C_N: the rotations of the plane by multiples of 2π/N.

use super::{FiniteGroup, Group, OrbitMap};
use crate::error::{Error, Result};
use crate::real::Real;
use alloc::vec::Vec;
use rand_core::RngCore;

/// The cyclic group C_N of rotations of `R^2` by `2πk/N`, `k = 0..N`. Element `k` is the rotation matrix
/// `R_k = [[cos θ, −sin θ], [sin θ, cos θ]]`, θ = 2πk/N. Rotations by multiples of 90° are applied exactly
/// (coordinate swaps), so C4 equivariance holds bit for bit.
///
/// ```
/// use equistein::group::{CyclicRotation, Group};
/// let c4 = CyclicRotation::new(4).unwrap();
/// let mut out = [0.0; 2];
/// c4.act(&1, &[1.0, 0.0], &mut out);
/// assert_eq!(out, [0.0, 1.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CyclicRotation {
    n: usize,
}

impl CyclicRotation {
    /// C_N; errors when `n == 0`.
    pub fn new(n: usize) -> Result<Self> {
        if n == 0 {
            return Err(Error::InvalidParameter {
                name: "group order",
                reason: "C_N needs N ≥ 1".into(),
            });
        }
        Ok(CyclicRotation { n })
    }

    /// The order N.
    pub fn n(&self) -> usize {
        self.n
    }

    /// `(cos θ_k, sin θ_k)`, exact for multiples of 90°.
    pub fn cos_sin<T: Real>(&self, k: usize) -> (T, T) {
        let k = k % self.n;
        if (4 * k).is_multiple_of(self.n) {
            match (4 * k) / self.n {
                0 => (T::one(), T::zero()),
                1 => (T::zero(), T::one()),
                2 => (-T::one(), T::zero()),
                _ => (T::zero(), -T::one()),
            }
        } else {
            let theta = core::f64::consts::TAU * k as f64 / self.n as f64;
            (T::c(libm::cos(theta)), T::c(libm::sin(theta)))
        }
    }
}

impl<T: Real> Group<T> for CyclicRotation {
    type Element = usize;

    fn dim(&self) -> usize {
        2
    }
    fn identity(&self) -> usize {
        0
    }
    fn compose(&self, a: &usize, b: &usize) -> usize {
        (a + b) % self.n
    }
    fn inverse(&self, a: &usize) -> usize {
        (self.n - a % self.n) % self.n
    }
    fn act(&self, g: &usize, x: &[T], out: &mut [T]) {
        let (c, s): (T, T) = self.cos_sin(*g);
        let (x0, x1) = (x[0], x[1]);
        out[0] = c * x0 - s * x1;
        out[1] = s * x0 + c * x1;
    }
    fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> usize {
        crate::random::index(rng, self.n)
    }
}

impl<T: Real> FiniteGroup<T> for CyclicRotation {
    fn elements(&self) -> Vec<usize> {
        (0..self.n).collect()
    }
    fn order(&self) -> usize {
        self.n
    }
}

/// The canonical representative of a point's C_N orbit: the rotation of `x` whose polar angle lies in the
/// wedge `(−π/N, π/N]` (for C4: `x₀ ≥ 0, |x₁| ≤ x₀`). Piecewise a rotation, so its Jacobian is the rotation
/// `R_{−k(x)}` and the vector–Jacobian product is `R_{k(x)} v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WedgeMap {
    group: CyclicRotation,
}

impl WedgeMap {
    /// The wedge map of C_N.
    pub fn new(group: CyclicRotation) -> Self {
        WedgeMap { group }
    }

    /// The element `k` such that `R_{−k} x` lies in the wedge.
    pub fn sector<T: Real>(&self, x: &[T]) -> usize {
        let n = self.group.n as f64;
        let angle = libm::atan2(x[1].to_f64_lossy(), x[0].to_f64_lossy());
        let k = libm::round(angle * n / core::f64::consts::TAU);
        (k as i64).rem_euclid(self.group.n as i64) as usize
    }
}

impl<T: Real> OrbitMap<T> for WedgeMap {
    fn input_dim(&self) -> usize {
        2
    }
    fn output_dim(&self) -> usize {
        2
    }
    fn map(&self, x: &[T], out: &mut [T]) {
        let k = self.sector(x);
        let inv = <CyclicRotation as Group<T>>::inverse(&self.group, &k);
        self.group.act(&inv, x, out);
    }
    fn vjp(&self, x: &[T], v: &[T], out: &mut [T]) {
        let k = self.sector(x);
        self.group.act(&k, v, out);
    }
}
