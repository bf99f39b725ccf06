//! Raw little-endian IEEE-754 f32 files: rows of `dim` values, row-major, no header (the DW-4 `.f32le` files).

use super::{check_dim, check_rows};
use crate::error::{io_error, MoleculesError, Result};
use equistein::{Particles, Real};
use std::path::Path;

/// Reads a raw little-endian f32 file of `N × dim` values (row `i` is particle `i`; `N` follows from the size,
/// which must be a multiple of `4·dim` bytes), converted to `T`, not centred.
///
/// Errors name the file: [`MoleculesError::Missing`], [`MoleculesError::Io`], [`MoleculesError::RawSize`]
/// (with the index of the truncated row), [`MoleculesError::NonFinite`] (with the row and column).
pub fn read_raw_f32<T: Real>(path: impl AsRef<Path>, dim: usize) -> Result<Particles<T>> {
    let path = path.as_ref();
    check_dim(dim)?;
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
    let row_bytes = 4 * dim;
    if !bytes.len().is_multiple_of(row_bytes) {
        return Err(MoleculesError::RawSize {
            path: path.to_path_buf(),
            bytes: bytes.len() as u64,
            row_bytes,
            complete_rows: bytes.len() / row_bytes,
        });
    }
    let flat: Vec<T> = bytes
        .chunks_exact(4)
        .map(|c| T::c(f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64))
        .collect();
    check_rows(path, dim, &flat)?;
    Ok(Particles::from_rows(dim, &flat)?)
}
