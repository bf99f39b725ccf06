//! Symmetry groups acting on `R^d`, and orbit maps (invariant features or canonical representatives).
//!
//! A [`Group`] acts on points by `x ↦ g·x` ([`Group::act`]) and on tangent vectors (scores, gradients, SVGD
//! directions) by its differential ([`Group::act_vector`]); for the linear groups the two are the same. An
//! [`OrbitMap`] `P` is invariant, `P(g·x) = P(x)`, and provides its vector–Jacobian product for the
//! invariant-map kernels.
//!
//! | type | group | acts on |
//! |---|---|---|
//! | [`CyclicRotation`] | C_N, rotations of the plane by multiples of 2π/N (orbit map [`WedgeMap`]) | `R^2` |
//! | [`So2`] | SO(2), rotations of the plane by any angle (orbit map [`NormMap`]) | `R^2` |
//! | [`So3`] | SO(3), rotations of space (orbit map [`NormMap`]) | `R^3` |
//! | [`Reflections`] | (Z_2)^s, sign flips of chosen coordinates (orbit map [`AbsMap`]) | `R^d` |
//! | [`Translations`] | `R^m` translating every particle alike (orbit map [`CenterMap`]) | `R^{k·m}` |
//! | [`Permutations`] | S_k, relabelling the particles (orbit map [`SortMap`]) | `R^{k·m}` |
//! | [`PointCloud`] | E(m) × S_k, m = 2, 3: rotations, reflections, translations, relabelling (orbit map [`CanonicalFrame`]) | `R^{k·m}` |

mod canonical_frame;
mod cyclic;
mod norm;
mod pair_distances;
mod permutations;
mod point_cloud;
mod reflections;
mod so2;
mod so3;
mod translations;

pub use canonical_frame::CanonicalFrame;
pub use cyclic::{CyclicRotation, WedgeMap};
pub use norm::NormMap;
pub use pair_distances::PairDistances;
pub use permutations::{Permutations, SortMap};
pub use point_cloud::{PointCloud, PointCloudElement};
pub use reflections::{AbsMap, Reflections};
pub use so2::So2;
pub use so3::So3;
pub use translations::{CenterMap, Translations};

use crate::real::Real;
use alloc::vec::Vec;
use core::fmt::Debug;
use rand_core::RngCore;

/// A group acting on `R^d`.
///
/// Laws (property-tested for every implementation): `act(identity, x) = x`,
/// `act(compose(a, b), x) = act(a, act(b, x))`, `act(inverse(a), act(a, x)) = x`, and `act_vector` is the
/// differential of `act` (equal to `act` for linear actions). All slices have length [`Group::dim`];
/// callers validate lengths before acting.
pub trait Group<T: Real> {
    /// A group element.
    type Element: Clone + Debug;

    /// The dimension `d` of the space acted on.
    fn dim(&self) -> usize;

    /// The identity element.
    fn identity(&self) -> Self::Element;

    /// The composition `a ∘ b` (first `b`, then `a`).
    fn compose(&self, a: &Self::Element, b: &Self::Element) -> Self::Element;

    /// The inverse element.
    fn inverse(&self, a: &Self::Element) -> Self::Element;

    /// `out = g·x`.
    fn act(&self, g: &Self::Element, x: &[T], out: &mut [T]);

    /// `out = dg·v`, the action on tangent vectors (the linear part of the action). For linear actions this is
    /// [`Group::act`]; translations act trivially on vectors.
    fn act_vector(&self, g: &Self::Element, v: &[T], out: &mut [T]) {
        self.act(g, v, out)
    }

    /// A uniform (Haar) random element. Non-compact groups (translations) document the law they use.
    fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> Self::Element;
}

/// A finite group: its elements can be listed.
pub trait FiniteGroup<T: Real>: Group<T> {
    /// Every element, the identity first.
    fn elements(&self) -> Vec<Self::Element>;

    /// The number of elements `|G|`.
    fn order(&self) -> usize {
        self.elements().len()
    }
}

/// An invariant map `P: R^d → R^p` with `P(g·x) = P(x)`: invariant features or a canonical orbit representative.
///
/// Used by [`crate::kernel::InvariantMap`] (`k_P(x, y) = k(P(x), P(y))`, whose gradient is `J_P(x)ᵀ ∇k`) and
/// to draw samples in the group-factorized space.
pub trait OrbitMap<T: Real> {
    /// The input dimension `d`.
    fn input_dim(&self) -> usize;
    /// The output dimension `p`.
    fn output_dim(&self) -> usize;
    /// `out = P(x)`.
    fn map(&self, x: &[T], out: &mut [T]);
    /// The vector–Jacobian product `out = J_P(x)ᵀ v`, with `v` of length `p` and `out` of length `d`. Where `P`
    /// is not differentiable (ties in a sort, the origin of a norm) it returns a one-sided derivative.
    fn vjp(&self, x: &[T], v: &[T], out: &mut [T]);
    /// The transposed Jacobian `J_P(x)ᵀ` as `p` columns of length `d` in `out` (`d·p` values; column `c` is
    /// `J_P(x)ᵀ e_c`). The default makes `p` calls of [`OrbitMap::vjp`]; a map whose products share work
    /// (a canonical frame computes its axes once) overrides it.
    fn jacobian_t(&self, x: &[T], out: &mut [T]) {
        let (d, p) = (self.input_dim(), self.output_dim());
        let mut e = alloc::vec![T::zero(); p];
        for (c, col) in out[..d * p].chunks_exact_mut(d).enumerate() {
            e[c] = T::one();
            self.vjp(x, &e, col);
            e[c] = T::zero();
        }
    }
}

impl<T: Real, M: OrbitMap<T> + ?Sized> OrbitMap<T> for &M {
    fn input_dim(&self) -> usize {
        (**self).input_dim()
    }
    fn output_dim(&self) -> usize {
        (**self).output_dim()
    }
    fn map(&self, x: &[T], out: &mut [T]) {
        (**self).map(x, out)
    }
    fn vjp(&self, x: &[T], v: &[T], out: &mut [T]) {
        (**self).vjp(x, v, out)
    }
    fn jacobian_t(&self, x: &[T], out: &mut [T]) {
        (**self).jacobian_t(x, out)
    }
}
