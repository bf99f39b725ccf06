//! What `metrics.json` records of a training run, from the trainer's counters (shared by `dw4` and `qm9`).

use equistein_candle::train::RunCounters;
use serde::Serialize;

/// The cost and end state of one combination's training.
#[derive(Debug, Clone, Serialize)]
pub struct TrainingSummary {
    /// Wall-clock seconds of training, over every resume.
    pub seconds: f64,
    /// Seconds of training spent sampling negatives.
    pub sampling_seconds: f64,
    /// Median wall time of one SVGD step during training (B negatives + B positives), in milliseconds.
    pub svgd_step_ms: f64,
    /// SVGD steps during training.
    pub svgd_steps: usize,
    /// Minibatches of training.
    pub minibatches: usize,
    /// Fresh starts of the persistent chain.
    pub resets: usize,
    /// Batches whose negative chain diverged (a NaN or infinity while sampling) and was restarted.
    pub recoveries: usize,
    /// Times training was resumed from a checkpoint.
    pub resumes: usize,
    /// Epochs trained.
    pub epochs_run: usize,
    /// The last epoch's CD loss `mean E(x⁺) − mean E(x⁻)` (NaN before the first epoch).
    pub final_cd_loss: f64,
}

impl TrainingSummary {
    /// The summary of a run's counters.
    pub fn of(counters: &RunCounters) -> Self {
        let cd_loss = counters
            .last_loss
            .map(|l| f64::from(l.positive_energy as f32 - l.negative_energy as f32))
            .unwrap_or(f64::NAN);
        TrainingSummary {
            seconds: counters.wall_seconds,
            sampling_seconds: counters.sampling_seconds,
            svgd_step_ms: counters.median_step_ms(),
            svgd_steps: counters.sampler_steps,
            minibatches: counters.minibatches,
            resets: counters.resets,
            recoveries: counters.recoveries,
            resumes: counters.resumes,
            epochs_run: counters.epochs,
            final_cd_loss: cd_loss,
        }
    }
}
