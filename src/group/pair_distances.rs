//! Sorted pair distances of a point cloud: continuous invariant features of E(m) × S_k.

use super::OrbitMap;
use crate::real::{sq_dist, Real};
use alloc::vec::Vec;

/// `P(x) = sort(d_ij : i < j) ∈ R^{k(k−1)/2}`, the pair distances `d_ij = ‖x_i − x_j‖` of `k` particles in
/// `R^m` in ascending order (particle `p` is `x[p·m..(p+1)·m]`).
///
/// Invariant under rotations, reflections, translations and relabellings (E(m) × S_k), like the canonical
/// frame ([`super::CanonicalFrame`]), but **continuous** everywhere: sorting is continuous, and where two
/// distances tie the output does not jump, whereas the canonical frame swaps whole rows where two radii tie.
/// A gradient flow of a model of `P(x)` therefore cannot stall on a discontinuity of `P`. The price: `P` is a
/// set of invariant features, not an orbit representative: clouds with equal distance multisets that are not
/// congruent (rare "homometric" sets) map to the same point. Every energy that is a sum over pairs, DW-4's
/// included, is a function of `P(x)`.
///
/// **Vector–Jacobian product.** With `σ` the sorting permutation (exact ties keep pair order) and `(i, j)` the
/// pair in slot `c`, `∂/∂x_i += v_c (x_i − x_j)/d_ij` and `∂/∂x_j −= v_c (x_i − x_j)/d_ij` (a one-sided
/// derivative: 0 for coinciding particles, and across a tie the derivative of either order).
///
/// ```
/// use equistein::group::{OrbitMap, PairDistances};
/// let p = PairDistances::new(3, 2);
/// let mut out = [0.0; 3];
/// p.map(&[0.0, 0.0, 3.0, 0.0, 0.0, 4.0], &mut out);
/// assert_eq!(out, [3.0, 4.0, 5.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairDistances {
    k: usize,
    m: usize,
}

impl PairDistances {
    /// The map for `k` particles in `R^m`.
    pub fn new(k: usize, m: usize) -> Self {
        PairDistances { k, m }
    }

    /// The pairs `(i, j)`, `i < j`, in row-major order, with their distances, sorted by distance (stable).
    fn sorted_pairs<T: Real>(&self, x: &[T]) -> Vec<(usize, usize, T)> {
        let m = self.m;
        let mut pairs = Vec::with_capacity(self.k * self.k.saturating_sub(1) / 2);
        for i in 0..self.k {
            for j in i + 1..self.k {
                let d = sq_dist(&x[i * m..(i + 1) * m], &x[j * m..(j + 1) * m]).sqrt();
                pairs.push((i, j, d));
            }
        }
        pairs.sort_by(|a, b| a.2.partial_cmp(&b.2).unwrap_or(core::cmp::Ordering::Equal));
        pairs
    }
}

impl<T: Real> OrbitMap<T> for PairDistances {
    fn input_dim(&self) -> usize {
        self.k * self.m
    }
    fn output_dim(&self) -> usize {
        self.k * self.k.saturating_sub(1) / 2
    }
    fn map(&self, x: &[T], out: &mut [T]) {
        for (o, (_, _, d)) in out.iter_mut().zip(self.sorted_pairs(x)) {
            *o = d;
        }
    }
    fn vjp(&self, x: &[T], v: &[T], out: &mut [T]) {
        let m = self.m;
        out[..self.k * m].iter_mut().for_each(|o| *o = T::zero());
        for (&vc, (i, j, d)) in v.iter().zip(self.sorted_pairs(x)) {
            if d <= T::zero() || vc == T::zero() {
                continue;
            }
            let s = vc / d;
            for a in 0..m {
                let g = s * (x[i * m + a] - x[j * m + a]);
                out[i * m + a] += g;
                out[j * m + a] -= g;
            }
        }
    }
}
