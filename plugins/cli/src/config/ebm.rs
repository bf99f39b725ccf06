//! Configurations of the energy-based-model experiments `jem-c4` and `ebm-circles` (ESVGD.md §4).

use super::common::{count, nonnegative, positive, MAX_COUNT, MAX_STEPS};
use super::{ConfigError, Preset};
use serde::{Deserialize, Serialize};

/// The model/sampler combinations compared (names fixed by the issue).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Combination {
    /// A regular EBM with vanilla SVGD negatives.
    #[serde(rename = "ebm+svgd")]
    EbmSvgd,
    /// An equivariant EBM (invariant wrapper) with vanilla SVGD negatives.
    #[serde(rename = "eebm+svgd")]
    EebmSvgd,
    /// An equivariant EBM with equivariant SVGD negatives (invariant kernel).
    #[serde(rename = "eebm+esvgd")]
    EebmEsvgd,
}

impl Combination {
    /// All three, in the figure's order.
    pub const ALL: [Combination; 3] = [
        Combination::EbmSvgd,
        Combination::EebmSvgd,
        Combination::EebmEsvgd,
    ];

    /// The name used in metrics and pictures.
    pub fn name(self) -> &'static str {
        match self {
            Combination::EbmSvgd => "ebm+svgd",
            Combination::EebmSvgd => "eebm+svgd",
            Combination::EebmEsvgd => "eebm+esvgd",
        }
    }

    /// Whether the model is the equivariant one.
    pub fn equivariant_model(self) -> bool {
        self != Combination::EbmSvgd
    }

    /// Whether the sampler uses the invariant kernel.
    pub fn equivariant_sampler(self) -> bool {
        self == Combination::EebmEsvgd
    }
}

/// How the learned models are evaluated.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EbmEvaluation {
    /// Samples drawn from each learned model (in independent chains of `chain_size` particles).
    pub samples: usize,
    /// Particles per sampling chain (the authors: 64).
    pub chain_size: usize,
    /// SVGD steps per chain.
    pub steps: usize,
    /// The step size of the evaluation chains.
    pub step_size: f64,
    /// Chains start uniform on `[−box, box)²`.
    pub init_box: f64,
    /// Held-out data points (test set and MMD reference).
    pub test_samples: usize,
    /// Grid cells per side for pictures and the energy rank correlation.
    pub grid: usize,
}

/// `jem-c4` or `ebm-circles`: contrastive-divergence training of three model/sampler combinations.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EbmConfig {
    /// The combinations trained (`ebm+svgd`, `eebm+svgd`, `eebm+esvgd`).
    pub combinations: Vec<Combination>,
    /// Training data points (half per class or ring).
    pub data_samples: usize,
    /// Epochs of training.
    pub epochs: usize,
    /// Positives per minibatch; the persistent chain has as many negatives.
    pub batch_size: usize,
    /// Hidden widths of the MLP.
    pub hidden: Vec<usize>,
    /// Adam's learning rate before the first milestone.
    pub learning_rate: f64,
    /// Learning-rate milestones `[epoch, rate]`.
    pub learning_rate_steps: Vec<(usize, f64)>,
    /// RBF bandwidth h of the vanilla-SVGD kernel.
    pub bandwidth: f64,
    /// RBF bandwidth h of the invariant kernel of E-SVGD.
    pub esvgd_bandwidth: f64,
    /// The sampler's step limit per minibatch.
    pub max_steps: usize,
    /// The sampler's step size before the first milestone.
    pub step_size: f64,
    /// Step-size milestones `[epoch, size]`.
    pub step_size_steps: Vec<(usize, f64)>,
    /// Stop a minibatch's sampling when the mean displacement falls below this (0: never).
    pub tolerance: f64,
    /// Probability of restarting the persistent chain from the positives.
    pub reset_probability: f64,
    /// Weight of the supervised term (cross-entropy for jem-c4, regression on −log π for ebm-circles).
    pub supervised_weight: f64,
    /// L2 penalty on the energies (0: none).
    pub energy_penalty: f64,
    /// Global gradient-norm clipping (0: none).
    pub clip: f64,
    /// Write a checkpoint every this many epochs (0: never); `--resume` continues from it.
    pub checkpoint_every: usize,
    /// Evaluation settings.
    pub evaluation: EbmEvaluation,
}

fn evaluation(p: Preset, init_box: f64) -> EbmEvaluation {
    EbmEvaluation {
        samples: match p {
            Preset::Quick => 256,
            _ => 1024,
        },
        chain_size: 64,
        // SVGD with a bandwidth this small barely couples the particles, so each moves by ε s(x) / n: the
        // evaluation chains use the training step size and several thousand steps.
        steps: match p {
            Preset::Quick => 200,
            _ => 5_000,
        },
        step_size: 0.9,
        init_box,
        test_samples: match p {
            Preset::Quick => 256,
            _ => 1_000,
        },
        grid: match p {
            Preset::Quick => 40,
            _ => 80,
        },
    }
}

impl EbmConfig {
    /// `jem-c4` (ESVGD.md §4: MLP 2→32→64→64→64→32→2, Adam 1e-3, batch 32, 32 negatives, h 0.1, step 0.9,
    /// ≤ 10,000 steps, stop 1e-4, reset 0.05, 500 epochs). `default` keeps the particles and models and cuts
    /// epochs and the step cap to fit 15 minutes on a 2-core CPU.
    pub fn jem_c4(p: Preset) -> Self {
        EbmConfig {
            combinations: Combination::ALL.to_vec(),
            data_samples: 128,
            epochs: match p {
                Preset::Quick => 3,
                Preset::Default => 150,
                Preset::Paper => 500,
            },
            batch_size: 32,
            hidden: vec![32, 64, 64, 64, 32],
            learning_rate: 1e-3,
            learning_rate_steps: vec![],
            bandwidth: 0.1,
            esvgd_bandwidth: 0.1,
            max_steps: match p {
                Preset::Quick => 50,
                Preset::Default => 1_000,
                Preset::Paper => 10_000,
            },
            step_size: 0.9,
            step_size_steps: vec![],
            tolerance: 1e-4,
            reset_probability: 0.05,
            supervised_weight: 1.0,
            energy_penalty: 0.0,
            clip: 0.0,
            checkpoint_every: 10,
            evaluation: evaluation(p, 20.0),
        }
    }

    /// `ebm-circles` (ESVGD.md §4: the same MLP with one output and `log(1 + o²)`, Adam 1e-3 → 5e-4 (150) →
    /// 1e-4 (400), h 0.05, 10,000 steps, step 0.9 → 0.5 (250) → 0.1 (400), reset 0.05, regression weight 0.5).
    pub fn ebm_circles(p: Preset) -> Self {
        let (epochs, scale) = match p {
            Preset::Quick => (3, 0.0),
            Preset::Default => (100, 0.2),
            Preset::Paper => (500, 1.0),
        };
        // The paper's milestones scaled to the preset's epochs; none in `quick`.
        let at = |e: f64| ((e * scale) as usize).max(1);
        let steps = |m: &[(f64, f64)]| -> Vec<(usize, f64)> {
            if scale == 0.0 {
                Vec::new()
            } else {
                m.iter().map(|&(e, v)| (at(e), v)).collect()
            }
        };
        EbmConfig {
            combinations: Combination::ALL.to_vec(),
            data_samples: 128,
            epochs,
            batch_size: 32,
            hidden: vec![32, 64, 64, 64, 32],
            learning_rate: 1e-3,
            learning_rate_steps: steps(&[(150.0, 5e-4), (400.0, 1e-4)]),
            bandwidth: 0.05,
            esvgd_bandwidth: 0.05,
            max_steps: match p {
                Preset::Quick => 50,
                Preset::Default => 500,
                Preset::Paper => 10_000,
            },
            step_size: 0.9,
            step_size_steps: steps(&[(250.0, 0.5), (400.0, 0.1)]),
            tolerance: 0.0,
            reset_probability: 0.05,
            supervised_weight: 0.5,
            energy_penalty: 0.0,
            clip: 0.0,
            checkpoint_every: 10,
            evaluation: evaluation(p, 13.0),
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        combination_list(&self.combinations)?;
        count("data_samples", self.data_samples, 2, MAX_COUNT)?;
        count("epochs", self.epochs, 1, MAX_STEPS)?;
        count("batch_size", self.batch_size, 2, MAX_COUNT)?;
        if self.hidden.is_empty() || self.hidden.iter().any(|&h| h == 0 || h > 4096) {
            return Err(ConfigError::new(format!(
                "`hidden` must list widths in 1..=4096, got {:?}",
                self.hidden
            )));
        }
        positive("learning_rate", self.learning_rate)?;
        milestones("learning_rate_steps", &self.learning_rate_steps)?;
        positive("bandwidth", self.bandwidth)?;
        positive("esvgd_bandwidth", self.esvgd_bandwidth)?;
        count("max_steps", self.max_steps, 1, MAX_STEPS)?;
        positive("step_size", self.step_size)?;
        milestones("step_size_steps", &self.step_size_steps)?;
        nonnegative("tolerance", self.tolerance)?;
        if !(0.0..=1.0).contains(&self.reset_probability) {
            return Err(ConfigError::new(format!(
                "`reset_probability` must lie in [0, 1], got {}",
                self.reset_probability
            )));
        }
        nonnegative("supervised_weight", self.supervised_weight)?;
        nonnegative("energy_penalty", self.energy_penalty)?;
        nonnegative("clip", self.clip)?;
        let e = &self.evaluation;
        count("evaluation.samples", e.samples, 2, MAX_COUNT)?;
        count("evaluation.chain_size", e.chain_size, 2, MAX_COUNT)?;
        count("evaluation.steps", e.steps, 1, MAX_STEPS)?;
        positive("evaluation.step_size", e.step_size)?;
        positive("evaluation.init_box", e.init_box)?;
        count("evaluation.test_samples", e.test_samples, 2, MAX_COUNT)?;
        count("evaluation.grid", e.grid, 4, 1_000)?;
        Ok(())
    }
}

pub(super) fn milestones(key: &str, m: &[(usize, f64)]) -> Result<(), ConfigError> {
    for (i, &(e, v)) in m.iter().enumerate() {
        positive(&format!("{key}[{i}]"), v)?;
        if i > 0 && m[i - 1].0 >= e {
            return Err(ConfigError::new(format!(
                "`{key}` epochs must increase strictly, found {} then {e}",
                m[i - 1].0
            )));
        }
    }
    Ok(())
}

/// Checks a list of combinations: at least one, none twice.
pub fn combination_list(combinations: &[Combination]) -> Result<(), ConfigError> {
    if combinations.is_empty() {
        return Err(ConfigError::new(
            "`combinations` must list at least one of ebm+svgd, eebm+svgd, eebm+esvgd".into(),
        ));
    }
    for (i, c) in combinations.iter().enumerate() {
        if combinations[..i].contains(c) {
            return Err(ConfigError::new(format!(
                "`combinations` lists `{}` twice",
                c.name()
            )));
        }
    }
    Ok(())
}
