//! Samplers that can produce the negatives of contrastive divergence.

use crate::error::Result;
use crate::kernel::Kernel;
use crate::particles::Particles;
use crate::real::Real;
use crate::sampler::{Langevin, Sampler, StepSchedule, Svgd};

/// A [`Sampler`] the contrastive-divergence driver can reconfigure before each batch: the positives as extra
/// repulsive particles, and the epoch's step size.
pub trait NegativeSampler<T: Real>: Sampler<T> {
    /// Sets (or with `None` removes) the fixed repulsive particles.
    fn set_repulsive(&mut self, positives: Option<Particles<T>>) -> Result<()>;
    /// Sets a constant step size `ε > 0` for the next run.
    fn set_step_size(&mut self, eps: T) -> Result<()>;
}

impl<T: Real, K: Kernel<T>> NegativeSampler<T> for Svgd<T, K> {
    fn set_repulsive(&mut self, positives: Option<Particles<T>>) -> Result<()> {
        self.set_positives(positives)
    }
    fn set_step_size(&mut self, eps: T) -> Result<()> {
        self.set_schedule(StepSchedule::Constant(eps))
    }
}

/// Langevin particles do not interact: the positives play no role and are ignored.
impl<T: Real> NegativeSampler<T> for Langevin<T> {
    fn set_repulsive(&mut self, _positives: Option<Particles<T>>) -> Result<()> {
        Ok(())
    }
    fn set_step_size(&mut self, eps: T) -> Result<()> {
        *self = Langevin::new(eps)?;
        Ok(())
    }
}
