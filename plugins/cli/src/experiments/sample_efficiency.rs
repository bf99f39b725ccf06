//! `sample-efficiency`: mean log π per step of E-SVGD with few particles against SVGD with many.

use super::evaluate::sample_stats;
use super::samplers::{run_parallel, run_sampler, SvgdSettings};
use super::target::{ToyTarget, Truth};
use super::{uniform_particles, write_json, RunContext, RunError};
use crate::config::{SampleEfficiencyConfig, SamplerKind};
use crate::metrics::{Metrics, RunRecord, Runs};
use crate::output::StagedOutput;
use crate::plot::{line_chart, Series};
use crate::streams::{stream, Purpose};
use equistein::diagnostics::mean_log_prob;
use equistein::{Control, Particles};
use serde::Serialize;
use std::time::Instant;

/// The `reference` of the metrics.
#[derive(Debug, Clone, Serialize)]
pub struct EfficiencyReference {
    /// Mean log π of `reference_samples` exact samples (the reference line).
    pub mean_log_prob: f64,
    /// The number of exact samples behind it.
    pub reference_samples: usize,
    /// The true orbit statistics (from the same exact sample).
    #[serde(flatten)]
    pub truth: Truth,
}

/// The result of the study.
#[derive(Debug, Clone)]
pub struct EfficiencyOutcome {
    /// What `metrics.json` holds.
    pub metrics: Metrics<EfficiencyReference, RunRecord>,
    /// Each run's final particles.
    pub samples: Vec<(String, Particles<f64>)>,
}

/// The runs: `svgd` with `particles × m` particles for every multiplier, every other sampler with
/// `particles`; names `<sampler>-n<count>`. Runs with the same count start from the same particles.
pub fn run_list(c: &SampleEfficiencyConfig) -> Vec<(String, SamplerKind, usize)> {
    let mut v = Vec::new();
    for &kind in &c.samplers {
        if kind == SamplerKind::Svgd {
            for &m in &c.svgd_multipliers {
                let n = c.particles * m;
                v.push((format!("{}-n{n}", kind.name()), kind, n));
            }
        } else {
            v.push((
                format!("{}-n{}", kind.name(), c.particles),
                kind,
                c.particles,
            ));
        }
    }
    v
}

/// Runs every sampler, recording mean log π every `record_every` steps.
pub fn run_sample_efficiency(
    c: &SampleEfficiencyConfig,
    ctx: &RunContext<'_>,
) -> Result<EfficiencyOutcome, RunError> {
    let target = ToyTarget::radial(&c.target, "target")?;
    let d = target.dim();
    let seed = ctx.seed;
    let settings = SvgdSettings {
        steps: c.steps,
        step_size: c.step_size,
        bandwidth: c.bandwidth,
    };
    let big = target.sample_exact(&mut stream(seed, Purpose::Truth), c.reference_samples);
    let reference_mlp =
        mean_log_prob(target.energy(), &big).map_err(|e| RunError::core("reference", e))?;
    let truth = target.truth(&big)?;
    drop(big);

    let jobs: Vec<(usize, (String, SamplerKind, usize))> =
        run_list(c).into_iter().enumerate().collect();
    let names: Vec<String> = jobs.iter().map(|(_, j)| j.0.clone()).collect();
    let results = run_parallel(
        jobs,
        |(k, (name, kind, n))| -> Result<(RunRecord, Particles<f64>), RunError> {
            let bar = ctx.progress.start(&name, c.steps as u64);
            let mut p = uniform_particles(
                &mut stream(seed, Purpose::Init(n as u64)),
                d,
                n,
                c.init.low,
                c.init.high,
            );
            let energy = target.energy();
            let mlp = |p: &Particles<f64>| mean_log_prob(energy, p).unwrap_or(f64::NAN);
            let mut curve = vec![(0usize, mlp(&p))];
            let every = c.record_every;
            let bar_every = (c.steps / 500).max(1);
            let mut observer = |info: &equistein::StepInfo<f64>, p: &Particles<f64>| {
                let done = info.step + 1;
                if done.is_multiple_of(every) || done == c.steps {
                    curve.push((done, mlp(p)));
                }
                if done.is_multiple_of(bar_every) {
                    bar.set(done as u64);
                }
                Control::Continue
            };
            let mut rng = stream(seed, Purpose::Sampler(k as u64));
            let t0 = Instant::now();
            let summary = run_sampler(kind, &target, settings, &mut p, &mut rng, &mut observer)
                .map_err(|e| RunError::core(&format!("sampler `{name}`"), e))?;
            let seconds = t0.elapsed().as_secs_f64();
            bar.finish(&format!("{} steps in {seconds:.1} s", summary.steps));
            let stats = sample_stats(&target, &p, seed, k as u64 + 1, c.mmd_samples, Some(&truth))
                .map_err(|e| RunError::Other(format!("run `{name}`: {e}")))?;
            Ok((
                RunRecord {
                    stats,
                    steps: summary.steps,
                    seconds,
                    curve: Some(curve),
                },
                p,
            ))
        },
    );
    let mut runs = Vec::new();
    let mut samples = Vec::new();
    for (name, r) in names.into_iter().zip(results) {
        let (record, particles) = r?;
        samples.push((name.clone(), particles));
        runs.push((name, record));
    }
    Ok(EfficiencyOutcome {
        metrics: Metrics {
            experiment: "sample-efficiency".into(),
            seed,
            preset: ctx.preset.name().into(),
            reference: EfficiencyReference {
                mean_log_prob: reference_mlp,
                reference_samples: c.reference_samples,
                truth,
            },
            runs: Runs(runs),
        },
        samples,
    })
}

/// Writes `metrics.json`, each run's final particles as `samples_RUN.npy` (`N × d`, `<f8`) and `log_prob.png`
/// (mean log π against step, one line per run, the exact
/// reference as a horizontal line).
pub fn write(outcome: &EfficiencyOutcome, out: &StagedOutput) -> Result<(), RunError> {
    super::samples_out::write_all_samples(out, &outcome.samples)?;
    write_json(out, "metrics.json", &outcome.metrics)?;
    let series: Vec<Series> = outcome
        .metrics
        .runs
        .0
        .iter()
        .map(|(name, r)| Series {
            name: name.clone(),
            points: r
                .curve
                .iter()
                .flatten()
                .map(|&(s, v)| (s as f64, v))
                .collect(),
        })
        .collect();
    let reference = outcome.metrics.reference.mean_log_prob;
    let label = format!(
        "exact ({} samples)",
        outcome.metrics.reference.reference_samples
    );
    line_chart(
        &out.dir().join("log_prob.png"),
        "sample efficiency: mean log π of the particles per step",
        &series,
        Some((&label, reference)),
        ("step", "mean log π"),
        Some(reference - 6.0),
    )?;
    Ok(())
}
