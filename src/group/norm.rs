//! The norm map `P(x) = ‖x‖`: the invariant of SO(n) (and O(n)) acting on `R^n`.

use super::OrbitMap;
use crate::real::{norm, Real};

/// `P(x) = ‖x‖ ∈ R^1`, invariant under every rotation and reflection of `R^n`. Its vector–Jacobian product is
/// `J_P(x)ᵀ v = v · x / ‖x‖` (0 at the origin, where the norm has no derivative).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormMap {
    dim: usize,
}

impl NormMap {
    /// The norm map on `R^dim`.
    pub fn new(dim: usize) -> Self {
        NormMap { dim }
    }
}

impl<T: Real> OrbitMap<T> for NormMap {
    fn input_dim(&self) -> usize {
        self.dim
    }
    fn output_dim(&self) -> usize {
        1
    }
    fn map(&self, x: &[T], out: &mut [T]) {
        out[0] = norm(x);
    }
    fn vjp(&self, x: &[T], v: &[T], out: &mut [T]) {
        let r = norm(x);
        if r > T::zero() {
            let s = v[0] / r;
            for (o, &xi) in out.iter_mut().zip(x) {
                *o = s * xi;
            }
        } else {
            out.iter_mut().for_each(|o| *o = T::zero());
        }
    }
}
