//! Observers of contrastive-divergence training: logging, progress, timing, early stopping.

use super::trainable::CdLoss;
use crate::particles::Particles;
use crate::real::Real;
use crate::sampler::{Control, RunSummary, StepInfo};

/// What one minibatch did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchInfo<T: Real> {
    /// The epoch, from 0.
    pub epoch: usize,
    /// The batch within the epoch, from 0.
    pub batch: usize,
    /// Whether the chain started fresh.
    pub reset: bool,
    /// The sampler run that produced the negatives.
    pub sampling: RunSummary<T>,
    /// The sampler's step size in this epoch.
    pub step_size: T,
    /// The loss before the optimizer step.
    pub loss: CdLoss<T>,
}

/// What one epoch did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochInfo<T: Real> {
    /// The epoch, from 0.
    pub epoch: usize,
    /// Batches trained.
    pub batches: usize,
    /// The mean over batches of each loss part.
    pub mean_loss: CdLoss<T>,
    /// Sampler steps in the whole epoch.
    pub sampler_steps: usize,
    /// Fresh starts of the chain in the epoch.
    pub resets: usize,
    /// Batches whose negative chain diverged ([`crate::Error::Diverged`]): the chain was restarted and the
    /// batch trained nothing (`batches` counts only the batches that trained).
    pub recoveries: usize,
}

/// Sees contrastive-divergence training at every level; every method has a do-nothing default. The core has no
/// clock: an observer with one measures step times from the `sampling_started` / `sampler_step` calls.
pub trait CdObserver<T: Real> {
    /// Before a batch's sampler run, with the chain's starting state and whether it was a fresh start.
    fn sampling_started(
        &mut self,
        _epoch: usize,
        _batch: usize,
        _start: &Particles<T>,
        _reset: bool,
    ) {
    }
    /// After every sampler step.
    fn sampler_step(&mut self, _info: &StepInfo<T>, _negatives: &Particles<T>) -> Control {
        Control::Continue
    }
    /// After a batch whose negative chain diverged (`error` is the [`crate::Error::Diverged`] that says where):
    /// the chain is restarted at the next batch and this one trained nothing.
    fn recovered(&mut self, _epoch: usize, _batch: usize, _error: &crate::Error) {}
    /// After a batch's optimizer step, with the negatives it used.
    fn batch(&mut self, _info: &BatchInfo<T>, _negatives: &Particles<T>) -> Control {
        Control::Continue
    }
    /// After an epoch.
    fn epoch(&mut self, _info: &EpochInfo<T>) -> Control {
        Control::Continue
    }
}

impl<T: Real> CdObserver<T> for () {}

impl<T: Real, O: CdObserver<T> + ?Sized> CdObserver<T> for &mut O {
    fn sampling_started(&mut self, epoch: usize, batch: usize, start: &Particles<T>, reset: bool) {
        (**self).sampling_started(epoch, batch, start, reset)
    }
    fn sampler_step(&mut self, info: &StepInfo<T>, negatives: &Particles<T>) -> Control {
        (**self).sampler_step(info, negatives)
    }
    fn recovered(&mut self, epoch: usize, batch: usize, error: &crate::Error) {
        (**self).recovered(epoch, batch, error)
    }
    fn batch(&mut self, info: &BatchInfo<T>, negatives: &Particles<T>) -> Control {
        (**self).batch(info, negatives)
    }
    fn epoch(&mut self, info: &EpochInfo<T>) -> Control {
        (**self).epoch(info)
    }
}
