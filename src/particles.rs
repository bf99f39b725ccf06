//! The particle container: `n` points in `R^d`, stored contiguously (column-major `d × n`), one particle a slice.

use crate::error::{Error, Result};
use crate::real::Real;
use alloc::vec::Vec;
use nalgebra::DMatrix;

/// A set of `n` particles in `R^d`, stored as a `d × n` column-major matrix so that particle `i` is the
/// contiguous slice `data[i*d .. (i+1)*d]`.
///
/// ```
/// use equistein::Particles;
/// let p = Particles::from_rows(2, &[1.0, 2.0, 3.0, 4.0]).unwrap();
/// assert_eq!(p.len(), 2);
/// assert_eq!(p.particle(1), &[3.0, 4.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Particles<T: Real> {
    m: DMatrix<T>,
}

impl<T: Real> Particles<T> {
    /// `n` particles in `R^d`, all zero.
    pub fn zeros(dim: usize, n: usize) -> Self {
        Particles {
            m: DMatrix::from_element(dim, n, T::zero()),
        }
    }

    /// Particles from a flat buffer `[x_1 (d values), x_2, …]`. Errors if the length is not a multiple of `dim`
    /// or `dim` is zero.
    pub fn from_rows(dim: usize, flat: &[T]) -> Result<Self> {
        if dim == 0 {
            return Err(Error::InvalidParameter {
                name: "dim",
                reason: "the dimension must be at least 1".into(),
            });
        }
        if !flat.len().is_multiple_of(dim) {
            return Err(Error::DimensionMismatch {
                what: "flat particle buffer (length must be a multiple of the dimension)",
                expected: dim * (flat.len() / dim + 1),
                found: flat.len(),
            });
        }
        Ok(Particles {
            m: DMatrix::from_column_slice(dim, flat.len() / dim, flat),
        })
    }

    /// Particles from a function `f(particle, coordinate)`.
    pub fn from_fn(dim: usize, n: usize, mut f: impl FnMut(usize, usize) -> T) -> Self {
        Particles {
            m: DMatrix::from_fn(dim, n, |c, i| f(i, c)),
        }
    }

    /// Wraps a `d × n` matrix whose columns are particles.
    pub fn from_matrix(m: DMatrix<T>) -> Self {
        Particles { m }
    }

    /// The dimension `d` of each particle.
    #[inline]
    pub fn dim(&self) -> usize {
        self.m.nrows()
    }

    /// The number of particles `n`.
    #[inline]
    pub fn len(&self) -> usize {
        self.m.ncols()
    }

    /// True when there are no particles.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Particle `i` as a slice of length `d`. Panics if `i >= len()` (an indexing bug, not user input).
    #[inline]
    pub fn particle(&self, i: usize) -> &[T] {
        let d = self.dim();
        &self.m.as_slice()[i * d..(i + 1) * d]
    }

    /// Particle `i`, mutably.
    #[inline]
    pub fn particle_mut(&mut self, i: usize) -> &mut [T] {
        let d = self.dim();
        &mut self.m.as_mut_slice()[i * d..(i + 1) * d]
    }

    /// Iterates over the particles (`len()` slices of length `d`, also when `d = 0`).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[T]> + '_ {
        let d = self.dim();
        let data = self.m.as_slice();
        (0..self.len()).map(move |i| &data[i * d..(i + 1) * d])
    }

    /// Iterates over the particles mutably (none when `d = 0`: there is nothing to write).
    pub fn iter_mut(&mut self) -> impl ExactSizeIterator<Item = &mut [T]> + '_ {
        let d = self.dim().max(1);
        self.m.as_mut_slice().chunks_exact_mut(d)
    }

    /// All coordinates, particle after particle.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        self.m.as_slice()
    }

    /// All coordinates, mutably.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        self.m.as_mut_slice()
    }

    /// The `d × n` matrix view (columns are particles).
    #[inline]
    pub fn matrix(&self) -> &DMatrix<T> {
        &self.m
    }

    /// The `d × n` matrix, mutably.
    #[inline]
    pub fn matrix_mut(&mut self) -> &mut DMatrix<T> {
        &mut self.m
    }

    /// Consumes the set and returns the flat buffer.
    pub fn into_vec(self) -> Vec<T> {
        self.m.as_slice().to_vec()
    }

    /// Appends the particles of `other` (same dimension) after these.
    pub fn concat(&self, other: &Particles<T>) -> Result<Particles<T>> {
        crate::error::ensure_dim("concatenated particle sets", self.dim(), other.dim())?;
        let mut flat = Vec::with_capacity(self.as_slice().len() + other.as_slice().len());
        flat.extend_from_slice(self.as_slice());
        flat.extend_from_slice(other.as_slice());
        Ok(Particles {
            m: DMatrix::from_column_slice(self.dim(), self.len() + other.len(), &flat),
        })
    }

    /// The first non-finite value, as an [`Error::NonFinite`] naming `what`.
    pub fn check_finite(&self, what: &'static str) -> Result<()> {
        check_finite(what, self.dim(), self.as_slice())
    }

    /// The mean particle.
    pub fn mean(&self) -> Vec<T> {
        let mut m = alloc::vec![T::zero(); self.dim()];
        for p in self.iter() {
            crate::real::axpy(T::one(), p, &mut m);
        }
        let inv = T::one() / T::from(self.len().max(1)).unwrap_or_else(T::one);
        m.iter_mut().for_each(|v| *v *= inv);
        m
    }
}

/// Scans a flat particle buffer of dimension `dim` for NaN or infinity.
pub fn check_finite<T: Real>(what: &'static str, dim: usize, flat: &[T]) -> Result<()> {
    match flat.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(k) => Err(Error::NonFinite {
            what,
            particle: k / dim.max(1),
            coordinate: k % dim.max(1),
        }),
    }
}
