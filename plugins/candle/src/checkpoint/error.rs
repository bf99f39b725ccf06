//! Why a checkpoint could not be written or was refused.

use std::fmt;
use std::path::PathBuf;

/// A checkpoint that could not be written, read, or that belongs to another run. Every variant names the
/// file; a refused checkpoint names the field that disagrees.
#[derive(Debug)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The file could not be read, written or renamed.
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        message: String,
    },
    /// The file is not a readable checkpoint (not safetensors, a missing or malformed entry).
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Written by a newer (or unknown) format version.
    Format {
        /// The file.
        path: PathBuf,
        /// The version in the file.
        found: String,
        /// The newest version this build reads.
        supported: u32,
    },
    /// The checkpoint belongs to another experiment, configuration or model shape.
    Mismatch {
        /// The file.
        path: PathBuf,
        /// The field that disagrees: `experiment`, `config: KEY`, `parameter NAME`, `chain`, …
        field: String,
        /// Its value in the file.
        found: String,
        /// Its value in this run.
        expected: String,
    },
    /// The library refused a value read from the file (for example a chain of the wrong dimension).
    Core {
        /// The file.
        path: PathBuf,
        /// The library's error.
        error: equistein::Error,
    },
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointError::Io { path, message } => {
                write!(f, "checkpoint {}: {message}", path.display())
            }
            CheckpointError::Corrupt { path, reason } => {
                write!(f, "checkpoint {} is not readable: {reason}", path.display())
            }
            CheckpointError::Format {
                path,
                found,
                supported,
            } => write!(
                f,
                "checkpoint {} has format version {found}; this build reads versions up to {supported}",
                path.display()
            ),
            CheckpointError::Mismatch {
                path,
                field,
                found,
                expected,
            } => write!(
                f,
                "checkpoint {} belongs to another run: {field} is `{found}` in the file but `{expected}` here",
                path.display()
            ),
            CheckpointError::Core { path, error } => {
                write!(f, "checkpoint {}: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for CheckpointError {}
