//! Why training stopped with an error.

use crate::checkpoint::CheckpointError;
use std::fmt;

/// A training run that failed: the library refused or a model failed, or a checkpoint could not be written
/// or was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum TrainError {
    /// The core driver, the sampler or the model failed.
    Core(equistein::Error),
    /// A checkpoint could not be written or read, or belongs to another run.
    Checkpoint(CheckpointError),
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::Core(e) => write!(f, "{e}"),
            TrainError::Checkpoint(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for TrainError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TrainError::Core(e) => Some(e),
            TrainError::Checkpoint(e) => Some(e),
        }
    }
}

impl From<equistein::Error> for TrainError {
    fn from(e: equistein::Error) -> Self {
        TrainError::Core(e)
    }
}

impl From<CheckpointError> for TrainError {
    fn from(e: CheckpointError) -> Self {
        TrainError::Checkpoint(e)
    }
}
