//! `c4-gaussians`, `circles`, `spheres`: every listed sampler from the same initial particles, compared with
//! exact samples and the true orbit statistics.

use super::evaluate::sample_stats;
use super::pictures;
use super::samplers::{run_parallel, run_sampler, SvgdSettings};
use super::target::{ToyTarget, Truth};
use super::{
    normal_particles, progress_observer, uniform_particles, write_json, RunContext, RunError,
};
use crate::config::{C4GaussiansConfig, Evaluation, ExperimentName, RadialToyConfig, SamplerKind};
use crate::metrics::{Metrics, RunRecord, Runs, SampleStats};
use crate::output::StagedOutput;
use crate::streams::{stream, Purpose};
use equistein::diagnostics::mean_log_prob;
use equistein::Particles;
use serde::Serialize;
use std::time::Instant;

/// The law of the initial particles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InitLaw {
    /// `N(0, std² I)`.
    Normal {
        /// The standard deviation.
        std: f64,
    },
    /// Uniform on `[low, high)^d`.
    Uniform {
        /// The lower corner.
        low: f64,
        /// The upper corner.
        high: f64,
    },
}

/// Everything a toy comparison needs, built from a validated configuration.
#[derive(Debug, Clone)]
pub struct ToySpec {
    /// The experiment's name.
    pub experiment: ExperimentName,
    /// The target.
    pub target: ToyTarget,
    /// The number of particles.
    pub particles: usize,
    /// Steps, step size, bandwidth.
    pub settings: SvgdSettings,
    /// The samplers compared.
    pub samplers: Vec<SamplerKind>,
    /// The initial law.
    pub init: InitLaw,
    /// Exact-sample sizes.
    pub evaluation: Evaluation,
}

impl ToySpec {
    /// The `c4-gaussians` comparison.
    pub fn c4_gaussians(c: &C4GaussiansConfig) -> Result<Self, RunError> {
        Ok(ToySpec {
            experiment: ExperimentName::C4Gaussians,
            target: ToyTarget::gaussians(&c.target)?,
            particles: c.particles,
            settings: SvgdSettings {
                steps: c.steps,
                step_size: c.step_size,
                bandwidth: c.bandwidth,
            },
            samplers: c.samplers.clone(),
            init: InitLaw::Normal { std: c.init.std },
            evaluation: c.evaluation.clone(),
        })
    }

    /// The `circles` or `spheres` comparison.
    pub fn radial(experiment: ExperimentName, c: &RadialToyConfig) -> Result<Self, RunError> {
        Ok(ToySpec {
            experiment,
            target: ToyTarget::radial(&c.target, "target")?,
            particles: c.particles,
            settings: SvgdSettings {
                steps: c.steps,
                step_size: c.step_size,
                bandwidth: c.bandwidth,
            },
            samplers: c.samplers.clone(),
            init: InitLaw::Uniform {
                low: c.init.low,
                high: c.init.high,
            },
            evaluation: c.evaluation.clone(),
        })
    }
}

/// The `reference` of a toy's metrics: the statistics of an exact sample of the runs' size (the noise level
/// of every number), and the true values.
#[derive(Debug, Clone, Serialize)]
pub struct ToyReference {
    /// Statistics of an exact sample with as many points as the runs have particles.
    #[serde(flatten)]
    pub exact: SampleStats,
    /// The size of the large exact sample behind the true values.
    pub truth_samples: usize,
    /// Mean log π of the large exact sample (the expected log-density under the target).
    pub true_mean_log_prob: f64,
    /// The true orbit statistics.
    #[serde(flatten)]
    pub truth: Truth,
}

/// The result of a toy comparison.
#[derive(Debug, Clone)]
pub struct ToyOutcome {
    /// What `metrics.json` holds.
    pub metrics: Metrics<ToyReference, RunRecord>,
    /// The target.
    pub target: ToyTarget,
    /// The common initial particles.
    pub initial: Particles<f64>,
    /// The exact sample of the reference.
    pub exact: Particles<f64>,
    /// Each sampler's final particles, in the configured order.
    pub finals: Vec<(String, Particles<f64>)>,
}

/// Runs every configured sampler from the same initial particles and measures the results.
pub fn run_toy(spec: &ToySpec, ctx: &RunContext<'_>) -> Result<ToyOutcome, RunError> {
    let target = &spec.target;
    let d = target.dim();
    let n = spec.particles;
    let seed = ctx.seed;
    let initial = match spec.init {
        InitLaw::Normal { std } => {
            normal_particles(&mut stream(seed, Purpose::Init(0)), d, n, &[], std)
        }
        InitLaw::Uniform { low, high } => {
            uniform_particles(&mut stream(seed, Purpose::Init(0)), d, n, low, high)
        }
    };

    let big = target.sample_exact(
        &mut stream(seed, Purpose::Truth),
        spec.evaluation.truth_samples,
    );
    let truth = target.truth(&big)?;
    let true_mean_log_prob =
        mean_log_prob(target.energy(), &big).map_err(|e| RunError::core("truth", e))?;
    drop(big);

    let exact = target.sample_exact(&mut stream(seed, Purpose::Reference(0)), n);
    let mmd_n = spec.evaluation.mmd_samples;
    let exact_stats = sample_stats(target, &exact, seed, 0, mmd_n, Some(&truth))?;

    let jobs: Vec<(usize, SamplerKind)> = spec.samplers.iter().copied().enumerate().collect();
    let results = run_parallel(
        jobs,
        |(k, kind)| -> Result<(RunRecord, Particles<f64>), RunError> {
            let name = kind.name();
            let bar = ctx.progress.start(name, spec.settings.steps as u64);
            let mut p = initial.clone();
            let mut rng = stream(seed, Purpose::Sampler(k as u64));
            let t0 = Instant::now();
            let summary = run_sampler(
                kind,
                target,
                spec.settings,
                &mut p,
                &mut rng,
                &mut progress_observer(&bar, spec.settings.steps),
            )
            .map_err(|e| RunError::core(&format!("sampler `{name}`"), e))?;
            let seconds = t0.elapsed().as_secs_f64();
            bar.finish(&format!("{} steps in {seconds:.1} s", summary.steps));
            let stats = sample_stats(target, &p, seed, k as u64 + 1, mmd_n, Some(&truth))
                .map_err(|e| RunError::Other(format!("sampler `{name}`: {e}")))?;
            Ok((
                RunRecord {
                    stats,
                    steps: summary.steps,
                    seconds,
                    curve: None,
                },
                p,
            ))
        },
    );

    let mut runs = Vec::new();
    let mut finals = Vec::new();
    for (kind, r) in spec.samplers.iter().zip(results) {
        let (record, p) = r?;
        runs.push((kind.name().to_owned(), record));
        finals.push((kind.name().to_owned(), p));
    }
    Ok(ToyOutcome {
        metrics: Metrics {
            experiment: spec.experiment.name().to_owned(),
            seed,
            preset: ctx.preset.name().to_owned(),
            reference: ToyReference {
                exact: exact_stats,
                truth_samples: spec.evaluation.truth_samples,
                true_mean_log_prob,
                truth,
            },
            runs: Runs(runs),
        },
        target: spec.target.clone(),
        initial,
        exact,
        finals,
    })
}

/// Writes `metrics.json`, each sampler's final particles as `samples_SAMPLER.npy` (`N × d`, `<f8`),
/// `samples.png` and `factorized.png`.
pub fn write_toy(outcome: &ToyOutcome, out: &StagedOutput) -> Result<(), RunError> {
    write_json(out, "metrics.json", &outcome.metrics)?;
    super::samples_out::write_all_samples(out, &outcome.finals)?;
    pictures::toy_pictures(outcome, out.dir())?;
    Ok(())
}
