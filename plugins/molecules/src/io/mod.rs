//! Data files: raw little-endian f32 rows, `.npy` (read and written through `npyz`), atomic writes.

pub mod atomic;
pub mod npy;
pub mod npy_write;
pub mod raw;
pub mod xyz;
pub mod xyz_write;

use crate::error::Result;
use equistein::{Particles, Real};
use std::path::Path;

/// Reads a data file of rows of `dim` values: `.npy` (by the extension, [`npy::read_npy`]) or otherwise raw
/// little-endian f32 ([`raw::read_raw_f32`]). Not centred.
pub fn read_particles<T: Real>(path: impl AsRef<Path>, dim: usize) -> Result<Particles<T>> {
    let path = path.as_ref();
    let is_npy = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    if is_npy {
        npy::read_npy(path, dim)
    } else {
        raw::read_raw_f32(path, dim)
    }
}

/// The first non-finite value of a flat row-major buffer, as [`crate::MoleculesError::NonFinite`] naming the file.
pub(crate) fn check_rows<T: Real>(path: &Path, dim: usize, flat: &[T]) -> Result<()> {
    match flat.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(k) => Err(crate::MoleculesError::NonFinite {
            path: path.to_path_buf(),
            row: k / dim,
            column: k % dim,
            value: flat[k].to_f64_lossy(),
        }),
    }
}

/// `dim ≥ 1`, else an error.
pub(crate) fn check_dim(dim: usize) -> Result<()> {
    if dim == 0 {
        Err(crate::MoleculesError::InvalidParameter {
            name: "row length",
            reason: "a row must hold at least one value".into(),
        })
    } else {
        Ok(())
    }
}
