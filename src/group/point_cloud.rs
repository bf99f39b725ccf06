//! E(m) × S_k: rigid motions (with reflections) and relabellings of a cloud of `k` particles in `R^m`.

use super::canonical_frame::CanonicalFrame;
use super::permutations::{
    check_permutation, compose_perm, inverse_perm, permute_blocks, random_perm,
};
use super::so3::{haar_rotation3, mat_mul, mat_vec, transpose};
use super::translations::check_cloud;
use super::Group;
use crate::error::{Error, Result};
use crate::real::Real;
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;
use rand_core::RngCore;

/// The group E(m) × S_k acting on `k` particles in `R^m` (`m` = 2 or 3; `x ∈ R^{k·m}`, particle `p` is
/// `x[p·m..(p+1)·m]`): the symmetry group of a pairwise-distance energy such as DW-4 (`k = 4, m = 2`) or of a
/// molecule's coordinates (QM9, `m = 3`).
///
/// An element `(Q, t, π)` ([`PointCloudElement`]) is an orthogonal `m × m` matrix `Q` (rotations and
/// reflections), a translation `t ∈ R^m` and a permutation `π` of the particles, acting by
///
/// `(g·x)_p = Q x_{π⁻¹(p)} + t`, i.e. `(g·x)_{π(q)} = Q x_q + t`
///
/// (particle `q` is moved to position `π(q)`, as in [`super::Permutations`]). Because `(Q, t)` acts on every
/// particle alike it commutes with `π`, and composition (first `b`, then `a`) is
/// `(Q_a Q_b, Q_a t_b + t_a, π_a ∘ π_b)`; the inverse is `(Qᵀ, −Qᵀ t, π⁻¹)`. The action on tangent vectors
/// drops the translation: `(dg·v)_{π(q)} = Q v_q`.
///
/// [`Group::sample`] draws `Q = R D` with `R` Haar-uniform in SO(m) and `D = diag(±1, 1, …)` with a fair sign
/// (so `Q` is Haar-uniform in O(m)), `t ~ N(0, I_m)` (translations have no Haar probability law) and a uniform
/// permutation. [`PointCloud::element`] builds a validated element. The orbit map is [`CanonicalFrame`].
///
/// ```
/// use equistein::group::{Group, PointCloud};
/// let g = PointCloud::new(2, 2).unwrap();
/// // A quarter turn, a shift by (1, 0), and a swap of the two particles.
/// let e = g
///     .element(vec![0.0, -1.0, 1.0, 0.0], vec![1.0, 0.0], vec![1, 0])
///     .unwrap();
/// let mut out = [0.0; 4];
/// g.act(&e, &[1.0, 0.0, 0.0, 2.0], &mut out);
/// assert_eq!(out, [-1.0, 0.0, 1.0, 1.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointCloud {
    k: usize,
    m: usize,
}

/// An element `(Q, t, π)` of [`PointCloud`]: `Q` orthogonal `m × m` (row-major), `t ∈ R^m`, `π` a permutation
/// of the `k` particles.
#[derive(Debug, Clone, PartialEq)]
pub struct PointCloudElement<T> {
    rotation: Vec<T>,
    translation: Vec<T>,
    permutation: Vec<usize>,
}

impl<T: Real> PointCloudElement<T> {
    /// The orthogonal matrix `Q`, row-major `m × m`.
    pub fn rotation(&self) -> &[T] {
        &self.rotation
    }
    /// The translation `t`.
    pub fn translation(&self) -> &[T] {
        &self.translation
    }
    /// The permutation `π` (particle `q` moves to position `π[q]`).
    pub fn permutation(&self) -> &[usize] {
        &self.permutation
    }
}

impl PointCloud {
    /// E(m) × S_k for `k ≥ 1` particles in `R^m`, `m ∈ {2, 3}`.
    pub fn new(k: usize, m: usize) -> Result<Self> {
        check_cloud(k, m)?;
        if m != 2 && m != 3 {
            return Err(Error::InvalidParameter {
                name: "particle dimension",
                reason: format!("PointCloud supports m = 2 or 3, got {m}"),
            });
        }
        Ok(PointCloud { k, m })
    }

    /// The number of particles `k`.
    pub fn particles(&self) -> usize {
        self.k
    }

    /// The dimension `m` of each particle.
    pub fn particle_dim(&self) -> usize {
        self.m
    }

    /// A validated element: `rotation` must be `m × m` (row-major) with `‖QᵀQ − I‖_max ≤ m·√ε`, `translation`
    /// of length `m`, `permutation` a permutation of `0..k`.
    pub fn element<T: Real>(
        &self,
        rotation: Vec<T>,
        translation: Vec<T>,
        permutation: Vec<usize>,
    ) -> Result<PointCloudElement<T>> {
        let m = self.m;
        crate::error::ensure_dim("rotation entries", m * m, rotation.len())?;
        crate::error::ensure_dim("translation", m, translation.len())?;
        check_permutation(&permutation, self.k)?;
        if let Some(i) = translation.iter().position(|v| !v.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "translation",
                reason: format!("entry {i} is not finite"),
            });
        }
        let tol = T::epsilon().sqrt() * T::c(m as f64);
        for i in 0..m {
            for j in 0..m {
                let mut s = T::zero();
                for l in 0..m {
                    s += rotation[l * m + i] * rotation[l * m + j];
                }
                let target = if i == j { T::one() } else { T::zero() };
                let err = (s - target).abs();
                if err.is_nan() || err > tol {
                    return Err(Error::InvalidParameter {
                        name: "rotation",
                        reason: format!("not orthogonal: (QᵀQ)[{i}][{j}] = {s}"),
                    });
                }
            }
        }
        Ok(PointCloudElement {
            rotation,
            translation,
            permutation,
        })
    }

    /// The invariant map of this group: the canonical frame with reflections quotiented too, so that it is
    /// invariant under all of E(m) × S_k. The paper's kernel quotients only SE(m) × S_k: that is
    /// [`CanonicalFrame::new`] (see [`CanonicalFrame::with_quotient_reflections`]).
    pub fn orbit_map(&self) -> CanonicalFrame {
        CanonicalFrame::from_cloud(self.k, self.m).with_quotient_reflections(true)
    }

    fn transform<T: Real>(&self, g: &PointCloudElement<T>, x: &[T], out: &mut [T], shift: bool) {
        let m = self.m;
        let mut moved = vec![T::zero(); self.k * m];
        for (mp, xp) in moved.chunks_exact_mut(m).zip(x.chunks_exact(m)) {
            mat_vec(&g.rotation, xp, mp);
            if shift {
                for (o, &t) in mp.iter_mut().zip(&g.translation) {
                    *o += t;
                }
            }
        }
        permute_blocks(&g.permutation, m, &moved, out);
    }
}

impl<T: Real> Group<T> for PointCloud {
    type Element = PointCloudElement<T>;

    fn dim(&self) -> usize {
        self.k * self.m
    }
    fn identity(&self) -> PointCloudElement<T> {
        let m = self.m;
        let mut rotation = vec![T::zero(); m * m];
        for i in 0..m {
            rotation[i * m + i] = T::one();
        }
        PointCloudElement {
            rotation,
            translation: vec![T::zero(); m],
            permutation: (0..self.k).collect(),
        }
    }
    fn compose(&self, a: &PointCloudElement<T>, b: &PointCloudElement<T>) -> PointCloudElement<T> {
        let m = self.m;
        let mut rotation = vec![T::zero(); m * m];
        mat_mul(&a.rotation, &b.rotation, m, &mut rotation);
        let mut translation = vec![T::zero(); m];
        mat_vec(&a.rotation, &b.translation, &mut translation);
        for (o, &t) in translation.iter_mut().zip(&a.translation) {
            *o += t;
        }
        PointCloudElement {
            rotation,
            translation,
            permutation: compose_perm(&a.permutation, &b.permutation),
        }
    }
    fn inverse(&self, a: &PointCloudElement<T>) -> PointCloudElement<T> {
        let m = self.m;
        let mut rotation = vec![T::zero(); m * m];
        transpose(&a.rotation, m, &mut rotation);
        let mut translation = vec![T::zero(); m];
        mat_vec(&rotation, &a.translation, &mut translation);
        translation.iter_mut().for_each(|v| *v = -*v);
        PointCloudElement {
            rotation,
            translation,
            permutation: inverse_perm(&a.permutation),
        }
    }
    fn act(&self, g: &PointCloudElement<T>, x: &[T], out: &mut [T]) {
        self.transform(g, x, out, true);
    }
    fn act_vector(&self, g: &PointCloudElement<T>, v: &[T], out: &mut [T]) {
        self.transform(g, v, out, false);
    }
    fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> PointCloudElement<T> {
        let m = self.m;
        let mut rotation: Vec<T> = if m == 2 {
            let theta: T = crate::random::uniform(rng, T::zero(), T::c(core::f64::consts::TAU));
            let (s, c) = theta.sin_cos();
            vec![c, -s, s, c]
        } else {
            haar_rotation3::<T, R>(rng).to_vec()
        };
        if crate::random::index(rng, 2) == 1 {
            // Q = R · diag(−1, 1, …): negate the first column.
            for i in 0..m {
                rotation[i * m] = -rotation[i * m];
            }
        }
        let mut translation = vec![T::zero(); m];
        crate::random::fill_normal(rng, &mut translation);
        PointCloudElement {
            rotation,
            translation,
            permutation: random_perm(rng, self.k),
        }
    }
}
