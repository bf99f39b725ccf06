//! Every experiment's final particles as `samples_RUN.npy` (shape `(N, d)`, C order, one particle a row),
//! written atomically (a temporary file renamed onto the name) so that users can analyse them with their own
//! tools; and the file-name form of a run's name shared by every output file.

use super::RunError;
use crate::output::StagedOutput;
use equistein::{Particles, Real};
use equistein_molecules::{write_npy, Precision};

/// The file-name form of a run's name (`eebm+esvgd h=2` → `eebm-esvgd_h2`).
pub fn file_stem(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            '+' => Some('-'),
            ' ' => Some('_'),
            '=' => None,
            c if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// Writes `samples` as `samples_{file_stem(name)}.npy` into `out` (`<f8` or `<f4` by `precision`) and returns
/// the file name. Particles with a NaN or infinite coordinate (a sampler that diverged, which its metrics
/// report) are not written, since the readers refuse such files: the result is `Ok(None)`.
pub fn write_samples<T: Real>(
    out: &StagedOutput,
    name: &str,
    samples: &Particles<T>,
    precision: Precision,
) -> Result<Option<String>, RunError> {
    if samples.as_slice().iter().any(|v| !v.is_finite()) {
        return Ok(None);
    }
    let file = format!("samples_{}.npy", file_stem(name));
    write_npy(out.dir().join(&file), samples, precision)
        .map_err(|e| RunError::Io(format!("cannot write {file}: {e}")))?;
    Ok(Some(file))
}

/// [`write_samples`] for each `(name, particles)` of a run list, in `<f8`.
pub fn write_all_samples(
    out: &StagedOutput,
    runs: &[(String, Particles<f64>)],
) -> Result<(), RunError> {
    for (name, particles) in runs {
        write_samples(out, name, particles, Precision::F64)?;
    }
    Ok(())
}
