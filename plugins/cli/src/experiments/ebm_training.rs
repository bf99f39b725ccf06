//! Training of the EBM experiments' models with the trainer of `equistein-candle`: the configuration's CD
//! settings, the checkpoint file of each combination, `--resume`, and the progress bar as an observer.
//! The trained model comes back with its sampler's kernel, type-erased to what evaluation needs.

use super::RunError;
use crate::config::EbmConfig;
use crate::progress::RunProgress;
use equistein::cd::{CdConfig, ContrastiveDivergence, FreshStart, PersistentChain};
use equistein::{Control, Energy, Kernel, Particles, RunLimits, Sampler, StepSchedule, Svgd};
use equistein_candle::checkpoint::RunIdentity;
use equistein_candle::train::{
    Checkpointing, EpochReport, NoCheckpoints, RunCounters, SafetensorsFile, StopAfterCheckpoints,
    TrainObserver, Trainer,
};
use equistein_candle::{Adam, CandleEnergy, Head, Mlp, Network};
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;

/// Where checkpoints go and whether to continue from them.
#[derive(Debug, Clone)]
pub struct Checkpoints {
    /// The folder (`OUT/.EXPERIMENT.checkpoints`).
    pub dir: PathBuf,
    /// Continue from a checkpoint of the same experiment, configuration and seed, if one exists.
    pub resume: bool,
    /// Stop each combination's training after this many checkpoints, leaving them on disk (a time box; the
    /// tests' stand-in for a killed run). The run then fails with [`RunError::Stopped`].
    pub stop_after: Option<usize>,
}

/// The checkpoint of one combination: its file, the run's identity, whether to resume.
#[derive(Debug, Clone)]
pub struct CombinationCheckpoint {
    /// `DIR/COMBINATION.safetensors`.
    pub path: PathBuf,
    /// `EXPERIMENT/COMBINATION` and the configuration with its seed.
    pub identity: RunIdentity,
    /// Resume from `path` if it exists.
    pub resume: bool,
    /// Stop after this many checkpoints.
    pub stop_after: Option<usize>,
}

impl Checkpoints {
    /// The checkpoint of `combination` in experiment `experiment`, run with `config` under `seed`.
    pub fn for_combination<C: serde::Serialize>(
        &self,
        experiment: &str,
        combination: &str,
        seed: u64,
        config: &C,
    ) -> CombinationCheckpoint {
        let text = toml::to_string(config).unwrap_or_default();
        CombinationCheckpoint {
            path: self
                .dir
                .join(format!("{}.safetensors", combination.replace('+', "-"))),
            identity: RunIdentity::new(
                format!("{experiment}/{combination}"),
                format!("seed = {seed}\n{text}"),
            ),
            resume: self.resume,
            stop_after: self.stop_after,
        }
    }
}

/// A piecewise-constant schedule from an initial value and `[epoch, value]` milestones.
pub fn schedule(initial: f64, steps: &[(usize, f64)]) -> StepSchedule<f64> {
    if steps.is_empty() {
        StepSchedule::Constant(initial)
    } else {
        StepSchedule::Piecewise {
            initial,
            milestones: steps.to_vec(),
        }
    }
}

fn schedule_f32(s: StepSchedule<f64>) -> StepSchedule<f32> {
    match s {
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
    }
}

/// Where a fresh negative chain starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fresh {
    /// At the positive batch (the toy EBMs).
    Positives,
    /// Uniform on `[−b, b)^d` (DW-4).
    Uniform(f64),
    /// Uniform on `[lo, hi)^d` (`fashion-mnist`'s noise images on `[0, 1)^784`).
    Box(f64, f64),
}

/// What training needs of an EBM experiment's configuration.
#[derive(Debug, Clone)]
pub struct TrainSettings {
    /// The core driver's settings (positives repel the negatives, as in the paper).
    pub cd: CdConfig<f32>,
    /// Probability of a fresh start of the persistent chain.
    pub reset_probability: f64,
    /// Where fresh chains start.
    pub fresh: Fresh,
    /// Adam's learning-rate schedule.
    pub learning_rate: StepSchedule<f64>,
    /// Global gradient-norm clipping (0: none).
    pub clip: f64,
    /// L2 penalty on the energies (0: none).
    pub energy_penalty: f64,
    /// The noise temperature of the negatives' sampler (noisy SVGD, `x ← x + εφ + √(2εT) ξ`; 0: none).
    pub noise: f64,
    /// A checkpoint every this many epochs (0: never).
    pub checkpoint_every: usize,
}

impl TrainSettings {
    /// The settings of `jem-c4` and `ebm-circles` (fresh chains start at the positives).
    pub fn of_ebm(c: &EbmConfig) -> Self {
        TrainSettings {
            cd: CdConfig {
                epochs: c.epochs,
                batch_size: c.batch_size,
                sampler_limits: RunLimits {
                    max_steps: c.max_steps,
                    tolerance: (c.tolerance > 0.0).then_some(c.tolerance as f32),
                },
                step_sizes: schedule_f32(schedule(c.step_size, &c.step_size_steps)),
                positives_repel: true,
            },
            reset_probability: c.reset_probability,
            fresh: Fresh::Positives,
            learning_rate: schedule(c.learning_rate, &c.learning_rate_steps),
            clip: c.clip,
            energy_penalty: c.energy_penalty,
            noise: 0.0,
            checkpoint_every: c.checkpoint_every,
        }
    }
}

/// The MLP of the given layer sizes.
pub fn mlp(sizes: &[usize], rng: &mut ChaCha8Rng) -> Result<Mlp<f32>, RunError> {
    Mlp::new(sizes, rng).map_err(|e| RunError::core("model", e))
}

/// The adapter around `net` and `head`, with the configured Adam schedule, clipping and energy penalty.
pub fn model_of<N: Network<f32>, H: Head<f32>>(
    net: N,
    head: H,
    c: &TrainSettings,
) -> Result<CandleEnergy<f32, N, H>, RunError> {
    let core = |e| RunError::core("model", e);
    let adam = Adam::with_schedule(c.learning_rate.clone());
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

/// The progress bar as a training observer: one tick per epoch (counted over resumes).
struct Bar<'a>(&'a RunProgress);

impl TrainObserver<f32> for Bar<'_> {
    fn started(&mut self, counters: &RunCounters, _: usize) {
        self.0.set(counters.epochs as u64);
    }
    fn epoch(&mut self, report: &EpochReport<'_, f32>) -> Control {
        self.0.set(report.counters.epochs as u64);
        Control::Continue
    }
}

/// The trained model of one combination, type-erased to what evaluation needs.
pub trait Learned {
    /// Outputs (logits or o) of a batch, `n × k`.
    fn outputs(&self, x: &Particles<f32>) -> equistein::Result<Vec<f32>>;
    /// Energies of a batch.
    fn energies(&self, x: &Particles<f32>) -> equistein::Result<Vec<f32>>;
    /// The learned energy `E(x)`, to be sampled with any kernel.
    fn energy(&self) -> &(dyn Energy<f32> + Sync);
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
    fn energy(&self) -> &(dyn Energy<f32> + Sync) {
        &self.model
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

/// A trained combination: the model with its sampler, and the training's whole-run counters.
pub type TrainedCombination = (Box<dyn Learned + Send + Sync>, RunCounters);

type Run<N, H, K, C> = Trainer<f32, N, H, Svgd<f32, K>, C>;

fn run_trainer<N, H, K, C>(
    mut trainer: Run<N, H, K, C>,
    kernel: K,
    checkpoint: Option<&CombinationCheckpoint>,
    bar: &RunProgress,
) -> Result<TrainedCombination, RunError>
where
    N: Network<f32> + 'static,
    H: Head<f32> + 'static,
    K: Kernel<f32> + Clone + Send + Sync + 'static,
    C: Checkpointing,
{
    if let Some(k) = checkpoint.filter(|k| k.resume && k.path.exists()) {
        trainer
            .resume(&k.path)
            .map_err(|e| RunError::Other(format!("cannot resume: {e}")))?;
    }
    let stop = StopAfterCheckpoints::new(checkpoint.and_then(|k| k.stop_after).unwrap_or(0));
    let out = match checkpoint.and_then(|k| k.stop_after) {
        Some(_) => trainer.run((Bar(bar), stop)),
        None => trainer.run(Bar(bar)),
    }
    .map_err(|e| RunError::Other(format!("training: {e}")))?;
    if out.stopped {
        return Err(RunError::Stopped(format!(
            "training stopped after epoch {} as asked; the checkpoint is kept",
            out.counters.epochs
        )));
    }
    let model = trainer.into_model();
    Ok((Box::new(Trained { model, kernel }), out.counters))
}

/// Trains `model` by CD with the kernel's SVGD on `data` with `labels`, the driver's RNG `rng`; with a
/// checkpoint, writes it every `checkpoint_every` epochs and at the end, and resumes from it when asked.
#[allow(clippy::too_many_arguments)]
pub fn train<N, H, K>(
    model: CandleEnergy<f32, N, H>,
    kernel: K,
    data: &Particles<f32>,
    labels: Vec<Option<H::Label>>,
    c: &TrainSettings,
    rng: ChaCha8Rng,
    checkpoint: Option<&CombinationCheckpoint>,
    bar: &RunProgress,
) -> Result<TrainedCombination, RunError>
where
    N: Network<f32> + 'static,
    H: Head<f32> + 'static,
    K: Kernel<f32> + Clone + Send + Sync + 'static,
{
    let core = |e| RunError::core("training", e);
    let svgd = Svgd::builder(kernel.clone())
        .noise(c.noise as f32)
        .build()
        .map_err(core)?;
    let fresh = match c.fresh {
        Fresh::Positives => FreshStart::Positives,
        Fresh::Uniform(b) => FreshStart::Uniform {
            lo: -b as f32,
            hi: b as f32,
        },
        Fresh::Box(lo, hi) => FreshStart::Uniform {
            lo: lo as f32,
            hi: hi as f32,
        },
    };
    let chain = PersistentChain::new(data.dim(), c.cd.batch_size, c.reset_probability, fresh)
        .map_err(core)?;
    let cd = ContrastiveDivergence::new(c.cd.clone(), svgd, chain, data.clone(), labels)
        .map_err(core)?;
    let trainer = Trainer::new(model, cd, rng);
    match checkpoint {
        Some(k) if c.checkpoint_every > 0 => {
            let trainer = trainer
                .with_identity(k.identity.clone())
                .with_checkpoints(SafetensorsFile::new(&k.path, c.checkpoint_every));
            run_trainer(trainer, kernel, Some(k), bar)
        }
        _ => run_trainer(trainer.with_checkpoints(NoCheckpoints), kernel, None, bar),
    }
}
