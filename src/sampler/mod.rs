//! Samplers: move a particle set toward a target, one step at a time, with observers that see every step.
//!
//! - [`Svgd`]: Stein variational gradient descent, generic over the [`crate::Kernel`] (E-SVGD is SVGD with an
//!   invariant kernel), built by [`SvgdBuilder`]: step-size [`StepSchedule`], repulsion form, [`Update`] rule
//!   (plain, Adagrad, Adam), noise, cyclical [`Annealing`], fixed repulsive positives.
//! - [`Langevin`]: the unadjusted Langevin algorithm, a baseline.

mod langevin;
mod schedule;
mod svgd;
mod update;

pub use langevin::Langevin;
pub use schedule::{Annealing, StepSchedule};
pub use svgd::{Svgd, SvgdBuilder};
pub use update::Update;

use crate::energy::Energy;
use crate::error::{Error, Result};
use crate::particles::Particles;
use crate::real::Real;
use rand_core::RngCore;

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepInfo<T> {
    /// The step's index, from 0.
    pub step: usize,
    /// `mean_i ‖x_i^new − x_i^old‖₂`, the quantity of the displacement stopping rule.
    pub mean_displacement: T,
    /// The step size used.
    pub step_size: T,
}

/// An observer's verdict after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Go on.
    Continue,
    /// Stop after this step.
    Stop,
}

/// Sees every step of a run (progress bars, metric logging, early stopping).
pub trait Observer<T: Real> {
    /// Called after each step with the step's summary and the particles after it.
    fn observe(&mut self, info: &StepInfo<T>, particles: &Particles<T>) -> Control;
}

impl<T: Real> Observer<T> for () {
    fn observe(&mut self, _: &StepInfo<T>, _: &Particles<T>) -> Control {
        Control::Continue
    }
}

impl<T: Real, F: FnMut(&StepInfo<T>, &Particles<T>) -> Control> Observer<T> for F {
    fn observe(&mut self, info: &StepInfo<T>, particles: &Particles<T>) -> Control {
        self(info, particles)
    }
}

/// When a run stops.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RunLimits<T> {
    /// The step limit.
    pub max_steps: usize,
    /// Stop when the mean displacement of a step falls below this (the authors' rule); `None` disables it.
    pub tolerance: Option<T>,
}

impl<T> RunLimits<T> {
    /// Exactly `max_steps` steps.
    pub fn steps(max_steps: usize) -> Self {
        RunLimits {
            max_steps,
            tolerance: None,
        }
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The step limit was reached.
    MaxSteps,
    /// The mean displacement fell below the tolerance.
    Converged,
    /// An observer asked to stop.
    Observer,
}

/// The outcome of [`Sampler::run`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunSummary<T> {
    /// Steps taken.
    pub steps: usize,
    /// The last step's mean displacement.
    pub last_displacement: T,
    /// Why it stopped.
    pub reason: StopReason,
}

/// A particle sampler.
pub trait Sampler<T: Real> {
    /// Moves `particles` one step toward `exp(−energy)`.
    fn step<E: Energy<T> + ?Sized, R: RngCore + ?Sized>(
        &mut self,
        energy: &E,
        particles: &mut Particles<T>,
        rng: &mut R,
    ) -> Result<StepInfo<T>>;

    /// Forgets any per-run state (optimizer moments, step counter) so that the next step starts a new run.
    fn reset(&mut self);

    /// Steps until the step limit, the displacement rule or an observer stops the run.
    fn run<E: Energy<T> + ?Sized, R: RngCore + ?Sized, O: Observer<T> + ?Sized>(
        &mut self,
        energy: &E,
        particles: &mut Particles<T>,
        rng: &mut R,
        limits: RunLimits<T>,
        observer: &mut O,
    ) -> Result<RunSummary<T>> {
        let mut summary = RunSummary {
            steps: 0,
            last_displacement: T::zero(),
            reason: StopReason::MaxSteps,
        };
        while summary.steps < limits.max_steps {
            let info = self.step(energy, particles, rng)?;
            summary.steps += 1;
            summary.last_displacement = info.mean_displacement;
            if observer.observe(&info, particles) == Control::Stop {
                summary.reason = StopReason::Observer;
                break;
            }
            if let Some(tol) = limits.tolerance {
                if info.mean_displacement < tol {
                    summary.reason = StopReason::Converged;
                    break;
                }
            }
        }
        Ok(summary)
    }
}

/// The error of a move that left a coordinate non-finite at `step`: `first_bad` is the first such
/// `(particle, coordinate)`, if any (shared by the samplers' update loops).
pub(crate) fn check_moved(step: usize, first_bad: Option<(usize, usize)>) -> Result<()> {
    match first_bad {
        Some((particle, coordinate)) => Err(Error::Diverged {
            what: "particles after the move",
            step,
            particle,
            coordinate,
        }),
        None => Ok(()),
    }
}
