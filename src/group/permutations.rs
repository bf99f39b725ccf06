//! S_k: permutations of the particles of a point cloud.

use super::translations::check_cloud;
use super::{FiniteGroup, Group, OrbitMap};
use crate::error::{Error, Result};
use crate::real::Real;
use alloc::format;
use alloc::vec::Vec;
use core::cmp::Ordering;
use rand_core::RngCore;

/// The symmetric group S_k permuting `k` particles in `R^m` (`x ∈ R^{k·m}`, particle `p` is
/// `x[p·m..(p+1)·m]`).
///
/// An element is a permutation `π` as a `Vec<usize>` of length `k`. **Convention**: `π` moves particle `p` to
/// position `π[p]`, `(π·x)_{π[p]} = x_p`, equivalently `(π·x)_q = x_{π⁻¹[q]}`. Composition (first `b`, then `a`)
/// is `(a ∘ b)[p] = a[b[p]]`, the inverse satisfies `π⁻¹[π[p]] = p`. [`Group::sample`] draws a uniform
/// permutation by Fisher–Yates; [`FiniteGroup::elements`] lists all `k!` permutations in lexicographic order
/// (identity first; only practical for small `k`), and [`FiniteGroup::order`] saturates at `usize::MAX`.
/// Use [`Permutations::element`] to validate a user-given permutation. Its orbit map is [`SortMap`].
///
/// ```
/// use equistein::group::{Group, Permutations};
/// let g = Permutations::new(3, 1).unwrap();
/// let mut out = [0.0; 3];
/// // Particle 0 goes to position 2, 1 to 0, 2 to 1.
/// g.act(&vec![2, 0, 1], &[10.0, 11.0, 12.0], &mut out);
/// assert_eq!(out, [11.0, 12.0, 10.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permutations {
    k: usize,
    m: usize,
}

impl Permutations {
    /// S_k on `k ≥ 1` particles in `R^m`, `m ≥ 1`.
    pub fn new(k: usize, m: usize) -> Result<Self> {
        check_cloud(k, m)?;
        Ok(Permutations { k, m })
    }

    /// The number of particles `k`.
    pub fn particles(&self) -> usize {
        self.k
    }

    /// The dimension `m` of each particle.
    pub fn particle_dim(&self) -> usize {
        self.m
    }

    /// Checks that `perm` is a permutation of `0..k` and returns it.
    pub fn element(&self, perm: Vec<usize>) -> Result<Vec<usize>> {
        check_permutation(&perm, self.k)?;
        Ok(perm)
    }

    /// The invariant map: sort the particles lexicographically.
    pub fn orbit_map(&self) -> SortMap {
        SortMap {
            k: self.k,
            m: self.m,
        }
    }
}

/// Checks that `perm` is a permutation of `0..k`.
pub(crate) fn check_permutation(perm: &[usize], k: usize) -> Result<()> {
    if perm.len() != k {
        return Err(Error::DimensionMismatch {
            what: "permutation length",
            expected: k,
            found: perm.len(),
        });
    }
    let mut seen = alloc::vec![false; k];
    for (p, &q) in perm.iter().enumerate() {
        if q >= k || seen[q] {
            return Err(Error::InvalidParameter {
                name: "permutation",
                reason: format!("entry {p} = {q} is out of range or repeated"),
            });
        }
        seen[q] = true;
    }
    Ok(())
}

/// `(a ∘ b)[p] = a[b[p]]`.
pub(crate) fn compose_perm(a: &[usize], b: &[usize]) -> Vec<usize> {
    b.iter().map(|&q| a[q]).collect()
}

/// `π⁻¹` with `π⁻¹[π[p]] = p`.
pub(crate) fn inverse_perm(a: &[usize]) -> Vec<usize> {
    let mut inv = alloc::vec![0; a.len()];
    for (p, &q) in a.iter().enumerate() {
        inv[q] = p;
    }
    inv
}

/// A uniform permutation of `0..k` (Fisher–Yates).
pub(crate) fn random_perm<R: RngCore + ?Sized>(rng: &mut R, k: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..k).collect();
    for i in (1..k).rev() {
        let j = crate::random::index(rng, i + 1);
        p.swap(i, j);
    }
    p
}

/// The total order of two scalars (through `f64::total_cmp`, so NaN cannot break a sort).
#[inline]
pub(crate) fn total_cmp<T: Real>(a: T, b: T) -> Ordering {
    a.to_f64_lossy().total_cmp(&b.to_f64_lossy())
}

/// Rearranges `k` blocks of `m`: `out_{π[p]} = x_p` (the action of [`Permutations`]).
pub(crate) fn permute_blocks<T: Real>(perm: &[usize], m: usize, x: &[T], out: &mut [T]) {
    for (p, &q) in perm.iter().enumerate() {
        out[q * m..(q + 1) * m].copy_from_slice(&x[p * m..(p + 1) * m]);
    }
}

/// Advances `p` to the next permutation in lexicographic order; false after the last.
fn next_permutation(p: &mut [usize]) -> bool {
    let n = p.len();
    if n < 2 {
        return false;
    }
    let mut i = n - 1;
    while i > 0 && p[i - 1] >= p[i] {
        i -= 1;
    }
    if i == 0 {
        return false;
    }
    let mut j = n - 1;
    while p[j] <= p[i - 1] {
        j -= 1;
    }
    p.swap(i - 1, j);
    p[i..].reverse();
    true
}

impl<T: Real> Group<T> for Permutations {
    type Element = Vec<usize>;

    fn dim(&self) -> usize {
        self.k * self.m
    }
    fn identity(&self) -> Vec<usize> {
        (0..self.k).collect()
    }
    fn compose(&self, a: &Vec<usize>, b: &Vec<usize>) -> Vec<usize> {
        compose_perm(a, b)
    }
    fn inverse(&self, a: &Vec<usize>) -> Vec<usize> {
        inverse_perm(a)
    }
    fn act(&self, g: &Vec<usize>, x: &[T], out: &mut [T]) {
        permute_blocks(g, self.m, x, out);
    }
    fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> Vec<usize> {
        random_perm(rng, self.k)
    }
}

impl<T: Real> FiniteGroup<T> for Permutations {
    fn elements(&self) -> Vec<Vec<usize>> {
        let mut p: Vec<usize> = (0..self.k).collect();
        let mut out = Vec::new();
        loop {
            out.push(p.clone());
            if !next_permutation(&mut p) {
                return out;
            }
        }
    }
    fn order(&self) -> usize {
        (2..=self.k).fold(1usize, |acc, i| acc.saturating_mul(i))
    }
}

/// The orbit map of [`Permutations`]: the particles sorted lexicographically (by the first coordinate, ties by
/// the second, …; exact ties keep input order). With `σ` the sorting order, `P(x)_j = x_{σ(j)}`: locally a
/// fixed permutation, so `(J_Pᵀ v)_{σ(j)} = v_j` (the inverse permutation of the cotangent). Output dimension
/// `k·m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortMap {
    k: usize,
    m: usize,
}

impl SortMap {
    /// The sorting map of `k ≥ 1` particles in `R^m`, `m ≥ 1`.
    pub fn new(k: usize, m: usize) -> Result<Self> {
        check_cloud(k, m)?;
        Ok(SortMap { k, m })
    }

    /// The sorting order `σ`: `σ(j)` is the input index of the `j`-th smallest particle.
    pub fn order<T: Real>(&self, x: &[T]) -> Vec<usize> {
        let m = self.m;
        let mut idx: Vec<usize> = (0..self.k).collect();
        idx.sort_by(|&a, &b| {
            let (pa, pb) = (&x[a * m..(a + 1) * m], &x[b * m..(b + 1) * m]);
            pa.iter()
                .zip(pb)
                .map(|(&u, &v)| total_cmp(u, v))
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal)
        });
        idx
    }
}

impl<T: Real> OrbitMap<T> for SortMap {
    fn input_dim(&self) -> usize {
        self.k * self.m
    }
    fn output_dim(&self) -> usize {
        self.k * self.m
    }
    fn map(&self, x: &[T], out: &mut [T]) {
        let m = self.m;
        for (j, &p) in self.order(x).iter().enumerate() {
            out[j * m..(j + 1) * m].copy_from_slice(&x[p * m..(p + 1) * m]);
        }
    }
    fn vjp(&self, x: &[T], v: &[T], out: &mut [T]) {
        let m = self.m;
        for (j, &p) in self.order(x).iter().enumerate() {
            out[p * m..(p + 1) * m].copy_from_slice(&v[j * m..(j + 1) * m]);
        }
    }
}
