//! Translations of `R^d`, and common translations of the particles of a point cloud.

use super::{Group, OrbitMap};
use crate::error::{ensure_positive, Error, Result};
use crate::real::Real;
use alloc::vec;
use alloc::vec::Vec;
use rand_core::RngCore;

/// The translation group `R^m` acting on point clouds of `k` particles in `R^m` (`x ∈ R^{k·m}`, particle `p`
/// is `x[p·m..(p+1)·m]`) by moving every particle by the same `t`: `(t·x)_p = x_p + t`.
/// [`Translations::new`]`(d)` is the plain group of `R^d` (`k = 1`).
///
/// An element is `t ∈ R^m` (a `Vec` of length `m`); composition adds, the inverse negates. Translations act
/// trivially on tangent vectors ([`Group::act_vector`] is the identity). The group is not compact and has no
/// Haar probability measure: [`Group::sample`] draws `t ~ N(0, σ² I_m)`, σ = 1 unless set by
/// [`Translations::with_sigma`].
///
/// Its orbit map is [`CenterMap`], subtracting the centroid of the particles. For `k = 1` the quotient
/// `R^d / R^d` is a single point and the map is the constant 0.
///
/// ```
/// use equistein::group::{CenterMap, Group, OrbitMap, Translations};
/// let g = Translations::point_cloud(2, 2).unwrap();
/// let x = [1.0, 2.0, 3.0, 4.0];
/// let mut y = [0.0; 4];
/// g.act(&vec![10.0, -1.0], &x, &mut y);
/// assert_eq!(y, [11.0, 1.0, 13.0, 3.0]);
/// let (mut px, mut py) = ([0.0; 4], [0.0; 4]);
/// let p = g.orbit_map();
/// p.map(&x, &mut px);
/// p.map(&y, &mut py);
/// assert_eq!(px, py);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Translations {
    k: usize,
    m: usize,
    sigma: f64,
}

impl Translations {
    /// The translations of `R^d` (`d ≥ 1`).
    pub fn new(d: usize) -> Result<Self> {
        Self::point_cloud(1, d)
    }

    /// Common translations of `k ≥ 1` particles in `R^m` (`m ≥ 1`), acting on `R^{k·m}`.
    pub fn point_cloud(k: usize, m: usize) -> Result<Self> {
        check_cloud(k, m)?;
        Ok(Translations { k, m, sigma: 1.0 })
    }

    /// The same group with sampling law `N(0, σ² I)`; errors unless `σ` is positive and finite.
    pub fn with_sigma(self, sigma: f64) -> Result<Self> {
        ensure_positive("translation sigma", sigma)?;
        Ok(Translations { sigma, ..self })
    }

    /// The number of particles `k`.
    pub fn particles(&self) -> usize {
        self.k
    }

    /// The dimension `m` of each particle (and of a translation).
    pub fn particle_dim(&self) -> usize {
        self.m
    }

    /// The sampling standard deviation σ.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// The invariant map: subtract the centroid.
    pub fn orbit_map(&self) -> CenterMap {
        CenterMap {
            k: self.k,
            m: self.m,
        }
    }
}

/// Checks `k ≥ 1` particles of dimension `m ≥ 1` (with `k·m` not overflowing).
pub(crate) fn check_cloud(k: usize, m: usize) -> Result<()> {
    if k == 0 {
        return Err(Error::InvalidParameter {
            name: "particles",
            reason: "a point cloud needs at least one particle".into(),
        });
    }
    if m == 0 {
        return Err(Error::InvalidParameter {
            name: "particle dimension",
            reason: "particles need dimension at least 1".into(),
        });
    }
    if k.checked_mul(m).is_none() {
        return Err(Error::InvalidParameter {
            name: "particles",
            reason: "k·m overflows".into(),
        });
    }
    Ok(())
}

impl<T: Real> Group<T> for Translations {
    type Element = Vec<T>;

    fn dim(&self) -> usize {
        self.k * self.m
    }
    fn identity(&self) -> Vec<T> {
        vec![T::zero(); self.m]
    }
    fn compose(&self, a: &Vec<T>, b: &Vec<T>) -> Vec<T> {
        a.iter().zip(b).map(|(&u, &v)| u + v).collect()
    }
    fn inverse(&self, a: &Vec<T>) -> Vec<T> {
        a.iter().map(|&u| -u).collect()
    }
    fn act(&self, g: &Vec<T>, x: &[T], out: &mut [T]) {
        for (op, xp) in out
            .chunks_exact_mut(self.m)
            .zip(x.chunks_exact(self.m))
            .take(self.k)
        {
            for ((o, &xi), &ti) in op.iter_mut().zip(xp).zip(g) {
                *o = xi + ti;
            }
        }
    }
    fn act_vector(&self, _g: &Vec<T>, v: &[T], out: &mut [T]) {
        let n = self.k * self.m;
        out[..n].copy_from_slice(&v[..n]);
    }
    fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> Vec<T> {
        let s = T::c(self.sigma);
        (0..self.m)
            .map(|_| s * crate::random::standard_normal::<T, R>(rng))
            .collect()
    }
}

/// The orbit map of [`Translations`]: subtract the centroid, `P(x)_p = x_p − (1/k) Σ_q x_q` (output dimension
/// `k·m`). `P` is the orthogonal projection `(I_k − 𝟙𝟙ᵀ/k) ⊗ I_m`, symmetric, so `J_Pᵀ v = P(v)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CenterMap {
    k: usize,
    m: usize,
}

impl CenterMap {
    /// The centering map of `k ≥ 1` particles in `R^m` (`m ≥ 1`).
    pub fn new(k: usize, m: usize) -> Result<Self> {
        check_cloud(k, m)?;
        Ok(CenterMap { k, m })
    }
}

/// `out = x` with the centroid of its `k` particles of dimension `m` subtracted.
pub(crate) fn center<T: Real>(x: &[T], k: usize, m: usize, out: &mut [T]) {
    let inv_k = T::one() / T::c(k as f64);
    for i in 0..m {
        let mut c = T::zero();
        for p in 0..k {
            c += x[p * m + i];
        }
        c *= inv_k;
        for p in 0..k {
            out[p * m + i] = x[p * m + i] - c;
        }
    }
}

impl<T: Real> OrbitMap<T> for CenterMap {
    fn input_dim(&self) -> usize {
        self.k * self.m
    }
    fn output_dim(&self) -> usize {
        self.k * self.m
    }
    fn map(&self, x: &[T], out: &mut [T]) {
        center(x, self.k, self.m, out);
    }
    fn vjp(&self, _x: &[T], v: &[T], out: &mut [T]) {
        center(v, self.k, self.m, out);
    }
}
