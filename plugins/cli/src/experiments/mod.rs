//! The experiments. Each has a core (configuration → samplers → metrics, a library function that returns the
//! metrics and the final particles, used by the tests) and a writer (metrics.json and pictures).

pub mod chains;
pub mod dw4;
pub mod dw4_evaluation;
pub mod dw4_pictures;
pub mod ebm_circles;
pub mod ebm_evaluation;
pub mod ebm_metrics;
pub mod ebm_pictures;
pub mod ebm_run;
pub mod ebm_training;
pub mod evaluate;
pub mod fashion_evaluation;
pub mod fashion_mnist;
pub mod fashion_pictures;
pub mod jem_c4;
pub mod pictures;
pub mod qm9;
pub mod qm9_pictures;
pub mod robustness;
pub mod sample_efficiency;
pub mod samplers;
pub mod samples_out;
pub mod target;
pub mod toy;
pub mod training_summary;

use crate::config::{ExperimentConfig, Preset};
use crate::output::StagedOutput;
use crate::plot::PlotError;
use crate::progress::Progress;
use core::fmt;
use equistein::random::{standard_normal, uniform};
use equistein::Particles;
use rand_core::RngCore;
use serde::Serialize;

/// What an experiment run needs besides its configuration.
#[derive(Debug)]
pub struct RunContext<'a> {
    /// The seed of every random stream.
    pub seed: u64,
    /// The preset the configuration started from (recorded in the metrics).
    pub preset: Preset,
    /// Where progress goes.
    pub progress: &'a Progress,
    /// Checkpoints of long trainings (the EBM experiments), and whether to resume from them.
    pub checkpoints: Option<ebm_training::Checkpoints>,
}

/// A failure while running an experiment (after its configuration was accepted).
#[derive(Debug)]
pub enum RunError {
    /// The library refused or failed (a sampler diverged, a statistic was undefined), with what was being done.
    Core {
        /// What was being done.
        during: String,
        /// The library's error.
        error: equistein::Error,
    },
    /// A picture could not be drawn.
    Plot(PlotError),
    /// A file could not be written.
    Io(String),
    /// Training stopped early as asked ([`ebm_training::Checkpoints::stop_after`]); checkpoints are kept.
    Stopped(String),
    /// Anything else.
    Other(String),
}

impl RunError {
    /// A library error during `during`.
    pub fn core(during: &str, error: equistein::Error) -> Self {
        RunError::Core {
            during: during.to_owned(),
            error,
        }
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Core { during, error } => write!(f, "{during}: {error}"),
            RunError::Plot(e) => write!(f, "{e}"),
            RunError::Io(e) | RunError::Stopped(e) | RunError::Other(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for RunError {}

impl From<PlotError> for RunError {
    fn from(e: PlotError) -> Self {
        RunError::Plot(e)
    }
}

/// Runs the configured experiment and writes its metrics and pictures into `out`.
pub fn run(
    config: &ExperimentConfig,
    ctx: &RunContext<'_>,
    out: &StagedOutput,
) -> Result<(), RunError> {
    match config {
        ExperimentConfig::C4Gaussians(c) => {
            let spec = toy::ToySpec::c4_gaussians(c)?;
            let outcome = toy::run_toy(&spec, ctx)?;
            toy::write_toy(&outcome, out)
        }
        ExperimentConfig::Circles(c) | ExperimentConfig::Spheres(c) => {
            let spec = toy::ToySpec::radial(config.experiment(), c)?;
            let outcome = toy::run_toy(&spec, ctx)?;
            toy::write_toy(&outcome, out)
        }
        ExperimentConfig::SampleEfficiency(c) => {
            let outcome = sample_efficiency::run_sample_efficiency(c, ctx)?;
            sample_efficiency::write(&outcome, out)
        }
        ExperimentConfig::Robustness(c) => {
            let outcome = robustness::run_robustness(c, ctx)?;
            robustness::write(&outcome, out)
        }
        ExperimentConfig::JemC4(c) => jem_c4::run_and_write(c, ctx, out),
        ExperimentConfig::EbmCircles(c) => ebm_circles::run_and_write(c, ctx, out),
        ExperimentConfig::Dw4(c)
        | ExperimentConfig::Dw4Boltzmann(c)
        | ExperimentConfig::Dw4Kohler(c) => {
            dw4_pictures::write(&dw4::run(config.experiment(), c, ctx)?, out)
        }
        ExperimentConfig::Qm9(c) => {
            qm9_pictures::write(&qm9::run(c, ctx)?, out, c.evaluation.picture)
        }
        ExperimentConfig::FashionMnist(c) => {
            fashion_pictures::write(&fashion_mnist::run(c, ctx)?, out)
        }
    }
}

/// Writes `value` as pretty JSON to `file` in `out`.
pub fn write_json<V: Serialize>(out: &StagedOutput, file: &str, value: &V) -> Result<(), RunError> {
    let text =
        serde_json::to_string_pretty(value).map_err(|e| RunError::Io(format!("{file}: {e}")))?;
    out.write(file, format!("{text}\n").as_bytes())
        .map_err(|e| {
            RunError::Io(format!(
                "cannot write {}: {e}",
                out.dir().join(file).display()
            ))
        })
}

/// `n` particles in `R^d` from `N(mean, std² I)`.
pub fn normal_particles<R: RngCore>(
    rng: &mut R,
    d: usize,
    n: usize,
    mean: &[f64],
    std: f64,
) -> Particles<f64> {
    let mut p = Particles::zeros(d, n);
    for x in p.iter_mut() {
        for (c, v) in x.iter_mut().enumerate() {
            *v = mean.get(c).copied().unwrap_or(0.0) + std * standard_normal::<f64, _>(rng);
        }
    }
    p
}

/// `n` particles in `R^d` uniform on `[low, high)^d`.
pub fn uniform_particles<R: RngCore>(
    rng: &mut R,
    d: usize,
    n: usize,
    low: f64,
    high: f64,
) -> Particles<f64> {
    let mut p = Particles::zeros(d, n);
    for v in p.as_mut_slice() {
        *v = uniform(rng, low, high);
    }
    p
}

/// A progress-reporting observer for `steps` steps: updates the bar about 500 times per run.
pub fn progress_observer(
    bar: &crate::progress::RunProgress,
    steps: usize,
) -> impl FnMut(&equistein::StepInfo<f64>, &Particles<f64>) -> equistein::Control + '_ {
    let every = (steps / 500).max(1);
    move |info, _| {
        let done = info.step + 1;
        if done % every == 0 || done == steps {
            bar.set(done as u64);
        }
        equistein::Control::Continue
    }
}
