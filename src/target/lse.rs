//! Log-sum-exp over mixture components, summed in a canonical (sorted) order.
//!
//! Summing the component terms in ascending order, rather than in component order, makes the result depend
//! only on the multiset of terms: when a symmetry permutes the components (C4 rotating the four Gaussians onto
//! each other) and every term is computed exactly, the mixture's log-density and score are bitwise invariant
//! and equivariant.

use crate::real::Real;
use alloc::vec::Vec;

/// The component indices sorted by ascending term (NaN last, ties in index order).
pub(crate) fn ascending<T: Real>(terms: &[T]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..terms.len()).collect();
    order.sort_by(|&a, &b| match terms[a].partial_cmp(&terms[b]) {
        Some(o) => o,
        None => terms[a].is_nan().cmp(&terms[b].is_nan()),
    });
    order
}

/// `log Σ_k exp(t_k)`, computed stably as `m + log Σ_k exp(t_k − m)` with `m = max_k t_k`, summing in `order`
/// (from [`ascending`], so `m` is the last term). Returns `−∞` when every term is `−∞`.
pub(crate) fn log_sum_exp<T: Real>(terms: &[T], order: &[usize]) -> T {
    let Some(&last) = order.last() else {
        return T::neg_infinity();
    };
    let m = terms[last];
    if m == T::neg_infinity() || !m.is_finite() {
        return m;
    }
    let s: T = order
        .iter()
        .fold(T::zero(), |acc, &k| acc + (terms[k] - m).exp());
    m + s.ln()
}
