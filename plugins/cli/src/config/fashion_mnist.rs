//! Configuration of `fashion-mnist` (appendix E.3; ESVGD.md §4 and §7): joint energy models on upright
//! FashionMNIST, trained by contrastive divergence with SVGD negatives in image space, tested on upright and
//! on rotated test images.
//!
//! The presets:
//!
//! - `quick` (CI): 200 training images (20 per class), 200 test images, 1 epoch of batch 20 with 2 SVGD steps
//!   per minibatch; about 10 s for all three combinations with the debug binary.
//! - `default` (at most 45 minutes for all three combinations on 2 CPU cores): 30,000 training images
//!   (3,000 per class), 5 epochs of batch 64 (2,344 minibatches per combination), **1 SVGD step per
//!   minibatch**, all 10,000 test images, Adam 1e-3, reset 0.1 to the positives, cross-entropy weight 10 and
//!   energy penalty α = 0.1. Measured here (release build, 50 minibatches of each combination): 0.128 s per
//!   minibatch for `ebm+svgd`, 0.366 s for `eebm+svgd`, 0.358 s for `eebm+esvgd` (one SVGD step of
//!   64 + 64 images 32 / 91 / 89 ms, a learning step 0.1 / 0.27 / 0.27 s), so about 2,000 s of training and
//!   about 90 s of evaluation: an estimated 35 minutes in all (not run to the end). Why these choices:
//!   the SVGD step is the cost (the paper's 1,000 steps per minibatch would take about 90 s per minibatch
//!   here), and with kernels this narrow in 784 dimensions (`‖x − y‖² / (2h²)` is in the thousands for
//!   distinct images) each negative moves by `ε/(2B) ∇ₓ log p` per step, about 6 · 10⁻⁴ of the score, so a few
//!   steps leave the negatives near where they started; probes of the steerable model on 6,000 images with
//!   1 step per minibatch (1,000 test images): after 282 minibatches, reset 0.1 with the appendix's unweighted
//!   loss collapsed to 0.11 accuracy (the persistent negatives are the previous minibatch's data, so the CD
//!   term raises the energy of real images), cross-entropy weight 10 with α = 0.1 reached 0.585, gradient
//!   clipping at 1 with α = 0.1 0.520, a fresh chain at every minibatch (reset 1) 0.656, cross-entropy
//!   alone 0.456 after 94 minibatches; restarts from uniform noise diverged without the penalty. One epoch of
//!   `default` for `eebm+svgd` alone (469 minibatches) took 155.8 s and reached accuracy 0.740 on 2,000 test
//!   images, upright and rotated alike; the full five epochs (0.80 or not) were not run here.
//! - `paper` (for a GPU): all 60,000 training images, 300 epochs, batch 64, 1,000 SVGD steps per minibatch for
//!   the equivariant sampler and 3,000 for vanilla SVGD (`svgd_steps`), all 10,000 test images, the
//!   unweighted loss.

use super::common::{count, nonnegative, positive, MAX_COUNT, MAX_STEPS};
use super::ebm::{combination_list, Combination};
use super::{ConfigError, Preset};
use serde::{Deserialize, Serialize};

/// Where the models run.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ComputeDevice {
    /// The CPU (every part of the experiment).
    Cpu,
    /// candle's CUDA backend, device 0; only in a binary built with `--features cuda` (see the experiment's
    /// documentation for what runs there).
    Cuda,
}

impl ComputeDevice {
    /// The name used in the configuration.
    pub fn name(self) -> &'static str {
        match self {
            ComputeDevice::Cpu => "cpu",
            ComputeDevice::Cuda => "cuda",
        }
    }
}

/// Where a fresh persistent chain starts.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum FreshStart {
    /// At the minibatch's positives (the toy EBMs of the paper).
    Positives,
    /// Noise images, uniform on `[0, 1)^784` (JEM's restart).
    Noise,
}

/// How the learned models are sampled for the class-conditional pictures.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FashionEvaluation {
    /// Samples per class: one chain of this many particles samples `exp(f_y(x))` for each class `y`.
    pub samples_per_class: usize,
    /// SVGD steps of each chain, started uniform on `[0, 1)^784`.
    pub steps: usize,
    /// The chains' step size.
    pub step_size: f64,
    /// Images classified per batch (bounds the memory of evaluation).
    pub batch: usize,
}

/// `fashion-mnist`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FashionMnistConfig {
    /// The combinations trained (`ebm+svgd`: plain CNN with RBF SVGD; `eebm+svgd`: the C4-steerable CNN with
    /// RBF SVGD; `eebm+esvgd`: the steerable CNN with the RBF kernel averaged over the image rotations).
    pub combinations: Vec<Combination>,
    /// The FashionMNIST folder (the four official IDX files), relative to the working directory;
    /// `../shared/data/fashion_mnist` beside the project by default.
    pub data_dir: String,
    /// Training images, the same number of each class drawn at random (a multiple of 10; 0: all 60,000).
    pub train_images: usize,
    /// Test images, the same number of each class drawn at random (a multiple of 10; 0: all 10,000); each is
    /// also classified turned by a random multiple of 90°.
    pub test_images: usize,
    /// Epochs of training.
    pub epochs: usize,
    /// Positives per minibatch; the persistent chain has as many negatives.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Global gradient-norm clipping (0: none).
    pub clip: f64,
    /// Weight of the cross-entropy term beside the CD term (the appendix: 1, an unweighted sum).
    pub supervised_weight: f64,
    /// L2 penalty `α (mean E(x⁺)² + mean E(x⁻)²)` on the energies (0: none).
    pub energy_penalty: f64,
    /// RBF bandwidth h of vanilla SVGD (`k(x, y) = exp(−‖x − y‖² / (2h²))`).
    pub bandwidth: f64,
    /// Bandwidth of the RBF kernel of E-SVGD, averaged over the four rotations of an image:
    /// `k_G(x, y) = ¼ Σ_{r=0}^{3} exp(−‖x − rot^r y‖² / (2h²))`.
    pub esvgd_bandwidth: f64,
    /// SVGD steps per minibatch with the equivariant kernel (`eebm+esvgd`).
    pub esvgd_steps: usize,
    /// SVGD steps per minibatch with the RBF kernel (`ebm+svgd`, `eebm+svgd`).
    pub svgd_steps: usize,
    /// The sampler's step size.
    pub step_size: f64,
    /// Probability of restarting the persistent chain.
    pub reset_probability: f64,
    /// Where a restarted chain starts: `positives` or `noise`.
    pub fresh_start: FreshStart,
    /// Write a checkpoint every this many epochs (0: never); `--resume` continues from it.
    pub checkpoint_every: usize,
    /// `cpu` or `cuda` (a binary built with `--features cuda`).
    pub device: ComputeDevice,
    /// Evaluation settings.
    pub evaluation: FashionEvaluation,
}

impl FashionMnistConfig {
    /// The preset (see the module documentation).
    pub fn preset(p: Preset) -> Self {
        FashionMnistConfig {
            combinations: Combination::ALL.to_vec(),
            data_dir: "../shared/data/fashion_mnist".into(),
            train_images: match p {
                Preset::Quick => 200,
                Preset::Default => 30_000,
                Preset::Paper => 0,
            },
            test_images: match p {
                Preset::Quick => 200,
                _ => 0,
            },
            epochs: match p {
                Preset::Quick => 1,
                Preset::Default => 5,
                Preset::Paper => 300,
            },
            batch_size: match p {
                Preset::Quick => 20,
                _ => 64,
            },
            learning_rate: 1e-3,
            clip: 0.0,
            supervised_weight: match p {
                Preset::Default => 10.0,
                _ => 1.0,
            },
            energy_penalty: match p {
                Preset::Default => 0.1,
                _ => 0.0,
            },
            bandwidth: 0.1,
            esvgd_bandwidth: 0.005,
            esvgd_steps: match p {
                Preset::Quick => 2,
                Preset::Default => 1,
                Preset::Paper => 1_000,
            },
            svgd_steps: match p {
                Preset::Quick => 2,
                Preset::Default => 1,
                Preset::Paper => 3_000,
            },
            step_size: 0.08,
            reset_probability: 0.1,
            fresh_start: FreshStart::Positives,
            checkpoint_every: 1,
            device: ComputeDevice::Cpu,
            evaluation: FashionEvaluation {
                samples_per_class: match p {
                    Preset::Quick => 4,
                    _ => 8,
                },
                steps: match p {
                    Preset::Quick => 10,
                    Preset::Default => 200,
                    Preset::Paper => 1_000,
                },
                step_size: 0.08,
                batch: 500,
            },
        }
    }

    /// The SVGD steps per minibatch of `combination`.
    pub fn steps_of(&self, combination: Combination) -> usize {
        if combination.equivariant_sampler() {
            self.esvgd_steps
        } else {
            self.svgd_steps
        }
    }

    /// What a checkpoint depends on: the data and every training setting, not the evaluation, the test set,
    /// the list of combinations, the checkpoint schedule or the device, so that `--resume` after a finished run
    /// evaluates the trained models again without training.
    pub fn training_identity(&self) -> FashionTraining<'_> {
        FashionTraining {
            data_dir: &self.data_dir,
            train_images: self.train_images,
            epochs: self.epochs,
            batch_size: self.batch_size,
            learning_rate: self.learning_rate,
            clip: self.clip,
            supervised_weight: self.supervised_weight,
            energy_penalty: self.energy_penalty,
            bandwidth: self.bandwidth,
            esvgd_bandwidth: self.esvgd_bandwidth,
            esvgd_steps: self.esvgd_steps,
            svgd_steps: self.svgd_steps,
            step_size: self.step_size,
            reset_probability: self.reset_probability,
            fresh_start: self.fresh_start,
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        combination_list(&self.combinations)?;
        if self.data_dir.is_empty() {
            return Err(ConfigError::new("`data_dir` must not be empty".into()));
        }
        for (key, n, all) in [
            ("train_images", self.train_images, 60_000),
            ("test_images", self.test_images, 10_000),
        ] {
            if n != 0 && (n % 10 != 0 || n > all) {
                return Err(ConfigError::new(format!(
                    "`{key}` must be 0 (all) or a multiple of 10 up to {all} (the same number of each \
                     class), got {n}"
                )));
            }
        }
        count("epochs", self.epochs, 1, MAX_STEPS)?;
        count("batch_size", self.batch_size, 2, MAX_COUNT)?;
        let train = if self.train_images == 0 {
            60_000
        } else {
            self.train_images
        };
        if self.batch_size > train {
            return Err(ConfigError::new(format!(
                "`batch_size` ({}) exceeds the training images ({train})",
                self.batch_size
            )));
        }
        positive("learning_rate", self.learning_rate)?;
        nonnegative("clip", self.clip)?;
        nonnegative("supervised_weight", self.supervised_weight)?;
        nonnegative("energy_penalty", self.energy_penalty)?;
        positive("bandwidth", self.bandwidth)?;
        positive("esvgd_bandwidth", self.esvgd_bandwidth)?;
        count("esvgd_steps", self.esvgd_steps, 1, MAX_STEPS)?;
        count("svgd_steps", self.svgd_steps, 1, MAX_STEPS)?;
        positive("step_size", self.step_size)?;
        if !(0.0..=1.0).contains(&self.reset_probability) {
            return Err(ConfigError::new(format!(
                "`reset_probability` must lie in [0, 1], got {}",
                self.reset_probability
            )));
        }
        if self.device == ComputeDevice::Cuda && !cfg!(feature = "cuda") {
            return Err(ConfigError::new(
                "`device = \"cuda\"` needs a binary built with the `cuda` feature \
                 (cargo build --release -p equistein-cli --features cuda); this one has only the CPU"
                    .into(),
            ));
        }
        let e = &self.evaluation;
        count(
            "evaluation.samples_per_class",
            e.samples_per_class,
            1,
            1_000,
        )?;
        count("evaluation.steps", e.steps, 1, MAX_STEPS)?;
        positive("evaluation.step_size", e.step_size)?;
        count("evaluation.batch", e.batch, 1, 100_000)?;
        Ok(())
    }
}

/// The training part of a [`FashionMnistConfig`] ([`FashionMnistConfig::training_identity`]), written into
/// checkpoints.
#[derive(Serialize, Debug)]
pub struct FashionTraining<'a> {
    data_dir: &'a str,
    train_images: usize,
    epochs: usize,
    batch_size: usize,
    learning_rate: f64,
    clip: f64,
    supervised_weight: f64,
    energy_penalty: f64,
    bandwidth: f64,
    esvgd_bandwidth: f64,
    esvgd_steps: usize,
    svgd_steps: usize,
    step_size: f64,
    reset_probability: f64,
    fresh_start: FreshStart,
}
