//! When and where the trainer writes checkpoints: a trait, with the safetensors file as its implementation.

use crate::checkpoint::{self, CheckpointError, Resume};
use crate::energy::CandleEnergy;
use crate::float::Float;
use crate::head::Head;
use crate::network::Network;
use std::path::{Path, PathBuf};

/// A checkpoint policy: which epochs are due, and how a checkpoint is stored. The trainer calls
/// [`Checkpointing::save`] after every due epoch and at the end of a run (the configured epoch count, or an
/// observer's stop).
pub trait Checkpointing {
    /// Whether a checkpoint is due after `epochs` completed epochs (counted over the whole run).
    fn due(&self, epochs: usize) -> bool;
    /// Stores the model and the rest of the state; returns where it went.
    fn save<T: Float, N: Network<T>, H: Head<T>>(
        &mut self,
        model: &CandleEnergy<T, N, H>,
        resume: &Resume<T>,
    ) -> Result<PathBuf, CheckpointError>;
}

/// No checkpoints.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCheckpoints;

impl Checkpointing for NoCheckpoints {
    fn due(&self, _: usize) -> bool {
        false
    }
    fn save<T: Float, N: Network<T>, H: Head<T>>(
        &mut self,
        _: &CandleEnergy<T, N, H>,
        _: &Resume<T>,
    ) -> Result<PathBuf, CheckpointError> {
        Ok(PathBuf::new())
    }
}

/// A checkpoint every `every` epochs (0: only at the end), in one safetensors file ([`checkpoint::save`]:
/// written beside it and renamed, so the file always holds the last complete checkpoint). The folder is
/// created when needed.
#[derive(Debug, Clone)]
pub struct SafetensorsFile {
    path: PathBuf,
    every: usize,
}

impl SafetensorsFile {
    /// Checkpoints at `path` every `every` epochs and at the end.
    pub fn new(path: impl Into<PathBuf>, every: usize) -> Self {
        SafetensorsFile {
            path: path.into(),
            every,
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Checkpointing for SafetensorsFile {
    fn due(&self, epochs: usize) -> bool {
        self.every > 0 && epochs.is_multiple_of(self.every)
    }
    fn save<T: Float, N: Network<T>, H: Head<T>>(
        &mut self,
        model: &CandleEnergy<T, N, H>,
        resume: &Resume<T>,
    ) -> Result<PathBuf, CheckpointError> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| CheckpointError::Io {
                path: dir.to_owned(),
                message: format!("creating the folder: {e}"),
            })?;
        }
        checkpoint::save(&self.path, model, resume)?;
        Ok(self.path.clone())
    }
}
