//! `.npy` reading through `npyz` (the header is never parsed by hand).

use super::{check_dim, check_rows};
use crate::error::{io_error, MoleculesError, Result};
use equistein::{Particles, Real};
use npyz::{DType, NpyFile, TypeChar};
use std::path::Path;

/// Reads a `.npy` array of `N` rows of `dim` values into `T`, not centred.
///
/// Accepted: dtype float32 or float64 in either byte order (`<f4`, `>f4`, `<f8`, `>f8`); shape `(N, dim)` or
/// `(N, d1, d2, …)` with `d1·d2·… = dim` (DW-4 as `(N, 4, 2)`); C or Fortran order. Errors name the file:
/// [`MoleculesError::Missing`], [`MoleculesError::Io`], [`MoleculesError::NpyHeader`] (not an npy file),
/// [`MoleculesError::NpyDtype`], [`MoleculesError::NpyShape`], [`MoleculesError::NpyTruncated`] (data shorter or
/// longer than the header says, with the first incomplete row), [`MoleculesError::NonFinite`] (row and column).
pub fn read_npy<T: Real>(path: impl AsRef<Path>, dim: usize) -> Result<Particles<T>> {
    let path = path.as_ref();
    check_dim(dim)?;
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
    let header_error = |e: std::io::Error| MoleculesError::NpyHeader {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let file = NpyFile::new(&bytes[..]).map_err(header_error)?;
    let width = match file.dtype() {
        DType::Plain(ts)
            if ts.type_char() == TypeChar::Float && matches!(ts.size_field(), 4 | 8) =>
        {
            ts.size_field() as usize
        }
        other => {
            return Err(MoleculesError::NpyDtype {
                path: path.to_path_buf(),
                found: other.descr(),
            })
        }
    };
    let shape = file.shape().to_vec();
    let trailing: Option<u64> = shape
        .get(1..)
        .filter(|t| !t.is_empty())
        .map(|t| t.iter().product());
    if trailing != Some(dim as u64) {
        return Err(MoleculesError::NpyShape {
            path: path.to_path_buf(),
            found: shape,
            expected: format!(
                "(N, {dim}), or (N, …) with trailing dimensions multiplying to {dim}"
            ),
        });
    }
    let n = usize::try_from(shape[0]).map_err(|_| MoleculesError::NpyShape {
        path: path.to_path_buf(),
        found: shape.clone(),
        expected: "a row count that fits in memory".into(),
    })?;
    let strides = file.strides().to_vec();
    let data_bytes = file.into_inner().len() as u64;
    let expected_bytes = (n as u64) * (dim as u64) * width as u64;
    if data_bytes != expected_bytes {
        return Err(MoleculesError::NpyTruncated {
            path: path.to_path_buf(),
            expected_bytes,
            found_bytes: data_bytes,
            row: ((data_bytes / (dim * width) as u64) as usize).min(n),
        });
    }
    // Values in storage order, then placed at (row, column) through the header's strides (C or Fortran).
    let file = NpyFile::new(&bytes[..]).map_err(header_error)?;
    let stored: Vec<f64> = if width == 4 {
        file.into_vec::<f32>()
            .map(|v| v.into_iter().map(f64::from).collect())
    } else {
        file.into_vec::<f64>()
    }
    .map_err(header_error)?;
    let mut flat = vec![T::zero(); n * dim];
    let inner = &shape[1..];
    for i in 0..n {
        for c in 0..dim {
            let mut rest = c as u64;
            let mut index = i as u64 * strides[0];
            for (axis, &len) in inner.iter().enumerate().rev() {
                index += (rest % len) * strides[axis + 1];
                rest /= len;
            }
            flat[i * dim + c] = T::c(stored[index as usize]);
        }
    }
    check_rows(path, dim, &flat)?;
    Ok(Particles::from_rows(dim, &flat)?)
}
