//! Configuration of the `qm9` experiment (appendix E.2; ESVGD.md §4 and §6): an E(3)-invariant EGNN energy
//! of C5H8O molecules trained by contrastive divergence on the 35 isomers of QM9's training split, sampled by
//! E-SVGD over the 3-D canonical frame (`eebm+esvgd`) or by vanilla SVGD (`eebm+svgd`, the ablation), the
//! samples turned into molecular graphs by bond estimation and scored against QM9's 48 C5H8O isomers.

use super::common::{count, nonnegative, positive, MAX_COUNT, MAX_STEPS};
use super::ebm::{combination_list, milestones, Combination};
use super::{ConfigError, Preset};
use serde::{Deserialize, Serialize};

/// The EGNN's energy head: from its scalar output `o` to `E`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qm9Head {
    /// The paper's `E = log(1 + o²)` (`E ≥ 0`; `exp(−E)` has heavy tails in `o`).
    #[serde(rename = "log1p-square")]
    LogOnePlusSquare,
    /// `E = o` (Du & Mordatch 2019), kept bounded by `energy_penalty`.
    #[serde(rename = "linear")]
    Linear,
}

/// How the learned models are sampled and the samples judged.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Qm9Evaluation {
    /// Molecules generated per combination, each atom started from `U[0, init_box)³`.
    pub samples: usize,
    /// Molecules per SVGD chain (the samples are drawn in independent chains of this size).
    pub chain_size: usize,
    /// The step limit of each chain.
    pub steps: usize,
    /// The chains' step size.
    pub step_size: f64,
    /// Stop a chain when its mean displacement falls below this (0: never).
    pub tolerance: f64,
    /// Noise temperature `T` of the evaluation chains (noisy SVGD, `x ← x + εφ + √(2εT) ξ`; 0: none). With
    /// `chain_size` particles and a kernel that is nearly a delta, `T = 1/chain_size` is Langevin dynamics on
    /// `exp(−E)`.
    pub noise: f64,
    /// Noiseless steps after the `steps` noisy ones (0: none): the generated geometries relax into the learned
    /// energy's nearest minimum, so thermal jitter does not decide the bond orders.
    pub quench: usize,
    /// Molecules drawn in the picture (a grid of up to 64).
    pub picture: usize,
}

/// `qm9`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Qm9Config {
    /// The combinations trained: `eebm+svgd` and/or `eebm+esvgd` (both use the EGNN, which is invariant by
    /// construction; there is no regular model in this experiment).
    pub combinations: Vec<Combination>,
    /// The QM9 data folder (`../shared/data/qm9` beside the project by default): it holds
    /// `qm9_C5H8O_train35.xyz` (training molecules) and `qm9_C5H8O_index.tsv` (the 48 isomers' SMILES).
    pub data_dir: String,
    /// Epochs of training.
    pub epochs: usize,
    /// Positive molecules per minibatch; the persistent chain has as many negatives.
    pub batch_size: usize,
    /// Width of the EGNN's node features and messages.
    pub hidden: usize,
    /// EGNN layers.
    pub layers: usize,
    /// The energy head.
    pub head: Qm9Head,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Learning-rate milestones `[epoch, rate]` (the paper: 0.005 at 250, 0.001 at 1,000).
    pub learning_rate_steps: Vec<(usize, f64)>,
    /// L2 penalty `α (mean E(x⁺)² + mean E(x⁻)²)` on the energies (0: none). Without it the contrastive loss
    /// drives `o` of the uniform negatives up without bound and `log(1 + o²)` saturates: its gradient in `x`
    /// vanishes and the chains stop moving (seen: mean energy 19.7, every chain stopped after one step).
    pub energy_penalty: f64,
    /// Global gradient-norm clipping of the parameter update (0: none).
    pub clip: f64,
    /// Noise temperature `T` of the training chains (noisy SVGD, `x ← x + εφ + √(2εT) ξ`; 0: none, the
    /// paper). The kernels are nearly deltas between distinct molecules, so the drift is `−ε ∇E / N` for the
    /// `N = 2 · batch_size` particles (negatives and repelling positives) and `T = 1/N` is Langevin dynamics on
    /// `exp(−E)`: the negatives are then samples of the model, not only its minima (as in `dw4`).
    pub noise: f64,
    /// RBF bandwidth h of vanilla SVGD on the raw coordinates (`k = exp(−‖x − y‖² / (2h²))`).
    pub bandwidth: f64,
    /// Bandwidth of E-SVGD's invariant-map RBF kernel over the 3-D canonical frame.
    pub esvgd_bandwidth: f64,
    /// The sampler's step limit per minibatch.
    pub max_steps: usize,
    /// The sampler's step size.
    pub step_size: f64,
    /// Stop a minibatch's sampling when the mean displacement falls below this (0: never).
    pub tolerance: f64,
    /// Probability of restarting the persistent chain, from `U[0, init_box)³` per atom.
    pub reset_probability: f64,
    /// Edge of the box of fresh chains and evaluation starts (Å).
    pub init_box: f64,
    /// Write a checkpoint every this many epochs (0: never); `--resume` continues from it.
    pub checkpoint_every: usize,
    /// Evaluation settings.
    pub evaluation: Qm9Evaluation,
}

impl Qm9Config {
    /// The presets. `paper` is ESVGD.md §4: EGNN 4 × 64, lr 0.01 → 0.005 (250) → 0.001 (1,000), 2,500 epochs,
    /// batch 16, h 1, step 0.5, ≤ 2,500 steps, stop 1e-3, reset 0.2 to `U[0, 4)³` per atom, no energy penalty.
    /// `default` keeps the model, batch, bandwidth, step size and reset, and fits 30 minutes on 2 cores: 150
    /// epochs of at most 200 steps per minibatch, no stopping rule, energy penalty 0.01 (240 epochs took 12.5
    /// minutes on a machine with AVX-512, but an AVX2-only one takes 16.5–17 instead of 6 ms per SVGD step,
    /// which puts 240 epochs near 36 minutes there, scaled from its 150-epoch run of 23.5). Measured on 60-epoch
    /// probes: the paper's stop at 1e-3 ends most chains within a few steps here (the young EGNN's gradients
    /// in `x` are small: at initialisation `|∇ₓ o|` ≈ 1e-4), so evaluation chains sampled one step each
    /// (4 steps over 4 chains); without a penalty `o` of the negatives grew until `log(1 + o²)` saturated
    /// (mean energy 19.7, `∇ₓ E` ≈ 0); with 0.1 or 0.01 and no stop the chains run their 2,500 steps (atom
    /// stability 0.45 / 0.52 under our estimator, no valid molecule yet at 60 epochs). Noise (`noise`,
    /// `evaluation.noise`) and `head = linear` stay off in every preset: 60-epoch probes with them gave atom
    /// stability 0.001–0.078 (docs/results.md, qm9). `quick` is for CI.
    pub fn preset(p: Preset) -> Self {
        Qm9Config {
            combinations: vec![Combination::EebmSvgd, Combination::EebmEsvgd],
            data_dir: "../shared/data/qm9".into(),
            epochs: match p {
                Preset::Quick => 1,
                Preset::Default => 150,
                Preset::Paper => 2_500,
            },
            batch_size: 16,
            hidden: match p {
                Preset::Quick => 16,
                _ => 64,
            },
            layers: match p {
                Preset::Quick => 2,
                _ => 4,
            },
            head: Qm9Head::LogOnePlusSquare,
            learning_rate: 0.01,
            learning_rate_steps: match p {
                Preset::Paper => vec![(250, 0.005), (1_000, 0.001)],
                _ => Vec::new(),
            },
            energy_penalty: match p {
                Preset::Paper => 0.0,
                _ => 0.01,
            },
            clip: 0.0,
            noise: 0.0,
            bandwidth: 1.0,
            esvgd_bandwidth: 1.0,
            max_steps: match p {
                Preset::Quick => 20,
                Preset::Default => 200,
                Preset::Paper => 2_500,
            },
            step_size: 0.5,
            tolerance: match p {
                Preset::Paper => 1e-3,
                _ => 0.0,
            },
            reset_probability: 0.2,
            init_box: 4.0,
            checkpoint_every: match p {
                Preset::Paper => 50,
                _ => 10,
            },
            evaluation: Qm9Evaluation {
                samples: match p {
                    Preset::Quick => 32,
                    _ => 256,
                },
                chain_size: 16,
                steps: match p {
                    Preset::Quick => 50,
                    _ => 2_500,
                },
                step_size: 0.5,
                tolerance: match p {
                    Preset::Paper => 1e-3,
                    _ => 0.0,
                },
                noise: 0.0,
                quench: 0,
                picture: 64,
            },
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        combination_list(&self.combinations)?;
        if self.combinations.contains(&Combination::EbmSvgd) {
            return Err(ConfigError::new(
                "`combinations`: qm9 trains the invariant EGNN only: list eebm+svgd and/or eebm+esvgd".into(),
            ));
        }
        if self.data_dir.is_empty() {
            return Err(ConfigError::new("`data_dir` must not be empty".into()));
        }
        count("epochs", self.epochs, 1, MAX_STEPS)?;
        count("batch_size", self.batch_size, 2, MAX_COUNT)?;
        count("hidden", self.hidden, 1, 4096)?;
        count("layers", self.layers, 1, 64)?;
        positive("learning_rate", self.learning_rate)?;
        milestones("learning_rate_steps", &self.learning_rate_steps)?;
        nonnegative("energy_penalty", self.energy_penalty)?;
        nonnegative("clip", self.clip)?;
        nonnegative("noise", self.noise)?;
        positive("bandwidth", self.bandwidth)?;
        positive("esvgd_bandwidth", self.esvgd_bandwidth)?;
        count("max_steps", self.max_steps, 1, MAX_STEPS)?;
        positive("step_size", self.step_size)?;
        nonnegative("tolerance", self.tolerance)?;
        if !(0.0..=1.0).contains(&self.reset_probability) {
            return Err(ConfigError::new(format!(
                "`reset_probability` must lie in [0, 1], got {}",
                self.reset_probability
            )));
        }
        positive("init_box", self.init_box)?;
        let e = &self.evaluation;
        count("evaluation.samples", e.samples, 2, MAX_COUNT)?;
        count("evaluation.chain_size", e.chain_size, 2, MAX_COUNT)?;
        count("evaluation.steps", e.steps, 1, MAX_STEPS)?;
        positive("evaluation.step_size", e.step_size)?;
        nonnegative("evaluation.tolerance", e.tolerance)?;
        nonnegative("evaluation.noise", e.noise)?;
        count("evaluation.quench", e.quench, 0, MAX_STEPS)?;
        count("evaluation.picture", e.picture, 1, 64)?;
        Ok(())
    }

    /// What a checkpoint depends on: every training setting, not the evaluation settings, the combination
    /// list or the checkpoint schedule (so `--resume` after a finished run samples the trained models again).
    pub fn training_identity(&self) -> Qm9Training<'_> {
        Qm9Training {
            data_dir: &self.data_dir,
            epochs: self.epochs,
            batch_size: self.batch_size,
            hidden: self.hidden,
            layers: self.layers,
            head: self.head,
            learning_rate: self.learning_rate,
            learning_rate_steps: &self.learning_rate_steps,
            energy_penalty: self.energy_penalty,
            clip: self.clip,
            noise: self.noise,
            bandwidth: self.bandwidth,
            esvgd_bandwidth: self.esvgd_bandwidth,
            max_steps: self.max_steps,
            step_size: self.step_size,
            tolerance: self.tolerance,
            reset_probability: self.reset_probability,
            init_box: self.init_box,
        }
    }
}

/// The training part of a [`Qm9Config`] ([`Qm9Config::training_identity`]), written into checkpoints.
#[derive(Serialize, Debug)]
pub struct Qm9Training<'a> {
    data_dir: &'a str,
    epochs: usize,
    batch_size: usize,
    hidden: usize,
    layers: usize,
    head: Qm9Head,
    learning_rate: f64,
    learning_rate_steps: &'a [(usize, f64)],
    energy_penalty: f64,
    clip: f64,
    noise: f64,
    bandwidth: f64,
    esvgd_bandwidth: f64,
    max_steps: usize,
    step_size: f64,
    tolerance: f64,
    reset_probability: f64,
    init_box: f64,
}
