//! A tiny dense Cholesky factorisation and the triangular solves the Gaussian needs, generic over [`Real`]
//! (nalgebra's decompositions need `RealField`, which [`Real`] does not include). Matrices are `d × d`,
//! row-major.

use crate::error::{Error, Result};
use crate::real::Real;
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

/// Checks that `a` (`d × d`, row-major) is finite and symmetric, and returns its lower Cholesky factor `L`
/// (`a = L Lᵀ`, row-major, zeros above the diagonal). Errors, naming `name`, when `a` is not square, not
/// symmetric (relative tolerance `100 ε` of the largest diagonal entry) or not positive definite.
pub(crate) fn cholesky<T: Real>(name: &'static str, a: &[T], d: usize) -> Result<Vec<T>> {
    if a.len() != d * d {
        return Err(Error::DimensionMismatch {
            what: "covariance matrix (d × d entries)",
            expected: d * d,
            found: a.len(),
        });
    }
    if let Some(k) = a.iter().position(|v| !v.is_finite()) {
        return Err(Error::InvalidParameter {
            name,
            reason: format!("entry ({}, {}) is not finite", k / d, k % d),
        });
    }
    let scale = (0..d).fold(T::zero(), |m, i| m.max(a[i * d + i].abs()));
    let tol = T::c(100.0) * T::epsilon() * scale;
    for i in 0..d {
        for j in 0..i {
            if (a[i * d + j] - a[j * d + i]).abs() > tol {
                return Err(Error::InvalidParameter {
                    name,
                    reason: format!("not symmetric: entries ({i}, {j}) and ({j}, {i}) differ"),
                });
            }
        }
    }
    let mut l = vec![T::zero(); d * d];
    for j in 0..d {
        let mut diag = a[j * d + j];
        for k in 0..j {
            diag -= l[j * d + k] * l[j * d + k];
        }
        if diag <= T::zero() || !diag.is_finite() {
            return Err(Error::InvalidParameter {
                name,
                reason: format!("not positive definite (pivot {j} is {})", diag),
            });
        }
        let ljj = diag.sqrt();
        l[j * d + j] = ljj;
        for i in (j + 1)..d {
            let mut s = a[i * d + j];
            for k in 0..j {
                s -= l[i * d + k] * l[j * d + k];
            }
            l[i * d + j] = s / ljj;
        }
    }
    Ok(l)
}

/// Solves `L z = b` in place (`b` becomes `z`), `L` lower triangular, row-major.
pub(crate) fn solve_lower<T: Real>(l: &[T], d: usize, b: &mut [T]) {
    for i in 0..d {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * d + k] * b[k];
        }
        b[i] = s / l[i * d + i];
    }
}

/// Solves `Lᵀ y = b` in place (`b` becomes `y`), `L` lower triangular, row-major.
pub(crate) fn solve_lower_transpose<T: Real>(l: &[T], d: usize, b: &mut [T]) {
    for i in (0..d).rev() {
        let mut s = b[i];
        for k in (i + 1)..d {
            s -= l[k * d + i] * b[k];
        }
        b[i] = s / l[i * d + i];
    }
}

/// `out = L z`, `L` lower triangular, row-major.
pub(crate) fn mul_lower<T: Real>(l: &[T], d: usize, z: &[T], out: &mut [T]) {
    for i in 0..d {
        let mut s = T::zero();
        for k in 0..=i {
            s += l[i * d + k] * z[k];
        }
        out[i] = s;
    }
}
