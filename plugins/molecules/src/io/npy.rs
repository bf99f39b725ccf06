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
    check_header_bounds(&bytes).map_err(|reason| MoleculesError::NpyHeader {
        path: path.to_path_buf(),
        reason,
    })?;
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

/// The longest header accepted, in bytes (NumPy's own `max_header_size` default is 10,000).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// The deepest nesting of `(`, `[` and `{` accepted in the header (a float array's header nests 2 deep).
pub const MAX_HEADER_NESTING: usize = 8;

/// Checks the header's declared length and its nesting before `npyz` sees it, so that a damaged or hostile file
/// cannot make the parser allocate more than the file holds or backtrack exponentially.
///
/// The layout checked is the npy prefix only: the magic `\x93NUMPY`, the major and minor version bytes, and the
/// header length (`u16` little-endian for version 1, `u32` for versions 2 and 3). The header text itself is left
/// to `npyz` except for counting its bracket depth.
fn check_header_bounds(bytes: &[u8]) -> std::result::Result<(), String> {
    const MAGIC: &[u8] = b"\x93NUMPY";
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        // npyz reports a wrong or missing magic in its own words.
        return Ok(());
    }
    let (start, declared) = match bytes[6] {
        1 => (10, u16::from_le_bytes([bytes[8], bytes[9]]) as usize),
        2 | 3 if bytes.len() >= 12 => (
            12,
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
        ),
        2 | 3 => return Err("the file ends inside the header length".into()),
        major => return Err(format!("unsupported format version {major}")),
    };
    if declared > MAX_HEADER_BYTES {
        return Err(format!(
            "the header declares {declared} bytes, more than the {MAX_HEADER_BYTES} accepted"
        ));
    }
    let available = bytes.len() - start;
    if declared > available {
        return Err(format!(
            "the header declares {declared} bytes but the file holds only {available} after the prefix"
        ));
    }
    let mut depth = 0usize;
    for &b in &bytes[start..start + declared] {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_HEADER_NESTING {
                    return Err(format!(
                        "the header nests brackets more than {MAX_HEADER_NESTING} deep"
                    ));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}
