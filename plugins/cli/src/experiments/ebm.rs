//! `jem-c4` and `ebm-circles` (ESVGD.md §4, appendix D): contrastive-divergence training of a regular and an
//! equivariant energy-based model with persistent SVGD / E-SVGD chains, for the three combinations
//! `ebm+svgd`, `eebm+svgd`, `eebm+esvgd`; then samples from each learned model, classification (jem-c4),
//! orbit statistics, MMD to held-out data and the rank correlation of the learned energy with the truth.

use super::{write_json, RunContext, RunError};
use crate::config::{Combination, EbmConfig, ExperimentName};
use crate::metrics::{Metrics, RadialTangential, Runs};
use crate::output::StagedOutput;
use crate::plot::DensityGrid;
use crate::progress::RunProgress;
use crate::streams::{stream, Purpose};
use equistein::cd::{CdConfig, CdObserver, ContrastiveDivergence, FreshStart, PersistentChain};
use equistein::diagnostics::{mmd_rbf, mode_fractions, mode_spread, ring_fractions, ring_spread};
use equistein::group::{CyclicRotation, NormMap};
use equistein::kernel::{GroupAveraged, InvariantMap, Rbf};
use equistein::target::{ExactSample, GaussianMixture, RadialMixture};
use equistein::{
    random, Control, Energy, Group, Kernel, Particles, RunLimits, Sampler, StepInfo, StepSchedule,
    Svgd,
};
use equistein_candle::checkpoint::{self, rng_from_state, rng_state, Resume};
use equistein_candle::{
    Adam, CandleEnergy, GroupAverage, Head, JemHead, Mlp, Network, NormInput, ScalarHead,
};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

/// Where checkpoints go and whether to continue from them.
#[derive(Debug, Clone)]
pub struct Checkpoints {
    /// The folder (`OUT/.EXPERIMENT.checkpoints`).
    pub dir: PathBuf,
    /// Continue from a checkpoint with the same configuration, if one exists.
    pub resume: bool,
}

/// Which of the two experiments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EbmKind {
    /// `jem-c4`.
    JemC4,
    /// `ebm-circles`.
    Circles,
}

/// The data-generating target of an experiment.
#[derive(Debug, Clone)]
pub enum EbmTarget {
    /// Two classes of C4 Gaussians (radius 7, covariance diag(1, 1/4); radius 15, diag(1, 2)).
    Jem {
        /// The two class densities.
        classes: [GaussianMixture<f64>; 2],
        /// Their equal-weight mixture.
        joint: GaussianMixture<f64>,
    },
    /// Concentric circles of radii 3 and 10, σ 0.5, equal weights.
    Circles(RadialMixture<f64>),
}

impl EbmTarget {
    /// The experiment's target.
    pub fn new(kind: EbmKind) -> Result<Self, RunError> {
        let core = |e| RunError::core("target", e);
        Ok(match kind {
            EbmKind::JemC4 => {
                let a = GaussianMixture::c_n_symmetric(4, 7.0, 1.0, 0.25).map_err(core)?;
                let b = GaussianMixture::c_n_symmetric(4, 15.0, 1.0, 2.0).map_err(core)?;
                let comps: Vec<_> = a
                    .components()
                    .iter()
                    .chain(b.components())
                    .cloned()
                    .collect();
                let joint = GaussianMixture::new(vec![0.125; 8], comps).map_err(core)?;
                EbmTarget::Jem {
                    classes: [a, b],
                    joint,
                }
            }
            EbmKind::Circles => EbmTarget::Circles(
                RadialMixture::new(2, vec![3.0, 10.0], vec![0.5, 0.5], vec![0.5, 0.5])
                    .map_err(core)?,
            ),
        })
    }

    /// `−log π(x)` of the data law (normalised).
    pub fn neg_log_prob(&self, x: &[f64]) -> f64 {
        let e = match self {
            EbmTarget::Jem { joint, .. } => joint.energy(x),
            EbmTarget::Circles(r) => r.energy(x),
        };
        e.unwrap_or(f64::NAN)
    }

    /// `n` labelled data points: classes alternate (jem-c4); the ring index (circles).
    pub fn sample(&self, rng: &mut ChaCha8Rng, n: usize) -> (Particles<f64>, Vec<usize>) {
        match self {
            EbmTarget::Jem { classes, .. } => {
                let a = classes[0].sample_exact(rng, n.div_ceil(2));
                let b = classes[1].sample_exact(rng, n / 2);
                let mut flat = Vec::with_capacity(2 * n);
                let mut labels = Vec::with_capacity(n);
                for i in 0..n {
                    let (set, y) = if i % 2 == 0 { (&a, 0) } else { (&b, 1) };
                    flat.extend_from_slice(set.particle(i / 2));
                    labels.push(y);
                }
                (
                    Particles::from_rows(2, &flat).unwrap_or_else(|_| a.clone()),
                    labels,
                )
            }
            EbmTarget::Circles(r) => {
                let p = r.sample_exact(rng, n);
                let labels = p
                    .iter()
                    .map(|x| usize::from(equistein::real::norm(x) > 6.5))
                    .collect();
                (p, labels)
            }
        }
    }
}

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
    /// Wall-clock seconds of training.
    pub seconds: f64,
    /// Median wall time of one SVGD step during training, in milliseconds.
    pub svgd_step_ms: f64,
    /// SVGD steps taken during training.
    pub svgd_steps: usize,
    /// The mean CD loss of the last epoch (`mean E(x⁺) − mean E(x⁻)`) and its supervised term.
    pub final_cd_loss: f64,
    /// The last epoch's supervised term.
    pub final_supervised_loss: f64,
    /// Epochs trained in this invocation (fewer than configured after `--resume`).
    pub epochs_run: usize,
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
    /// Which experiment.
    pub kind: EbmKind,
    /// `metrics.json`.
    pub metrics: Metrics<EbmReference, EbmRecord>,
    /// The picture rows, the target first.
    pub rows: Vec<EbmRow>,
    /// The plotted box half-width.
    pub extent: f64,
}

/// Times SVGD steps and reports progress per epoch.
struct Timer<'a> {
    last: Option<Instant>,
    step_ms: Vec<f64>,
    bar: &'a RunProgress,
    steps: usize,
}

impl CdObserver<f32> for Timer<'_> {
    fn sampling_started(&mut self, _: usize, _: usize, _: &Particles<f32>, _: bool) {
        self.last = Some(Instant::now());
    }
    fn sampler_step(&mut self, _: &StepInfo<f32>, _: &Particles<f32>) -> Control {
        let now = Instant::now();
        if let Some(t) = self.last {
            // Keep a bounded sample of step times (every step for short runs).
            if self.step_ms.len() < 2_000_000 {
                self.step_ms.push((now - t).as_secs_f64() * 1e3);
            }
        }
        self.last = Some(now);
        self.steps += 1;
        Control::Continue
    }
}

fn to_f32(p: &Particles<f64>) -> Particles<f32> {
    Particles::from_fn(p.dim(), p.len(), |i, k| p.particle(i)[k] as f32)
}

fn to_f64(p: &Particles<f32>) -> Particles<f64> {
    Particles::from_fn(p.dim(), p.len(), |i, k| p.particle(i)[k] as f64)
}

fn schedule(initial: f64, steps: &[(usize, f64)]) -> StepSchedule<f64> {
    if steps.is_empty() {
        StepSchedule::Constant(initial)
    } else {
        StepSchedule::Piecewise {
            initial,
            milestones: steps.to_vec(),
        }
    }
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Spearman's rank correlation (average ranks for ties); NaN pairs are dropped.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let pairs: Vec<(f64, f64)> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(&x, &y)| (x, y))
        .collect();
    let ranks = |v: Vec<f64>| -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        let mut r = vec![0.0; v.len()];
        let mut s = 0;
        while s < idx.len() {
            let mut e = s;
            while e + 1 < idx.len() && v[idx[e + 1]] == v[idx[s]] {
                e += 1;
            }
            let avg = (s + e) as f64 / 2.0;
            for &k in &idx[s..=e] {
                r[k] = avg;
            }
            s = e + 1;
        }
        r
    };
    let ra = ranks(pairs.iter().map(|p| p.0).collect());
    let rb = ranks(pairs.iter().map(|p| p.1).collect());
    let n = ra.len() as f64;
    if n < 2.0 {
        return f64::NAN;
    }
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma) * (x - ma)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb) * (y - mb)).sum();
    cov / (va * vb).sqrt()
}

/// The trained model of one combination, type-erased to what evaluation needs.
trait Learned {
    /// Outputs (logits or o) of a batch, `n × k`.
    fn outputs(&self, x: &Particles<f32>) -> equistein::Result<Vec<f32>>;
    /// Energies of a batch.
    fn energies(&self, x: &Particles<f32>) -> equistein::Result<Vec<f32>>;
    /// Samples from `exp(−E)` by the combination's sampler; with `class = Some(y)` from the class-conditional
    /// `exp(−E(x | y)) = exp(f_y(x))` of a JEM instead.
    fn sample(
        &self,
        starts: &mut Particles<f32>,
        class: Option<usize>,
        steps: usize,
        eps: f32,
        rng: &mut ChaCha8Rng,
    ) -> equistein::Result<()>;
}

struct Trained<N, H, K> {
    model: CandleEnergy<f32, N, H>,
    kernel: K,
}

impl<N: Network<f32>, H: Head<f32>, K: Kernel<f32> + Clone> Learned for Trained<N, H, K> {
    fn outputs(&self, x: &Particles<f32>) -> equistein::Result<Vec<f32>> {
        self.model.outputs(x)
    }
    fn energies(&self, x: &Particles<f32>) -> equistein::Result<Vec<f32>> {
        let mut e = vec![0.0; x.len()];
        self.model.energy_batch(x, &mut e)?;
        Ok(e)
    }
    fn sample(
        &self,
        starts: &mut Particles<f32>,
        class: Option<usize>,
        steps: usize,
        eps: f32,
        rng: &mut ChaCha8Rng,
    ) -> equistein::Result<()> {
        let mut svgd = Svgd::builder(self.kernel.clone()).step_size(eps).build()?;
        let limits = RunLimits::steps(steps);
        match class {
            None => svgd.run(&self.model, starts, rng, limits, &mut ())?,
            Some(y) => svgd.run(&self.model.output_energy(y)?, starts, rng, limits, &mut ())?,
        };
        Ok(())
    }
}

struct TrainResult {
    seconds: f64,
    svgd_step_ms: f64,
    svgd_steps: usize,
    cd_loss: f64,
    supervised: f64,
    epochs_run: usize,
}

/// Trains `model` by CD with the kernel's SVGD, checkpointing every `checkpoint_every` epochs.
#[allow(clippy::too_many_arguments)]
fn train<N, H, K>(
    model: &mut CandleEnergy<f32, N, H>,
    kernel: K,
    data: &Particles<f32>,
    labels: Vec<Option<H::Label>>,
    c: &EbmConfig,
    mut rng: ChaCha8Rng,
    ckpt: Option<(PathBuf, String, bool)>,
    bar: &RunProgress,
) -> Result<TrainResult, RunError>
where
    N: Network<f32>,
    H: Head<f32>,
    K: Kernel<f32>,
{
    let core = |e| RunError::core("training", e);
    let cfg = CdConfig {
        epochs: c.epochs,
        batch_size: c.batch_size,
        sampler_limits: RunLimits {
            max_steps: c.max_steps,
            tolerance: (c.tolerance > 0.0).then_some(c.tolerance as f32),
        },
        step_sizes: match schedule(c.step_size, &c.step_size_steps) {
            StepSchedule::Constant(v) => StepSchedule::Constant(v as f32),
            StepSchedule::Piecewise {
                initial,
                milestones,
            } => StepSchedule::Piecewise {
                initial: initial as f32,
                milestones: milestones.iter().map(|&(e, v)| (e, v as f32)).collect(),
            },
            StepSchedule::Exponential { initial, decay } => StepSchedule::Exponential {
                initial: initial as f32,
                decay: decay as f32,
            },
        },
        positives_repel: true,
    };
    let svgd = Svgd::builder(kernel).build().map_err(core)?;
    let chain = PersistentChain::new(2, c.batch_size, c.reset_probability, FreshStart::Positives)
        .map_err(core)?;
    let mut cd =
        ContrastiveDivergence::new(cfg, svgd, chain, data.clone(), labels).map_err(core)?;
    // Resume from a checkpoint written under the same configuration.
    if let Some((path, config_text, true)) = &ckpt {
        let cfg_path = path.with_extension("toml");
        let same = std::fs::read_to_string(&cfg_path)
            .map(|t| &t == config_text)
            .unwrap_or(false);
        if same && path.exists() {
            let back = checkpoint::load(path, model)
                .map_err(|e| RunError::core("loading the checkpoint", e))?;
            cd.restore(back.state).map_err(core)?;
            rng = rng_from_state(&back.rng).map_err(core)?;
        }
    }
    let mut timer = Timer {
        last: None,
        step_ms: Vec::new(),
        bar,
        steps: 0,
    };
    let t0 = Instant::now();
    let mut last = None;
    let mut epochs_run = 0;
    while cd.epoch() < c.epochs {
        let (info, _) = cd.train_epoch(model, &mut rng, &mut timer).map_err(core)?;
        epochs_run += 1;
        timer.bar.set(cd.epoch() as u64);
        last = Some(info);
        if let Some((path, config_text, _)) = &ckpt {
            if c.checkpoint_every > 0
                && cd.epoch() % c.checkpoint_every == 0
                && cd.epoch() < c.epochs
            {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| RunError::Io(format!("{}: {e}", dir.display())))?;
                }
                std::fs::write(path.with_extension("toml"), config_text)
                    .map_err(|e| RunError::Io(format!("{}: {e}", path.display())))?;
                let resume = Resume {
                    state: cd.state(),
                    rng: rng_state(&rng),
                };
                checkpoint::save(path, model, &resume)
                    .map_err(|e| RunError::core("writing a checkpoint", e))?;
            }
        }
    }
    let seconds = t0.elapsed().as_secs_f64();
    let (cd_loss, supervised) = last
        .map(|i| {
            (
                (i.mean_loss.positive_energy - i.mean_loss.negative_energy) as f64,
                i.mean_loss.supervised as f64,
            )
        })
        .unwrap_or((f64::NAN, f64::NAN));
    Ok(TrainResult {
        seconds,
        svgd_step_ms: median(&mut timer.step_ms),
        svgd_steps: timer.steps,
        cd_loss,
        supervised,
        epochs_run,
    })
}

fn mlp(sizes: &[usize], rng: &mut ChaCha8Rng) -> Result<Mlp<f32>, RunError> {
    Mlp::new(sizes, rng).map_err(|e| RunError::core("model", e))
}

/// The adapter around `net` and `head`, with the configured Adam schedule, clipping and energy penalty.
fn model_of<N: Network<f32>, H: Head<f32>>(
    net: N,
    head: H,
    c: &EbmConfig,
) -> Result<CandleEnergy<f32, N, H>, RunError> {
    let core = |e| RunError::core("model", e);
    let adam = Adam::with_schedule(schedule(c.learning_rate, &c.learning_rate_steps));
    let adam = if c.clip > 0.0 {
        adam.clip(c.clip)
    } else {
        adam
    };
    CandleEnergy::new(net, head, adam)
        .map_err(core)?
        .with_energy_penalty(c.energy_penalty)
        .map_err(core)
}

/// Builds, trains and returns one combination's model.
#[allow(clippy::too_many_arguments)]
fn train_combination(
    kind: EbmKind,
    combo: Combination,
    c: &EbmConfig,
    data: &Particles<f32>,
    labels: &[usize],
    neg_log_prob: &[f64],
    seed: u64,
    index: u64,
    ckpt: Option<(PathBuf, String, bool)>,
    bar: &RunProgress,
) -> Result<(Box<dyn Learned + Send + Sync>, TrainResult), RunError> {
    let core = |e| RunError::core("model", e);
    let mut init = stream(seed, Purpose::Init(100 + index));
    let rng = stream(seed, Purpose::Sampler(100 + index));
    let rbf = Rbf::fixed(c.bandwidth as f32).map_err(core)?;
    let erbf = Rbf::fixed(c.esvgd_bandwidth as f32).map_err(core)?;
    let c4 = CyclicRotation::new(4).map_err(core)?;
    match kind {
        EbmKind::JemC4 => {
            let mut sizes = vec![2];
            sizes.extend(&c.hidden);
            sizes.push(2);
            let head = JemHead::new(2).with_weight(c.supervised_weight);
            let labels: Vec<Option<usize>> = labels.iter().map(|&y| Some(y)).collect();
            let net = mlp(&sizes, &mut init)?;
            if !combo.equivariant_model() {
                let mut model = model_of(net, head, c)?;
                let r = train(&mut model, rbf, data, labels, c, rng, ckpt, bar)?;
                return Ok((Box::new(Trained { model, kernel: rbf }), r));
            }
            let net = GroupAverage::new(net, &c4).map_err(core)?;
            let mut model = model_of(net, head, c)?;
            if combo.equivariant_sampler() {
                let k = GroupAveraged::new(c4, erbf);
                let r = train(&mut model, k, data, labels, c, rng, ckpt, bar)?;
                Ok((Box::new(Trained { model, kernel: k }), r))
            } else {
                let r = train(&mut model, rbf, data, labels, c, rng, ckpt, bar)?;
                Ok((Box::new(Trained { model, kernel: rbf }), r))
            }
        }
        EbmKind::Circles => {
            let head = ScalarHead::with_regression(c.supervised_weight);
            let labels: Vec<Option<f32>> = neg_log_prob.iter().map(|&v| Some(v as f32)).collect();
            let mut sizes = vec![if combo.equivariant_model() { 1 } else { 2 }];
            sizes.extend(&c.hidden);
            sizes.push(1);
            let net = mlp(&sizes, &mut init)?;
            if !combo.equivariant_model() {
                let mut model = model_of(net, head, c)?;
                let r = train(&mut model, rbf, data, labels, c, rng, ckpt, bar)?;
                return Ok((Box::new(Trained { model, kernel: rbf }), r));
            }
            let net = NormInput::new(net, 2).map_err(core)?;
            let mut model = model_of(net, head, c)?;
            if combo.equivariant_sampler() {
                let k = InvariantMap::new(NormMap::new(2), erbf);
                let r = train(&mut model, k, data, labels, c, rng, ckpt, bar)?;
                Ok((Box::new(Trained { model, kernel: k }), r))
            } else {
                let r = train(&mut model, rbf, data, labels, c, rng, ckpt, bar)?;
                Ok((Box::new(Trained { model, kernel: rbf }), r))
            }
        }
    }
}

/// The 8 mode centres of jem-c4 (class 0's four, then class 1's).
fn jem_modes(target: &EbmTarget) -> Vec<Vec<f64>> {
    match target {
        EbmTarget::Jem { classes, .. } => classes.iter().flat_map(|m| m.means()).collect(),
        EbmTarget::Circles(_) => Vec::new(),
    }
}

fn grid_points(extent: f64, n: usize) -> Particles<f64> {
    let d = 2.0 * extent / n as f64;
    Particles::from_fn(2, n * n, |k, c| {
        let (i, j) = (k % n, k / n);
        -extent + (if c == 0 { i } else { j } as f64 + 0.5) * d
    })
}

/// Runs the experiment.
pub fn run_ebm(
    kind: EbmKind,
    c: &EbmConfig,
    ctx: &RunContext<'_>,
    checkpoints: Option<&Checkpoints>,
) -> Result<EbmOutcome, RunError> {
    let seed = ctx.seed;
    let target = EbmTarget::new(kind)?;
    let (data64, labels) =
        target.sample(&mut stream(seed, Purpose::Reference(100)), c.data_samples);
    let (test64, test_labels) = target.sample(
        &mut stream(seed, Purpose::Reference(101)),
        c.evaluation.test_samples,
    );
    let data = to_f32(&data64);
    let nlp: Vec<f64> = data64.iter().map(|x| target.neg_log_prob(x)).collect();
    let extent = c.evaluation.init_box;
    let gn = c.evaluation.grid;
    let grid = grid_points(extent, gn);
    let grid32 = to_f32(&grid);
    let true_energy: Vec<f64> = grid.iter().map(|x| target.neg_log_prob(x)).collect();
    let modes = jem_modes(&target);
    let radii = [3.0, 10.0];
    let fractions = |p: &Particles<f64>| -> Vec<f64> {
        match kind {
            EbmKind::JemC4 => mode_fractions(p, &modes),
            EbmKind::Circles => ring_fractions(p, &radii),
        }
    };
    // The data law's spread and the MMD noise floor, from an exact sample of the runs' size.
    let exact = target
        .sample(
            &mut stream(seed, Purpose::Reference(102)),
            c.evaluation.samples,
        )
        .0;
    let mmd_floor = mmd_rbf(&exact, &test64, None).map_err(|e| RunError::core("MMD", e))?;
    let exact_mode_spread = match kind {
        EbmKind::JemC4 => {
            Some(mode_spread(&exact, &modes).map_err(|e| RunError::core("spread", e))?)
        }
        EbmKind::Circles => None,
    };
    let exact_ring_spread = ring_spread(&exact, &radii);
    // Rotated test set (random multiples of 90°).
    let c4 = CyclicRotation::new(4).map_err(|e| RunError::core("group", e))?;
    let mut rot_rng = stream(seed, Purpose::Reference(103));
    let mut rotated = test64.clone();
    for x in rotated.iter_mut() {
        let k = random::index(&mut rot_rng, 4);
        let src = [x[0], x[1]];
        c4.act(&k, &src, x);
    }

    let extent_grid = |values: Vec<f64>| DensityGrid {
        x: (-extent, extent),
        y: (-extent, extent),
        nx: gn,
        ny: gn,
        values,
    };
    let mut rows = Vec::new();
    // The target row.
    let target_grids = match &target {
        EbmTarget::Jem { classes, .. } => {
            let dens = |m: &GaussianMixture<f64>| -> Vec<f64> {
                grid.iter()
                    .map(|x| m.energy(x).map(|e| (-e).exp()).unwrap_or(0.0))
                    .collect()
            };
            let (a, b) = (dens(&classes[0]), dens(&classes[1]));
            let post: Vec<f64> = a
                .iter()
                .zip(&b)
                .map(|(p, q)| if p + q > 0.0 { q / (p + q) } else { 0.5 })
                .collect();
            let joint: Vec<f64> = a.iter().zip(&b).map(|(p, q)| 0.5 * (p + q)).collect();
            vec![
                extent_grid(post),
                extent_grid(joint),
                extent_grid(a),
                extent_grid(b),
            ]
        }
        EbmTarget::Circles(_) => vec![extent_grid(
            true_energy.iter().map(|e| (-e).exp()).collect(),
        )],
    };
    rows.push(EbmRow {
        name: "target (exact samples)".into(),
        grids: target_grids,
        samples: exact.clone(),
    });

    let config_text = toml::to_string(c).unwrap_or_default();
    let mut runs = Vec::new();
    for (index, &combo) in c.combinations.iter().enumerate() {
        let name = combo.name();
        let bar = ctx.progress.start(name, c.epochs as u64);
        let ckpt = checkpoints.map(|k| {
            (
                k.dir
                    .join(format!("{}.safetensors", name.replace('+', "-"))),
                format!("seed = {seed}\n{config_text}"),
                k.resume,
            )
        });
        let (learned, tr) = train_combination(
            kind,
            combo,
            c,
            &data,
            &labels,
            &nlp,
            seed,
            index as u64,
            ckpt,
            &bar,
        )?;
        let eval = |what: &str, e| RunError::core(&format!("{name}: {what}"), e);
        // Samples from the learned model.
        let mut srng = stream(seed, Purpose::MmdSample(100 + index as u64));
        let cs = c.evaluation.chain_size;
        let chains = c.evaluation.samples.div_ceil(cs);
        let mut flat = Vec::with_capacity(chains * cs * 2);
        // jem-c4: as in the authors' evaluation, each chain samples one class's conditional E(x | y), the
        // classes taking turns (equal class weights, as in the data); ebm-circles samples the joint energy.
        for chain in 0..chains {
            let class = (kind == EbmKind::JemC4).then_some(chain % 2);
            let mut p = Particles::from_fn(2, cs, |_, _| {
                random::uniform(&mut srng, -extent as f32, extent as f32)
            });
            learned
                .sample(
                    &mut p,
                    class,
                    c.evaluation.steps,
                    c.evaluation.step_size as f32,
                    &mut srng,
                )
                .map_err(|e| eval("sampling", e))?;
            flat.extend_from_slice(p.as_slice());
        }
        let samples = Particles::from_rows(2, &flat).map_err(|e| eval("samples", e))?;
        let samples = to_f64(&samples);
        let finite: Vec<f64> = samples
            .iter()
            .filter(|x| x.iter().all(|v| v.is_finite()))
            .flatten()
            .copied()
            .collect();
        let samples = Particles::from_rows(2, &finite).map_err(|e| eval("samples", e))?;
        let mmd = mmd_rbf(&samples, &test64, None).map_err(|e| eval("MMD", e))?;
        // Learned energy on the grid.
        let e_grid: Vec<f64> = learned
            .energies(&grid32)
            .map_err(|e| eval("energy grid", e))?
            .iter()
            .map(|&v| v as f64)
            .collect();
        let energy_spearman = spearman(&e_grid, &true_energy);
        let norm_density = |e: &[f64]| -> Vec<f64> {
            let m = e
                .iter()
                .copied()
                .filter(|v| v.is_finite())
                .fold(f64::INFINITY, f64::min);
            e.iter().map(|v| (m - v).exp()).collect()
        };
        let mut record = EbmRecord {
            train_accuracy: None,
            test_accuracy: None,
            rotated_test_accuracy: None,
            test_cross_entropy: None,
            samples: samples.len(),
            mode_fractions: None,
            ring_fractions: None,
            spread_ratio: serde_json::Value::Null,
            mmd,
            energy_spearman,
            seconds: tr.seconds,
            svgd_step_ms: tr.svgd_step_ms,
            svgd_steps: tr.svgd_steps,
            final_cd_loss: tr.cd_loss,
            final_supervised_loss: tr.supervised,
            epochs_run: tr.epochs_run,
        };
        let grids = match kind {
            EbmKind::JemC4 => {
                let acc = |x: &Particles<f64>, y: &[usize]| -> Result<(f64, f64), RunError> {
                    let logits = learned.outputs(&to_f32(x)).map_err(|e| eval("logits", e))?;
                    let mut correct = 0usize;
                    let mut ce = 0.0;
                    for (l, &yy) in logits.chunks(2).zip(y) {
                        correct += usize::from(usize::from(l[1] > l[0]) == yy);
                        let lp = JemHead::log_probabilities(&[l[0] as f64, l[1] as f64]);
                        ce -= lp[yy];
                    }
                    Ok((correct as f64 / y.len() as f64, ce / y.len() as f64))
                };
                record.train_accuracy = Some(acc(&data64, &labels)?.0);
                let (ta, tce) = acc(&test64, &test_labels)?;
                record.test_accuracy = Some(ta);
                record.test_cross_entropy = Some(tce);
                record.rotated_test_accuracy = Some(acc(&rotated, &test_labels)?.0);
                record.mode_fractions = Some(fractions(&samples));
                let s = mode_spread(&samples, &modes).ok();
                record.spread_ratio = match (s, exact_mode_spread) {
                    (Some(s), Some(t)) => serde_json::to_value(RadialTangential {
                        radial: s.radial / t.radial,
                        tangential: s.tangential / t.tangential,
                    })
                    .unwrap_or_default(),
                    _ => serde_json::Value::Null,
                };
                let logits: Vec<f64> = learned
                    .outputs(&grid32)
                    .map_err(|e| eval("logits", e))?
                    .iter()
                    .map(|&v| v as f64)
                    .collect();
                let post: Vec<f64> = logits
                    .chunks(2)
                    .map(|l| 1.0 / (1.0 + (l[0] - l[1]).exp()))
                    .collect();
                let f0: Vec<f64> = logits.chunks(2).map(|l| -l[0]).collect();
                let f1: Vec<f64> = logits.chunks(2).map(|l| -l[1]).collect();
                vec![
                    extent_grid(post),
                    extent_grid(norm_density(&e_grid)),
                    extent_grid(norm_density(&f0)),
                    extent_grid(norm_density(&f1)),
                ]
            }
            EbmKind::Circles => {
                record.ring_fractions = Some(fractions(&samples));
                let s = ring_spread(&samples, &radii);
                record.spread_ratio = serde_json::to_value(
                    s.iter()
                        .zip(&exact_ring_spread)
                        .map(|(a, b)| a / b)
                        .collect::<Vec<f64>>(),
                )
                .unwrap_or_default();
                vec![extent_grid(norm_density(&e_grid))]
            }
        };
        bar.finish(&format!(
            "{} epochs in {:.1} s, {:.3} ms per SVGD step",
            tr.epochs_run, tr.seconds, tr.svgd_step_ms
        ));
        rows.push(EbmRow {
            name: name.to_owned(),
            grids,
            samples,
        });
        runs.push((name.to_owned(), record));
    }
    if let Some(k) = checkpoints {
        // The run finished: its checkpoints are no longer needed.
        let _ = std::fs::remove_dir_all(&k.dir);
    }
    let experiment = match kind {
        EbmKind::JemC4 => ExperimentName::JemC4,
        EbmKind::Circles => ExperimentName::EbmCircles,
    };
    Ok(EbmOutcome {
        kind,
        metrics: Metrics {
            experiment: experiment.name().to_owned(),
            seed,
            preset: ctx.preset.name().to_owned(),
            reference: EbmReference {
                data_samples: c.data_samples,
                test_samples: c.evaluation.test_samples,
                fractions: fractions(&test64),
                mmd: mmd_floor,
            },
            runs: Runs(runs),
        },
        rows,
        extent,
    })
}

/// Writes `metrics.json` and `ebm.png`.
pub fn write_ebm(outcome: &EbmOutcome, out: &StagedOutput) -> Result<(), RunError> {
    write_json(out, "metrics.json", &outcome.metrics)?;
    let columns: &[&str] = match outcome.kind {
        EbmKind::JemC4 => &[
            "p(y=1|x)",
            "joint exp(−E)",
            "class 0 exp(f₀)",
            "class 1 exp(f₁)",
            "wedge x₀ ≥ |x₁|",
        ],
        EbmKind::Circles => &["exp(−E) with samples", "(‖x‖, 0)"],
    };
    let caption = match outcome.kind {
        EbmKind::JemC4 => "jem-c4: learned JEMs (rows) against the target (first row)",
        EbmKind::Circles => "ebm-circles: learned EBMs (rows) against the target (first row)",
    };
    crate::plot::ebm_grid(
        &out.dir().join("ebm.png"),
        caption,
        columns,
        &outcome
            .rows
            .iter()
            .map(|r| (r.name.clone(), r.grids.clone(), r.samples.clone()))
            .collect::<Vec<_>>(),
        outcome.extent,
        outcome.kind == EbmKind::JemC4,
    )?;
    Ok(())
}
