//! What the energy-based-model experiments (`jem-c4`, `ebm-circles`) report: one record per model/sampler
//! combination, the data's reference statistics, and the rows of the picture grid.

use crate::metrics::Metrics;
use crate::plot::DensityGrid;
use equistein::Particles;
use equistein_candle::train::RunCounters;
use serde::Serialize;

/// One combination's record in `metrics.json`.
#[derive(Debug, Clone, Serialize)]
pub struct EbmRecord {
    /// Accuracy on the training data (jem-c4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub train_accuracy: Option<f64>,
    /// Accuracy on held-out data (jem-c4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_accuracy: Option<f64>,
    /// Accuracy on the held-out data rotated by random multiples of 90° (jem-c4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotated_test_accuracy: Option<f64>,
    /// Mean −log p(y | x) on the held-out data (jem-c4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_cross_entropy: Option<f64>,
    /// Samples drawn from the learned model.
    pub samples: usize,
    /// Fraction of the samples nearest to each of the 8 modes (jem-c4: class 0's four, then class 1's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode_fractions: Option<Vec<f64>>,
    /// Fraction of the samples nearest to each ring (ebm-circles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ring_fractions: Option<Vec<f64>>,
    /// The samples' spread about their nearest mode / ring divided by the data law's (jem-c4: radial and
    /// tangential; circles: per ring).
    pub spread_ratio: serde_json::Value,
    /// MMD (RBF, median bandwidth) between the samples and held-out data.
    pub mmd: f64,
    /// Spearman rank correlation between the learned energy and the true −log π on the picture grid.
    pub energy_spearman: f64,
    /// Wall-clock seconds of training, over every resume.
    pub seconds: f64,
    /// Seconds of training spent sampling negatives, over every resume.
    pub sampling_seconds: f64,
    /// Median wall time of one SVGD step during training, in milliseconds, over every resume.
    pub svgd_step_ms: f64,
    /// SVGD steps taken during training.
    pub svgd_steps: usize,
    /// Minibatches (optimizer steps) of training.
    pub minibatches: usize,
    /// Fresh starts of the persistent chain.
    pub resets: usize,
    /// Batches whose negative chain diverged (a NaN or infinity while sampling) and was restarted.
    pub recoveries: usize,
    /// Times the training was resumed from a checkpoint.
    pub resumes: usize,
    /// The mean CD loss of the last epoch (`mean E(x⁺) − mean E(x⁻)`).
    pub final_cd_loss: f64,
    /// The last epoch's supervised term.
    pub final_supervised_loss: f64,
    /// Epochs trained, over every resume.
    pub epochs_run: usize,
}

impl EbmRecord {
    /// A record with the training counters filled in and every evaluation statistic empty.
    pub fn from_counters(c: &RunCounters) -> Self {
        // The loss parts are f32 values stored exactly as f64; the CD term is their difference in f32.
        let (cd_loss, supervised) = c
            .last_loss
            .map(|l| {
                (
                    f64::from(l.positive_energy as f32 - l.negative_energy as f32),
                    l.supervised,
                )
            })
            .unwrap_or((f64::NAN, f64::NAN));
        EbmRecord {
            train_accuracy: None,
            test_accuracy: None,
            rotated_test_accuracy: None,
            test_cross_entropy: None,
            samples: 0,
            mode_fractions: None,
            ring_fractions: None,
            spread_ratio: serde_json::Value::Null,
            mmd: f64::NAN,
            energy_spearman: f64::NAN,
            seconds: c.wall_seconds,
            sampling_seconds: c.sampling_seconds,
            svgd_step_ms: c.median_step_ms(),
            svgd_steps: c.sampler_steps,
            minibatches: c.minibatches,
            resets: c.resets,
            recoveries: c.recoveries,
            resumes: c.resumes,
            final_cd_loss: cd_loss,
            final_supervised_loss: supervised,
            epochs_run: c.epochs,
        }
    }
}

/// The reference: the same statistics for held-out exact samples.
#[derive(Debug, Clone, Serialize)]
pub struct EbmReference {
    /// Training data points.
    pub data_samples: usize,
    /// Held-out data points.
    pub test_samples: usize,
    /// Mode / ring fractions of the held-out data.
    pub fractions: Vec<f64>,
    /// MMD between an exact sample of the runs' size and the held-out data (the noise floor).
    pub mmd: f64,
}

/// What the pictures need of one row.
#[derive(Debug, Clone)]
pub struct EbmRow {
    /// The row's title.
    pub name: String,
    /// Heatmaps (jem-c4: decision boundary p(y=1|x), joint, class 0, class 1; circles: joint).
    pub grids: Vec<DensityGrid>,
    /// Samples (the model's, or exact ones for the target row).
    pub samples: Particles<f64>,
}

/// The result of an EBM experiment.
#[derive(Debug, Clone)]
pub struct EbmOutcome {
    /// `metrics.json`.
    pub metrics: Metrics<EbmReference, EbmRecord>,
    /// The picture rows, the target first.
    pub rows: Vec<EbmRow>,
    /// The plotted box half-width.
    pub extent: f64,
}
