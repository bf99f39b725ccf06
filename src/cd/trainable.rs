//! The trait a model implements to be trained by contrastive divergence.

use crate::energy::Energy;
use crate::error::Result;
use crate::particles::Particles;
use crate::real::Real;

/// One minibatch of contrastive-divergence training.
#[derive(Debug, Clone, Copy)]
pub struct CdBatch<'a, T: Real, L> {
    /// The positives `x⁺` (data), `d × B`.
    pub positives: &'a Particles<T>,
    /// One label per positive (class index, regression target, or `()`), for the supervised term.
    pub labels: &'a [L],
    /// The negatives `x⁻` sampled from the current model.
    pub negatives: &'a Particles<T>,
    /// The epoch, from 0 (for learning-rate schedules).
    pub epoch: usize,
}

/// The parts of one minibatch's loss, as computed before the optimizer step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CdLoss<T> {
    /// `mean E(x⁺)`.
    pub positive_energy: T,
    /// `mean E(x⁻)`.
    pub negative_energy: T,
    /// The supervised term (cross-entropy, weighted regression error, …; 0 without one).
    pub supervised: T,
    /// Any regularizer (for example an L2 penalty on the energies; 0 without one).
    pub regularizer: T,
    /// `positive_energy − negative_energy + supervised + regularizer`.
    pub total: T,
}

impl<T: Real> CdLoss<T> {
    /// The contrastive-divergence term `mean E(x⁺) − mean E(x⁻)`.
    pub fn contrastive(&self) -> T {
        self.positive_energy - self.negative_energy
    }
}

/// An energy with parameters `θ` that contrastive divergence can train.
///
/// The loss of one minibatch is
///
/// `L(θ) = (1/B) Σ_i E_θ(x⁺_i) − (1/B′) Σ_j E_θ(x⁻_j) + S_θ(x⁺, y) + R_θ`
///
/// with `S` an optional supervised term on the labelled positives and `R` an optional regularizer. The negatives
/// are treated as constants (no gradient flows through the sampler). [`TrainableEnergy::cd_gradient`] evaluates
/// `L` and stores `∇θ L`; [`TrainableEnergy::apply_gradient`] takes one optimizer step with it.
///
/// Plugins implement it for neural networks (`equistein-candle`); a plain Rust model works as well, e.g. a
/// Gaussian `E(x) = ½ e^a ‖x − μ‖²` with `∇_μ E = −e^a (x − μ)` and `∂_a E = ½ e^a ‖x − μ‖²`.
pub trait TrainableEnergy<T: Real>: Energy<T> {
    /// The label of a positive: `usize` for a class, `T` for a regression target, `()` for none.
    type Label;

    /// Evaluates the loss of `batch` and stores its gradient `∇θ L` for the next
    /// [`TrainableEnergy::apply_gradient`].
    fn cd_gradient(&mut self, batch: &CdBatch<'_, T, Self::Label>) -> Result<CdLoss<T>>;

    /// One optimizer step with the stored gradient; `epoch` drives learning-rate schedules.
    fn apply_gradient(&mut self, epoch: usize) -> Result<()>;

    /// Checks the parameters after [`TrainableEnergy::apply_gradient`]: an error (say which parameter holds a
    /// NaN or infinity) makes the driver stop with [`crate::Error::TrainingDiverged`]. The default accepts
    /// everything; a model that can diverge should override it.
    fn check_parameters(&self) -> Result<()> {
        Ok(())
    }
}
