//! Contrastive-divergence training of energy-based models with persistent particle chains (Tieleman 2008) and
//! SVGD negatives, as in Jaini, Holdijk & Welling (2021), appendix D.
//!
//! Per minibatch of positives `x⁺` (size `B`):
//! 1. **start of the negative chain** ([`PersistentChain`]): with probability `p_reset` (one draw per batch), or
//!    on the first batch, start fresh ([`FreshStart`]: the positive batch, a distribution, or a closure);
//!    otherwise continue from the previous batch's final negatives;
//! 2. **sample** `x⁻` with a [`NegativeSampler`] (SVGD, E-SVGD, Langevin) from that start, the positives acting as
//!    extra repulsive particles, with the epoch's step size, up to the step limit or the displacement rule;
//! 3. **learn**: the model ([`TrainableEnergy`]) computes `∇θ [mean E(x⁺) − mean E(x⁻) + supervised]` and takes
//!    an optimizer step.
//!
//! **Divergence.** Two kinds of failure are told apart. A negative chain that produces a NaN or infinity while
//! sampling ([`crate::Error::Diverged`], with the step and the particle) is *recoverable*: the chain is emptied,
//! so the next batch starts fresh, the batch trains nothing, the observer hears of it
//! ([`CdObserver::recovered`]) and [`EpochInfo::recoveries`] counts it. A non-finite loss, or parameters that
//! [`TrainableEnergy::check_parameters`] refuses after the optimizer step, is *fatal*: training stops with
//! [`crate::Error::TrainingDiverged`] (epoch and batch), and whatever the caller checkpointed before is the
//! last good state.
//!
//! The driver ([`ContrastiveDivergence`]) is generic over the model, the sampler and the label type, reports to
//! a [`CdObserver`] (logging, progress, step timing, early stop), takes its RNG explicitly and exposes its
//! state ([`CdState`]) so that a plugin can checkpoint it at an epoch boundary and resume bit-identically.

mod chain;
mod driver;
mod negatives;
mod observer;
mod trainable;

pub use chain::{FreshStart, PersistentChain};
pub use driver::{CdConfig, CdState, ContrastiveDivergence, TrainSummary};
pub use negatives::NegativeSampler;
pub use observer::{BatchInfo, CdObserver, EpochInfo};
pub use trainable::{CdBatch, CdLoss, TrainableEnergy};
