//! Configurations of the DW-4 experiments `dw4`, `dw4-boltzmann` and `dw4-kohler` (ESVGD.md §4–§5, appendix
//! E.1): contrastive-divergence training of an MLP energy on DW-4 configurations, sampling from `U[−5, 5)^8`
//! with each combination's sampler, and classification of the samples into the five meta-stable states.

use super::common::{count, nonnegative, positive, MAX_COUNT, MAX_STEPS};
use super::ebm::{combination_list, Combination};
use super::{ConfigError, Preset};
use serde::{Deserialize, Serialize};

/// Which data set the model learns, and what its samples are compared with.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dw4Data {
    /// The paper's five-state set (`jaini2021/fixed_DW4`, 1,000 rows, 200 per state, centred); the reference is
    /// the training data itself.
    #[serde(rename = "five-states")]
    FiveStates,
    /// The equivariant-flow-matching splits (`efm_via_dem/`): Boltzmann samples at temperature 1, centred;
    /// training rows from the train split, the reference is the 10,000-row test split.
    #[serde(rename = "efm-boltzmann")]
    EfmBoltzmann,
    /// Köhler's one-state chain (`jaini2021/dimer_4particles`, state 4); the reference is the training data.
    #[serde(rename = "kohler")]
    Kohler,
}

/// What the equivariant model (`eebm`) and the E-SVGD kernel see of a configuration: an E(2) × S_4-invariant
/// map `P`, the model being the MLP of `P(x)` and the kernel `exp(−‖P(x) − P(y)‖² / (2h²))`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dw4Invariant {
    /// The paper's choice: the canonical frame of the point cloud (centred, particles sorted by radius, rotated
    /// so the farthest lies on +x, reflections quotiented; R^8). Discontinuous where two radii tie: the learned
    /// energy of `P(x)` jumps there, and its gradient flows stall on those ties (docs/results.md, dw4).
    #[serde(rename = "canonical-frame")]
    CanonicalFrame,
    /// The six pair distances in ascending order ([`equistein::group::PairDistances`]): continuous everywhere,
    /// and complete for any energy that sums over pairs, as DW-4's does.
    #[serde(rename = "pair-distances")]
    PairDistances,
}

impl Dw4Data {
    /// The training file, relative to the data folder.
    pub fn train_file(self) -> &'static str {
        match self {
            Dw4Data::FiveStates => "jaini2021/fixed_DW4.1000x8.f32le",
            Dw4Data::EfmBoltzmann => "efm_via_dem/train_split_DW4.100000x8.f32le",
            Dw4Data::Kohler => "jaini2021/dimer_4particles.1001x8.f32le",
        }
    }

    /// The reference file, when it is not the training data.
    pub fn reference_file(self) -> Option<&'static str> {
        match self {
            Dw4Data::EfmBoltzmann => Some("efm_via_dem/test_split_DW4.10000x8.f32le"),
            _ => None,
        }
    }
}

/// How the learned models are sampled and the samples judged.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Dw4Evaluation {
    /// Samples drawn from each learned model, from `U[−init_box, init_box)^8`.
    pub samples: usize,
    /// Particles per SVGD chain (the samples are drawn in independent chains of this size).
    pub chain_size: usize,
    /// The step limit of each chain.
    pub steps: usize,
    /// The chains' step size.
    pub step_size: f64,
    /// Stop a chain when its mean displacement falls below this (0: never).
    pub tolerance: f64,
    /// The sampler's bandwidths; empty: the combination's training bandwidth. Several give one row each (the
    /// appendix E.1 variant samples with h = 2 and h = 1e-4).
    pub bandwidths: Vec<f64>,
    /// Rows of the reference set classified (0: all).
    pub reference_rows: usize,
}

/// `dw4`, `dw4-boltzmann` or `dw4-kohler`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Dw4Config {
    /// The combinations trained (`ebm+svgd`, `eebm+svgd`, `eebm+esvgd`).
    pub combinations: Vec<Combination>,
    /// The data set.
    pub data: Dw4Data,
    /// The DW-4 data folder (`../shared/data/dw4` beside the project by default).
    pub data_dir: String,
    /// Training rows, spread evenly over the file (0: all).
    pub train_rows: usize,
    /// Epochs of training.
    pub epochs: usize,
    /// Positives per minibatch; the persistent chain has as many negatives.
    pub batch_size: usize,
    /// Hidden widths of the MLP 8 → … → 1.
    pub hidden: Vec<usize>,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// L2 penalty `α (mean E(x⁺)² + mean E(x⁻)²)` on the energies (0: none, the paper).
    pub energy_penalty: f64,
    /// Global gradient-norm clipping of the parameter update (0: none, the paper).
    pub clip: f64,
    /// Noise temperature `T` of the samplers, in training and evaluation: noisy SVGD `x ← x + εφ + √(2εT) ξ`
    /// (ESVGD.md §1, the appendix's remedy for mode collapse; 0: none, the paper). Where the kernel is nearly a
    /// delta (h ≪ the particles' spacing, as `esvgd_bandwidth` 0.001) the drift is `−ε ∇E / N` for `N`
    /// particles, so `T = 1/N` is Langevin dynamics on `exp(−E)`.
    pub noise: f64,
    /// The invariant map of the equivariant model and of E-SVGD's kernel.
    pub invariant: Dw4Invariant,
    /// RBF bandwidth h of vanilla SVGD (`k = exp(−‖x − y‖² / (2h²))`).
    pub bandwidth: f64,
    /// Bandwidth of the invariant-map RBF kernel of E-SVGD (over the canonical frame).
    pub esvgd_bandwidth: f64,
    /// The sampler's step limit per minibatch.
    pub max_steps: usize,
    /// The sampler's step size.
    pub step_size: f64,
    /// Stop a minibatch's sampling when the mean displacement falls below this (0: never).
    pub tolerance: f64,
    /// Probability of restarting the persistent chain, from `U[−init_box, init_box)^8`.
    pub reset_probability: f64,
    /// Half-width of the uniform box of fresh chains and evaluation starts.
    pub init_box: f64,
    /// Write a checkpoint every this many epochs (0: never); `--resume` continues from it.
    pub checkpoint_every: usize,
    /// Evaluation settings.
    pub evaluation: Dw4Evaluation,
}

impl Dw4Config {
    fn base(p: Preset, data: Dw4Data) -> Self {
        Dw4Config {
            combinations: Combination::ALL.to_vec(),
            data,
            data_dir: "../shared/data/dw4".into(),
            train_rows: match p {
                Preset::Quick => 100,
                _ => 0,
            },
            epochs: match p {
                Preset::Quick => 2,
                Preset::Default => 25,
                Preset::Paper => 50,
            },
            batch_size: match p {
                Preset::Quick => 32,
                _ => 64,
            },
            hidden: vec![64, 64],
            invariant: Dw4Invariant::CanonicalFrame,
            learning_rate: 1e-2,
            energy_penalty: 0.0,
            clip: 0.0,
            noise: 0.0,
            bandwidth: 0.1,
            esvgd_bandwidth: 0.001,
            max_steps: match p {
                Preset::Quick => 50,
                _ => 5_000,
            },
            step_size: 0.1,
            tolerance: 1e-5,
            reset_probability: 0.1,
            init_box: 5.0,
            checkpoint_every: 5,
            evaluation: Dw4Evaluation {
                samples: match p {
                    Preset::Quick => 256,
                    _ => 2_000,
                },
                chain_size: 64,
                steps: match p {
                    Preset::Quick => 200,
                    Preset::Default => 20_000,
                    Preset::Paper => 50_000,
                },
                step_size: 0.1,
                tolerance: 1e-5,
                bandwidths: Vec::new(),
                reference_rows: match p {
                    Preset::Quick => 500,
                    _ => 0,
                },
            },
        }
    }

    /// `dw4` (Section 5): the three combinations on the paper's five-state data (ESVGD.md §4: MLP 8→64→64→1,
    /// `log(1 + o²)`, Adam 1e-2, batch 64, h 0.1 / 0.001, step 0.1, ≤ 5,000 steps, stop 1e-5, reset 0.1 to
    /// `U[−5, 5)^8`, 50 epochs; evaluation chains of up to 50,000 steps). `default` trains 25 epochs and samples
    /// with up to 20,000 steps, to fit 15 minutes on 2 cores, and samples with noisy SVGD at `noise = 1/128`
    /// (the paper's sampler has none; `quick` and `paper` keep it at 0).
    pub fn dw4(p: Preset) -> Self {
        let mut c = Self::base(p, Dw4Data::FiveStates);
        if p == Preset::Default {
            // Noisy SVGD at T = 1/128: with the 64 negatives + 64 positives of training and a near-delta kernel
            // this is Langevin dynamics on exp(−E); without it the deterministic flow leaves each sample in the
            // basin it started in and the equivariant models' state shares are the basins' volumes (see
            // docs/results.md, dw4: state TV 0.251 after 25 epochs and 0.336 after 50 without noise,
            // 0.145 with).
            c.noise = 1.0 / 128.0;
        }
        c
    }

    /// `dw4-boltzmann`: the same combinations on the EFM train split (`default`: 2,000 rows spread over the
    /// 100,000), judged against the 10,000-row test split.
    pub fn dw4_boltzmann(p: Preset) -> Self {
        let mut c = Self::base(p, Dw4Data::EfmBoltzmann);
        c.train_rows = match p {
            Preset::Quick => 100,
            Preset::Default => 2_000,
            Preset::Paper => 0,
        };
        c.evaluation.reference_rows = match p {
            Preset::Quick => 500,
            _ => 0,
        };
        c
    }

    /// `dw4-kohler` (appendix E.1): `eebm+esvgd` on Köhler's one-state data, sampled with h = 2 and h = 1e-4.
    pub fn dw4_kohler(p: Preset) -> Self {
        let mut c = Self::base(p, Dw4Data::Kohler);
        c.combinations = vec![Combination::EebmEsvgd];
        c.evaluation.bandwidths = vec![2.0, 1e-4];
        c
    }

    /// What a checkpoint of `combination` depends on: the data and every training setting, but not the
    /// evaluation settings, the list of combinations or the checkpoint schedule, so that a trained model can be
    /// sampled again with other evaluation settings (`--resume --set evaluation.steps=50000`).
    pub fn training_identity(&self) -> Dw4Training<'_> {
        Dw4Training {
            data: self.data,
            data_dir: &self.data_dir,
            train_rows: self.train_rows,
            epochs: self.epochs,
            batch_size: self.batch_size,
            hidden: &self.hidden,
            invariant: self.invariant,
            learning_rate: self.learning_rate,
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

    /// Checks every field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        combination_list(&self.combinations)?;
        if self.data_dir.is_empty() {
            return Err(ConfigError::new("`data_dir` must not be empty".into()));
        }
        if self.train_rows != 0 {
            count("train_rows", self.train_rows, 2, MAX_COUNT)?;
        }
        count("epochs", self.epochs, 1, MAX_STEPS)?;
        count("batch_size", self.batch_size, 2, MAX_COUNT)?;
        if self.hidden.is_empty() || self.hidden.iter().any(|&h| h == 0 || h > 4096) {
            return Err(ConfigError::new(format!(
                "`hidden` must list widths in 1..=4096, got {:?}",
                self.hidden
            )));
        }
        positive("learning_rate", self.learning_rate)?;
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
        for (i, &h) in e.bandwidths.iter().enumerate() {
            positive(&format!("evaluation.bandwidths[{i}]"), h)?;
        }
        if e.reference_rows != 0 {
            count("evaluation.reference_rows", e.reference_rows, 2, MAX_COUNT)?;
        }
        Ok(())
    }
}

/// The training part of a [`Dw4Config`] ([`Dw4Config::training_identity`]), written into checkpoints.
#[derive(Serialize, Debug)]
pub struct Dw4Training<'a> {
    data: Dw4Data,
    data_dir: &'a str,
    train_rows: usize,
    epochs: usize,
    batch_size: usize,
    hidden: &'a [usize],
    invariant: Dw4Invariant,
    learning_rate: f64,
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
