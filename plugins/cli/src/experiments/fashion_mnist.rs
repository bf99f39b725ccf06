//! `fashion-mnist` (appendix E.3; ESVGD.md §4 and §7): joint energy models (JEM) on upright FashionMNIST,
//! tested on the upright test images and on the same images turned by random multiples of 90°.
//!
//! **Model.** A network `f_θ : [0, 1]^{28×28} → R^{10}` with the JEM head: `p_θ(y | x) = softmax f_θ(x)_y`, the
//! joint energy `E_θ(x) = −logsumexp_y f_θ(x)_y`, the class conditionals `E_θ(x | y) = −f_θ(x)_y`.
//!
//! **Training** (the trainer of `equistein-candle`, [`super::ebm_training::train`]). Per minibatch of `B`
//! labelled positives `(x⁺, y⁺)`: the persistent chain of `B` negatives continues from the previous
//! minibatch, or (with probability `reset_probability` = 0.1, and on the first minibatch) restarts at the
//! positives; it takes `T` SVGD steps
//! `x⁻_i ← x⁻_i + ε/(2B) Σ_{z ∈ x⁻ ∪ x⁺} [k(z, x⁻_i) ∇_z(−E_θ(z)) + ∇_z k(z, x⁻_i)]` (the positives are fixed
//! repulsive particles, only the negatives move; ε = 0.08); then Adam takes a step on
//! `L(θ) = mean E_θ(x⁺) − mean E_θ(x⁻) + λ · mean_i −log p_θ(y⁺_i | x⁺_i)` (λ = `supervised_weight`, 1 in the
//! appendix). The three combinations:
//!
//! - `ebm+svgd`: the plain CNN ([`PlainCnn::fashion_mnist`]), RBF kernel `k(x, y) = exp(−‖x − y‖² / (2h²))`,
//!   h = 0.1;
//! - `eebm+svgd`: the C4-steerable CNN ([`SteerableCnn::fashion_mnist`], exactly invariant under quarter
//!   turns: `f(rot x) = f(x)`), the same RBF kernel;
//! - `eebm+esvgd`: the steerable CNN with the core's [`GroupAveraged`] RBF kernel over [`ImageRotations`],
//!   `k_G(x, y) = ¼ Σ_{r=0}^{3} exp(−‖x − rot^r y‖² / (2h²))`, h = 0.005 (E-SVGD in image space).
//!
//! **Evaluation** ([`super::fashion_evaluation`]): accuracy and cross-entropy on the upright and on the
//! rotated test set, per-class accuracies, the fraction of rotated images classified exactly as their upright
//! original (`predictions_equal`: 1 for an invariant classifier), and class-conditional samples (a chain per
//! class, started uniform on `[0, 1)^784`, sampling `exp(f_θ(x)_y)` with the combination's sampler, as `jem-c4`
//! samples its conditionals).
//!
//! **Device.** `device = "cpu"` runs everything on the CPU. `device = "cuda"` needs the `cuda` feature
//! (`cargo build --release -p equistein-cli --features cuda`, which enables `equistein-candle/cuda`) and is
//! **untested** (no GPU on the development machine). With it the networks' parameters live on candle's CUDA
//! device 0 ([`equistein_candle::device`], `to_device`), so the learning step runs there: the loss, its
//! gradient (candle's own `conv2d` instead of the CPU-only fused convolutions) and Adam. What cannot run on
//! CUDA: the sampling path (energies and `∇ₓ` with fixed parameters, the hand-written
//! [`equistein_candle::ConvStack`], refreshed from the GPU parameters after every step), hence the SVGD
//! steps, the classification of the test sets and the class-conditional sampling, which stay on the CPU.

use super::ebm_training::{model_of, train, CombinationCheckpoint, Fresh, TrainSettings};
use super::ebm_training::{Checkpoints, TrainedCombination};
use super::fashion_evaluation::{agreement, classify, conditional_samples};
use super::fashion_evaluation::{Classification, FashionRecord};
use super::{RunContext, RunError};
use crate::config::{Combination, ComputeDevice, ExperimentName, FashionMnistConfig, FreshStart};
use crate::metrics::{Metrics, Runs};
use crate::progress::RunProgress;
use crate::streams::{stream, Purpose};
use equistein::cd::CdConfig;
use equistein::kernel::{GroupAveraged, Rbf};
use equistein::{Particles, RunLimits, StepSchedule};
use equistein_candle::{JemHead, PlainCnn, SteerableCnn};
use equistein_vision::fashion::{CLASSES, SIDE};
use equistein_vision::{FashionMnist, ImageRotations, LabeledImages, RotatedSet, CLASS_NAMES};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::path::Path;

/// The reference part of `metrics.json`: the data the runs saw.
#[derive(Debug, Clone, Serialize)]
pub struct FashionReference {
    /// The data folder.
    pub data_dir: String,
    /// Training images (the same number of each class).
    pub train_images: usize,
    /// Test images (the same number of each class).
    pub test_images: usize,
    /// How many test images were turned by 0, 1, 2 and 3 quarter turns.
    pub rotated_quarter_counts: [usize; 4],
    /// The class names, by label.
    pub classes: Vec<String>,
    /// Where the models ran.
    pub device: String,
}

/// One combination's samples, for the pictures.
#[derive(Debug, Clone)]
pub struct FashionRow {
    /// The combination's name.
    pub name: String,
    /// Class `y`'s samples are rows `y · per_class ..`, `28 × 28` images in `[0, 1]` (clamped for display only).
    pub samples: Particles<f32>,
    /// Samples per class.
    pub per_class: usize,
}

/// The result of `fashion-mnist`.
#[derive(Debug, Clone)]
pub struct FashionOutcome {
    /// `metrics.json`.
    pub metrics: Metrics<FashionReference, FashionRecord>,
    /// One row per combination.
    pub rows: Vec<FashionRow>,
}

impl TrainSettings {
    /// The settings of `fashion-mnist` for `combination`: Adam with a constant rate, `T` SVGD steps per
    /// minibatch (no stopping rule), a constant step size, fresh chains at the positives.
    pub fn of_fashion(c: &FashionMnistConfig, combination: Combination) -> Self {
        TrainSettings {
            cd: CdConfig {
                epochs: c.epochs,
                batch_size: c.batch_size,
                sampler_limits: RunLimits::steps(c.steps_of(combination)),
                step_sizes: StepSchedule::Constant(c.step_size as f32),
                positives_repel: true,
            },
            reset_probability: c.reset_probability,
            fresh: match c.fresh_start {
                FreshStart::Positives => Fresh::Positives,
                FreshStart::Noise => Fresh::Box(0.0, 1.0),
            },
            learning_rate: StepSchedule::Constant(c.learning_rate),
            clip: c.clip,
            energy_penalty: c.energy_penalty,
            noise: 0.0,
            checkpoint_every: c.checkpoint_every,
        }
    }
}

/// Opens the FashionMNIST folder and reads both splits; a missing folder is an error that names it.
pub fn load(dir: &Path) -> Result<(LabeledImages, LabeledImages), RunError> {
    if !dir.is_dir() {
        return Err(RunError::Other(format!(
            "the FashionMNIST data folder {} does not exist (set `data_dir`, e.g. --set data_dir=PATH)",
            dir.display()
        )));
    }
    let vision = |e: equistein_vision::Error| RunError::Other(format!("FashionMNIST: {e}"));
    let data = FashionMnist::open(dir).map_err(vision)?;
    Ok((data.train().map_err(vision)?, data.test().map_err(vision)?))
}

/// `n / 10` images of each class drawn with `rng` (0: all of them).
fn subset(all: &LabeledImages, n: usize, rng: &mut ChaCha8Rng) -> Result<LabeledImages, RunError> {
    if n == 0 {
        return Ok(all.clone());
    }
    all.per_class(n / CLASSES, CLASSES, rng)
        .map_err(|e| RunError::Other(format!("FashionMNIST subset: {e}")))
}

/// Builds and trains one combination.
#[allow(clippy::too_many_arguments)]
fn train_combination(
    combo: Combination,
    c: &FashionMnistConfig,
    data: &Particles<f32>,
    labels: Vec<Option<usize>>,
    mut init: ChaCha8Rng,
    rng: ChaCha8Rng,
    checkpoint: Option<&CombinationCheckpoint>,
    bar: &RunProgress,
) -> Result<TrainedCombination, RunError> {
    let core = |e| RunError::core("model", e);
    let t = TrainSettings::of_fashion(c, combo);
    let head = JemHead::new(CLASSES).with_weight(c.supervised_weight);
    let rbf = Rbf::fixed(c.bandwidth as f32).map_err(core)?;
    let on = equistein_candle::device(c.device == ComputeDevice::Cuda).map_err(core)?;
    if !combo.equivariant_model() {
        let net = PlainCnn::<f32>::fashion_mnist(&mut init).map_err(core)?;
        let net = net.to_device(&on).map_err(core)?;
        let model = model_of(net, head, &t)?;
        return train(model, rbf, data, labels, &t, rng, checkpoint, bar);
    }
    let net = SteerableCnn::<f32>::fashion_mnist(&mut init).map_err(core)?;
    let net = net.to_device(&on).map_err(core)?;
    let model = model_of(net, head, &t)?;
    if combo.equivariant_sampler() {
        let c4 = ImageRotations::new(SIDE, 1)
            .map_err(|e| RunError::Other(format!("image rotations: {e}")))?;
        let erbf = Rbf::fixed(c.esvgd_bandwidth as f32).map_err(core)?;
        let kernel = GroupAveraged::new(c4, erbf);
        train(model, kernel, data, labels, &t, rng, checkpoint, bar)
    } else {
        train(model, rbf, data, labels, &t, rng, checkpoint, bar)
    }
}

/// The device line of the metrics; with `cuda`, opens candle's CUDA device 0 first (an error when none opens).
fn device(c: &FashionMnistConfig) -> Result<String, RunError> {
    match c.device {
        ComputeDevice::Cpu => Ok("cpu".into()),
        ComputeDevice::Cuda => equistein_candle::device(true)
            .map(|_| {
                "cuda (device 0: parameters, loss, gradients and Adam; sampling on the CPU)".into()
            })
            .map_err(|e| RunError::Other(format!("device = \"cuda\": {e}"))),
    }
}

/// Runs `fashion-mnist`: data, then training and evaluation of every configured combination.
pub fn run(c: &FashionMnistConfig, ctx: &RunContext<'_>) -> Result<FashionOutcome, RunError> {
    let seed = ctx.seed;
    let device = device(c)?;
    let (train_all, test_all) = load(Path::new(&c.data_dir))?;
    let train_set = subset(
        &train_all,
        c.train_images,
        &mut stream(seed, Purpose::Reference(300)),
    )?;
    let test_set = subset(
        &test_all,
        c.test_images,
        &mut stream(seed, Purpose::Reference(301)),
    )?;
    drop((train_all, test_all));
    let rotated = RotatedSet::new(&test_set, &mut stream(seed, Purpose::Reference(302)))
        .map_err(|e| RunError::Other(format!("rotated test set: {e}")))?;
    let data = train_set.to_particles();
    let labels: Vec<Option<usize>> = train_set
        .labels()
        .iter()
        .map(|&y| Some(usize::from(y)))
        .collect();
    let experiment = ExperimentName::FashionMnist.name();
    let mut runs = Vec::new();
    let mut rows = Vec::new();
    for &combo in &c.combinations {
        let name = combo.name();
        // Streams by the combination's place in the full list: a combination run alone gives its row of the
        // full run.
        let index = Combination::ALL
            .iter()
            .position(|&k| k == combo)
            .unwrap_or_default() as u64;
        let bar = ctx.progress.start(name, c.epochs as u64);
        let checkpoint = ctx.checkpoints.as_ref().map(|k: &Checkpoints| {
            k.for_combination(experiment, name, seed, &c.training_identity())
        });
        let init = stream(seed, Purpose::Init(300 + index));
        let rng = stream(seed, Purpose::Sampler(300 + index));
        let (learned, counters) = train_combination(
            combo,
            c,
            &data,
            labels.clone(),
            init,
            rng,
            checkpoint.as_ref(),
            &bar,
        )?;
        let named = |e: RunError| RunError::Other(format!("{name}: {e}"));
        let started = std::time::Instant::now();
        let batch = c.evaluation.batch;
        let upright = classify(&*learned, test_set.images().as_slice(), batch).map_err(named)?;
        let turned = classify(&*learned, rotated.images().as_slice(), batch).map_err(named)?;
        let trained = classify(&*learned, data.as_slice(), batch).map_err(named)?;
        let mut srng = stream(seed, Purpose::MmdSample(300 + index));
        let samples = conditional_samples(&*learned, &c.evaluation, &mut srng).map_err(named)?;
        let sampled = classify(&*learned, samples.as_slice(), batch).map_err(named)?;
        let mut record = FashionRecord::new(
            &counters,
            Classification::new(&upright, test_set.labels()),
            Classification::new(&turned, rotated.labels()),
            c,
            combo,
        );
        record.predictions_equal = agreement(&upright.predictions, &turned.predictions);
        record.train_accuracy = Classification::new(&trained, train_set.labels()).accuracy;
        record.samples = samples.len();
        let own: Vec<usize> = (0..samples.len())
            .map(|i| i / c.evaluation.samples_per_class)
            .collect();
        record.samples_classified_as_their_class = agreement(&sampled.predictions, &own);
        record.evaluation_seconds = started.elapsed().as_secs_f64();
        bar.finish(&format!(
            "{} epochs in {:.1} s, {:.1} ms per SVGD step; accuracy {:.3} upright, {:.3} rotated",
            record.training.epochs_run,
            record.training.seconds,
            record.training.svgd_step_ms,
            record.test_accuracy,
            record.rotated_test_accuracy
        ));
        rows.push(FashionRow {
            name: name.to_owned(),
            samples,
            per_class: c.evaluation.samples_per_class,
        });
        runs.push((name.to_owned(), record));
    }
    // The checkpoints stay: the last one of each combination is its trained model, and `--resume` after a
    // finished run evaluates those models again without training (the evaluation settings are not part of a
    // checkpoint's identity, `FashionMnistConfig::training_identity`).
    Ok(FashionOutcome {
        metrics: Metrics {
            experiment: experiment.to_owned(),
            seed,
            preset: ctx.preset.name().to_owned(),
            reference: FashionReference {
                data_dir: c.data_dir.clone(),
                train_images: train_set.len(),
                test_images: test_set.len(),
                rotated_quarter_counts: rotated.quarter_counts(),
                classes: CLASS_NAMES.iter().map(|s| s.to_string()).collect(),
                device,
            },
            runs: Runs(runs),
        },
        rows,
    })
}
