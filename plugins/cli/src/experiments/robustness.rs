//! `robustness`: the final mean log π of each sampler over repeated runs from random Gaussian starts.

use super::evaluate::sample_stats;
use super::samplers::{run_parallel, run_sampler, SvgdSettings};
use super::target::ToyTarget;
use super::{normal_particles, write_json, RunContext, RunError};
use crate::config::{RobustnessConfig, RobustnessTarget, SamplerKind};
use crate::metrics::{quartiles, Metrics, Runs, SampleStats};
use crate::output::StagedOutput;
use crate::plot::boxplots;
use crate::streams::{stream, Purpose};
use equistein::diagnostics::mean_log_prob;
use equistein::random::uniform;
use equistein::{Control, Particles};
use serde::Serialize;
use std::time::Instant;

/// One random start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Start {
    /// The mean of the start.
    pub mu: Vec<f64>,
    /// The standard deviation of the start.
    pub sigma: f64,
}

/// The `reference` of the metrics.
#[derive(Debug, Clone, Serialize)]
pub struct RobustnessReference {
    /// Statistics of an exact sample with as many points as the runs have particles.
    #[serde(flatten)]
    pub exact: SampleStats,
    /// Mean log π of the large exact sample: the true value the box plots are compared with.
    pub true_mean_log_prob: f64,
    /// The size of that sample.
    pub truth_samples: usize,
    /// The target sampled.
    pub target: RobustnessTarget,
    /// The start of every repeat (the same for every sampler).
    pub starts: Vec<Start>,
}

/// One sampler's results over the repeats.
#[derive(Debug, Clone, Serialize)]
pub struct RobustnessRun {
    /// The median over repeats of the final mean log π.
    pub mean_log_prob: f64,
    /// The median over repeats of the KSD.
    pub ksd: f64,
    /// The median over repeats of the MMD.
    pub mmd: f64,
    /// The final mean log π of every repeat, in repeat order.
    pub final_mean_log_prob: Vec<f64>,
    /// The first quartile of `final_mean_log_prob`.
    pub q1: f64,
    /// The median of `final_mean_log_prob`.
    pub median: f64,
    /// The third quartile of `final_mean_log_prob`.
    pub q3: f64,
    /// The KSD of every repeat.
    pub ksd_per_repeat: Vec<f64>,
    /// The MMD of every repeat.
    pub mmd_per_repeat: Vec<f64>,
    /// The steps of each run.
    pub steps: usize,
    /// The particles of each run.
    pub particles: usize,
    /// Wall-clock seconds of the sampling, summed over repeats.
    pub seconds: f64,
}

/// The result of the study.
#[derive(Debug, Clone)]
pub struct RobustnessOutcome {
    /// What `metrics.json` holds.
    pub metrics: Metrics<RobustnessReference, RobustnessRun>,
    /// Each sampler's final particles of every repeat, stacked repeat after repeat.
    pub samples: Vec<(String, Particles<f64>)>,
}

/// Runs every sampler from every start.
pub fn run_robustness(
    c: &RobustnessConfig,
    ctx: &RunContext<'_>,
) -> Result<RobustnessOutcome, RunError> {
    let target = match c.target {
        RobustnessTarget::Circles => ToyTarget::radial(&c.circles, "circles")?,
        RobustnessTarget::C4Gaussians => ToyTarget::gaussians(&c.c4_gaussians)?,
    };
    let d = target.dim();
    let seed = ctx.seed;
    let settings = SvgdSettings {
        steps: c.steps,
        step_size: c.step_size,
        bandwidth: c.bandwidth,
    };
    let big = target.sample_exact(
        &mut stream(seed, Purpose::Truth),
        c.evaluation.truth_samples,
    );
    let true_mlp = mean_log_prob(target.energy(), &big).map_err(|e| RunError::core("truth", e))?;
    drop(big);
    let exact = target.sample_exact(&mut stream(seed, Purpose::Reference(0)), c.particles);
    let exact_stats = sample_stats(&target, &exact, seed, 0, c.evaluation.mmd_samples, None)?;

    let starts: Vec<Start> = (0..c.repeats)
        .map(|r| {
            let mut rng = stream(seed, Purpose::StartLaw(r as u64));
            let mu = (0..d)
                .map(|_| uniform(&mut rng, c.init.mu_low, c.init.mu_high))
                .collect();
            let sigma = uniform(&mut rng, c.init.sigma_low, c.init.sigma_high);
            Start { mu, sigma }
        })
        .collect();

    let s = c.samplers.len();
    let jobs: Vec<(usize, usize, SamplerKind)> = (0..c.repeats)
        .flat_map(|r| {
            c.samplers
                .iter()
                .enumerate()
                .map(move |(k, &kind)| (r, k, kind))
        })
        .collect();
    let total = jobs.len();
    let bar = ctx.progress.start("robustness runs", total as u64);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let results = run_parallel(
        jobs,
        |(r, k, kind)| -> Result<(f64, SampleStats, Particles<f64>), RunError> {
            let start = &starts[r];
            let mut p = normal_particles(
                &mut stream(seed, Purpose::Init(r as u64)),
                d,
                c.particles,
                &start.mu,
                start.sigma,
            );
            let mut rng = stream(seed, Purpose::Sampler((r * s + k) as u64));
            let t0 = Instant::now();
            run_sampler(kind, &target, settings, &mut p, &mut rng, &mut |_, _| {
                Control::Continue
            })
            .map_err(|e| RunError::core(&format!("sampler `{}`, repeat {r}", kind.name()), e))?;
            let seconds = t0.elapsed().as_secs_f64();
            let stats = sample_stats(
                &target,
                &p,
                seed,
                (r * s + k) as u64 + 1,
                c.evaluation.mmd_samples,
                None,
            )
            .map_err(|e| RunError::Other(format!("sampler `{}`, repeat {r}: {e}", kind.name())))?;
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            bar.set(n as u64);
            Ok((seconds, stats, p))
        },
    );
    bar.finish(&format!("{total} runs of {} steps", c.steps));
    let results: Vec<(f64, SampleStats, Particles<f64>)> =
        results.into_iter().collect::<Result<_, _>>()?;

    let mut runs = Vec::new();
    let mut samples = Vec::new();
    for (k, kind) in c.samplers.iter().enumerate() {
        let mine: Vec<&(f64, SampleStats, Particles<f64>)> =
            (0..c.repeats).map(|r| &results[r * s + k]).collect();
        let finals: Vec<f64> = mine.iter().map(|(_, st, _)| st.mean_log_prob).collect();
        let ksd: Vec<f64> = mine.iter().map(|(_, st, _)| st.ksd).collect();
        let mmd: Vec<f64> = mine.iter().map(|(_, st, _)| st.mmd).collect();
        let stacked: Vec<f64> = mine
            .iter()
            .flat_map(|(_, _, p)| p.as_slice().iter().copied())
            .collect();
        samples.push((
            kind.name().to_owned(),
            Particles::from_rows(d, &stacked).map_err(|e| RunError::core("samples", e))?,
        ));
        let [q1, median, q3] = quartiles(&finals);
        runs.push((
            kind.name().to_owned(),
            RobustnessRun {
                mean_log_prob: median,
                ksd: quartiles(&ksd)[1],
                mmd: quartiles(&mmd)[1],
                final_mean_log_prob: finals,
                q1,
                median,
                q3,
                ksd_per_repeat: ksd,
                mmd_per_repeat: mmd,
                steps: c.steps,
                particles: c.particles,
                seconds: mine.iter().map(|(t, _, _)| t).sum(),
            },
        ));
    }
    Ok(RobustnessOutcome {
        metrics: Metrics {
            experiment: "robustness".into(),
            seed,
            preset: ctx.preset.name().into(),
            reference: RobustnessReference {
                exact: exact_stats,
                true_mean_log_prob: true_mlp,
                truth_samples: c.evaluation.truth_samples,
                target: c.target,
                starts,
            },
            runs: Runs(runs),
        },
        samples,
    })
}

/// Writes `metrics.json`, each sampler's final particles of every repeat as `samples_SAMPLER.npy`
/// (`(repeats · N) × d`, `<f8`; repeat `r` is rows `r·N … (r+1)·N − 1`) and `boxplot.png` (final mean log π per
/// sampler, the true value as a line).
pub fn write(outcome: &RobustnessOutcome, out: &StagedOutput) -> Result<(), RunError> {
    super::samples_out::write_all_samples(out, &outcome.samples)?;
    write_json(out, "metrics.json", &outcome.metrics)?;
    let groups: Vec<(String, Vec<f64>)> = outcome
        .metrics
        .runs
        .0
        .iter()
        .map(|(n, r)| (n.clone(), r.final_mean_log_prob.clone()))
        .collect();
    let m = &outcome.metrics;
    boxplots(
        &out.dir().join("boxplot.png"),
        &format!(
            "robustness: final mean log π over {} random starts ({} target)",
            m.reference.starts.len(),
            match m.reference.target {
                RobustnessTarget::Circles => "circles",
                RobustnessTarget::C4Gaussians => "c4-gaussians",
            }
        ),
        &groups,
        Some(("true value", m.reference.true_mean_log_prob)),
        "mean log π",
    )?;
    Ok(())
}
