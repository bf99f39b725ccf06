//! Observers of a training run: progress, per-epoch metrics, early stopping; and a schedule for them.

use super::counters::RunCounters;
use equistein::cd::{BatchInfo, EpochInfo};
use equistein::real::Real;
use equistein::Control;
use std::path::Path;

/// What an observer is told after each epoch.
#[derive(Debug, Clone, Copy)]
pub struct EpochReport<'a, T: Real> {
    /// The core driver's summary of the epoch (its number, batches, mean loss, sampler steps, resets).
    pub info: &'a EpochInfo<T>,
    /// The whole run's counters after the epoch.
    pub counters: &'a RunCounters,
    /// The epochs the run is configured for.
    pub total_epochs: usize,
}

/// Sees a training run; every method has a do-nothing default.
///
/// Training stops early when [`TrainObserver::epoch`] or [`TrainObserver::checkpoint`] returns
/// [`Control::Stop`]: the trainer then writes its end-of-run checkpoint (if it has checkpoints) and returns.
/// Stops act at epoch boundaries only, so that a stopped run resumes bit-identically.
pub trait TrainObserver<T: Real> {
    /// Before the first epoch of [`super::Trainer::run`], with the counters so far (non-zero after a resume).
    fn started(&mut self, _counters: &RunCounters, _total_epochs: usize) {}
    /// After each minibatch's optimizer step.
    fn batch(&mut self, _info: &BatchInfo<T>) {}
    /// After each epoch.
    fn epoch(&mut self, _report: &EpochReport<'_, T>) -> Control {
        Control::Continue
    }
    /// After a checkpoint was written at `path`, `epochs` epochs into the run.
    fn checkpoint(&mut self, _path: &Path, _epochs: usize) -> Control {
        Control::Continue
    }
    /// When [`super::Trainer::run`] returns successfully.
    fn finished(&mut self, _counters: &RunCounters) {}
}

impl<T: Real> TrainObserver<T> for () {}

impl<T: Real, O: TrainObserver<T> + ?Sized> TrainObserver<T> for &mut O {
    fn started(&mut self, counters: &RunCounters, total: usize) {
        (**self).started(counters, total)
    }
    fn batch(&mut self, info: &BatchInfo<T>) {
        (**self).batch(info)
    }
    fn epoch(&mut self, report: &EpochReport<'_, T>) -> Control {
        (**self).epoch(report)
    }
    fn checkpoint(&mut self, path: &Path, epochs: usize) -> Control {
        (**self).checkpoint(path, epochs)
    }
    fn finished(&mut self, counters: &RunCounters) {
        (**self).finished(counters)
    }
}

fn either(a: Control, b: Control) -> Control {
    if a == Control::Stop || b == Control::Stop {
        Control::Stop
    } else {
        Control::Continue
    }
}

/// Two observers: both see everything; either can stop.
impl<T: Real, A: TrainObserver<T>, B: TrainObserver<T>> TrainObserver<T> for (A, B) {
    fn started(&mut self, counters: &RunCounters, total: usize) {
        self.0.started(counters, total);
        self.1.started(counters, total);
    }
    fn batch(&mut self, info: &BatchInfo<T>) {
        self.0.batch(info);
        self.1.batch(info);
    }
    fn epoch(&mut self, report: &EpochReport<'_, T>) -> Control {
        either(self.0.epoch(report), self.1.epoch(report))
    }
    fn checkpoint(&mut self, path: &Path, epochs: usize) -> Control {
        either(
            self.0.checkpoint(path, epochs),
            self.1.checkpoint(path, epochs),
        )
    }
    fn finished(&mut self, counters: &RunCounters) {
        self.0.finished(counters);
        self.1.finished(counters);
    }
}

/// Runs an observer's [`TrainObserver::epoch`] on a schedule: after every `k`-th epoch of the run (counted
/// over resumes) and after the last; every other call is forwarded as it comes.
#[derive(Debug, Clone)]
pub struct Every<O> {
    every: usize,
    inner: O,
}

impl<O> Every<O> {
    /// `inner`'s epoch reports every `every ≥ 1` epochs (0 is taken as 1).
    pub fn new(every: usize, inner: O) -> Self {
        Every {
            every: every.max(1),
            inner,
        }
    }

    /// The wrapped observer.
    pub fn into_inner(self) -> O {
        self.inner
    }
}

impl<T: Real, O: TrainObserver<T>> TrainObserver<T> for Every<O> {
    fn started(&mut self, counters: &RunCounters, total: usize) {
        self.inner.started(counters, total)
    }
    fn batch(&mut self, info: &BatchInfo<T>) {
        self.inner.batch(info)
    }
    fn epoch(&mut self, report: &EpochReport<'_, T>) -> Control {
        let done = report.counters.epochs;
        if done.is_multiple_of(self.every) || done >= report.total_epochs {
            self.inner.epoch(report)
        } else {
            Control::Continue
        }
    }
    fn checkpoint(&mut self, path: &Path, epochs: usize) -> Control {
        self.inner.checkpoint(path, epochs)
    }
    fn finished(&mut self, counters: &RunCounters) {
        self.inner.finished(counters)
    }
}

/// Stops the run after `n` checkpoints were written (for tests of kill-and-resume, and for time-boxed jobs).
#[derive(Debug, Clone, Copy)]
pub struct StopAfterCheckpoints {
    left: usize,
}

impl StopAfterCheckpoints {
    /// Stops after the `n`-th checkpoint of this call to [`super::Trainer::run`].
    pub fn new(n: usize) -> Self {
        StopAfterCheckpoints { left: n }
    }
}

impl<T: Real> TrainObserver<T> for StopAfterCheckpoints {
    fn checkpoint(&mut self, _path: &Path, _epochs: usize) -> Control {
        self.left = self.left.saturating_sub(1);
        if self.left == 0 {
            Control::Stop
        } else {
            Control::Continue
        }
    }
}
