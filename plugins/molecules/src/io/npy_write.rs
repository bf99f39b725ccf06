//! `.npy` writing through `npyz`, atomically.

use super::atomic::write_atomically;
use crate::error::{MoleculesError, Result};
use equistein::{Particles, Real};
use npyz::{DType, TypeStr, WriterBuilder};
use std::path::Path;

/// The floating-point type written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// `<f4` (what the DW-4 data files hold).
    #[default]
    F32,
    /// `<f8`.
    F64,
}

/// Writes a particle set as a `.npy` array of shape `(N, d)`, C order, dtype `<f4` or `<f8`, atomically
/// (a temporary file beside `path`, renamed onto it). A NaN or infinity is refused
/// ([`MoleculesError::NonFiniteInput`] naming the sample), since the readers refuse it too.
pub fn write_npy<T: Real>(
    path: impl AsRef<Path>,
    xs: &Particles<T>,
    precision: Precision,
) -> Result<()> {
    let path = path.as_ref();
    if let Some(k) = xs.as_slice().iter().position(|v| !v.is_finite()) {
        let d = xs.dim().max(1);
        return Err(MoleculesError::NonFiniteInput {
            what: "samples to write",
            sample: k / d,
            coordinate: k % d,
        });
    }
    let shape = [xs.len() as u64, xs.dim() as u64];
    write_atomically(path, |w| match precision {
        Precision::F32 => {
            let mut npy = npyz::WriteOptions::<f32>::new()
                .dtype(little_endian("<f4")?)
                .shape(&shape)
                .writer(w)
                .begin_nd()?;
            npy.extend(xs.as_slice().iter().map(|v| v.to_f64_lossy() as f32))?;
            npy.finish()
        }
        Precision::F64 => {
            let mut npy = npyz::WriteOptions::<f64>::new()
                .dtype(little_endian("<f8")?)
                .shape(&shape)
                .writer(w)
                .begin_nd()?;
            npy.extend(xs.as_slice().iter().map(|v| v.to_f64_lossy()))?;
            npy.finish()
        }
    })
}

/// The little-endian dtype `code` (`<f4`, `<f8`), whatever the machine's byte order.
fn little_endian(code: &str) -> std::io::Result<DType> {
    code.parse::<TypeStr>()
        .map(DType::Plain)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))
}
