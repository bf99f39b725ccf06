//! `dw4`, `dw4-boltzmann` and `dw4-kohler` (Section 5 and appendix E.1; ESVGD.md §4–§5): a scalar EBM
//! `E(x) = log(1 + o(x)²)` of four particles in the plane, `o` an MLP 8 → 64 → 64 → 1, trained by
//! contrastive divergence with persistent SVGD chains that restart from `U[−5, 5)^8`, for three combinations:
//!
//! - `ebm+svgd`: the MLP on the raw coordinates, RBF kernel (h = 0.1);
//! - `eebm+svgd`: the MLP on the canonical frame `P(x)` of E(2) × S_4 (so the energy is invariant to rotations,
//!   reflections, translations and relabellings), RBF kernel (h = 0.1);
//! - `eebm+esvgd`: that model, sampled by E-SVGD with the invariant-map kernel `exp(−‖P(x) − P(y)‖² / (2h²))`
//!   (h = 0.001).
//!
//! Each learned model is then sampled from `U[−5, 5)^8` by its own sampler, every sample is quenched on the
//! true potential and classified into the five meta-stable states, and the state shares, energies and pair
//! distances are compared with the reference set's ([`super::dw4_evaluation`]).

use super::chains::{Chains, SamplingCost};
use super::dw4_evaluation::{frame, pair_distances, sample, Dw4Kernel, Judged, StateStatistics};
use super::ebm_training::{mlp, model_of, train, Fresh, TrainSettings, TrainedCombination};
use super::samplers::run_parallel;
use super::training_summary::TrainingSummary;
use super::{RunContext, RunError};
use crate::config::{Combination, Dw4Config, Dw4Invariant, ExperimentName};
use crate::metrics::{Metrics, Runs};
use crate::progress::RunProgress;
use crate::streams::{stream, Purpose};
use equistein::cd::CdConfig;
use equistein::group::OrbitMap;
use equistein::kernel::{InvariantMap, Rbf};
use equistein::{Particles, RunLimits, StepSchedule};
use equistein_candle::train::RunCounters;
use equistein_candle::{CanonicalInput, Mlp, ScalarHead};
use equistein_molecules::load_dw4;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The reference row of `metrics.json`: the set the samples are compared with.
#[derive(Debug, Clone, Serialize)]
pub struct Dw4Reference {
    /// The training file and the rows used.
    pub train_file: String,
    /// Training rows.
    pub train_rows: usize,
    /// The reference file (the training file unless the data set has a test split).
    pub reference_file: String,
    /// The bins of the histograms.
    pub bins: String,
    /// The reference's own statistics (its TVs against itself are 0).
    #[serde(flatten)]
    pub statistics: StateStatistics,
}

/// One sampled row of `metrics.json`: a combination (and bandwidth, when several are sampled).
#[derive(Debug, Clone, Serialize)]
pub struct Dw4Record {
    /// The evaluation sampler's bandwidth.
    pub bandwidth: f64,
    /// State shares, histogram distances and mean energy of the samples.
    #[serde(flatten)]
    pub statistics: StateStatistics,
    /// The training's cost and end state.
    #[serde(flatten)]
    pub training: TrainingSummary,
    /// Seconds and SVGD steps of drawing the evaluation samples.
    pub evaluation: SamplingCost,
}

/// One row of the pictures: a name, samples and their judgement.
#[derive(Debug, Clone)]
pub struct Dw4Row {
    /// `reference` or the run's name.
    pub name: String,
    /// The judged samples.
    pub judged: Judged,
}

/// The result of a DW-4 experiment.
#[derive(Debug, Clone)]
pub struct Dw4Outcome {
    /// `metrics.json`.
    pub metrics: Metrics<Dw4Reference, Dw4Record>,
    /// The reference first, then one row per record.
    pub rows: Vec<Dw4Row>,
}

impl TrainSettings {
    /// The settings of the DW-4 experiments: fresh chains from `U[−b, b)^8`, no clipping or penalty.
    pub fn of_dw4(c: &Dw4Config) -> Self {
        TrainSettings {
            cd: CdConfig {
                epochs: c.epochs,
                batch_size: c.batch_size,
                sampler_limits: RunLimits {
                    max_steps: c.max_steps,
                    tolerance: (c.tolerance > 0.0).then_some(c.tolerance as f32),
                },
                step_sizes: StepSchedule::Constant(c.step_size as f32),
                positives_repel: true,
            },
            reset_probability: c.reset_probability,
            fresh: Fresh::Uniform(c.init_box),
            learning_rate: StepSchedule::Constant(c.learning_rate),
            clip: c.clip,
            energy_penalty: c.energy_penalty,
            noise: c.noise,
            checkpoint_every: c.checkpoint_every,
        }
    }
}

/// Reads a DW-4 file of the data folder, centred, keeping `rows` rows spread evenly (0: all).
pub fn load(dir: &Path, file: &str, rows: usize) -> Result<Particles<f64>, RunError> {
    if !dir.is_dir() {
        return Err(RunError::Other(format!(
            "the DW-4 data folder {} does not exist (set `data_dir`, e.g. --set data_dir=PATH)",
            dir.display()
        )));
    }
    let path = dir.join(file);
    let all: Particles<f64> = load_dw4(&path).map_err(|e| RunError::Other(e.to_string()))?;
    if rows == 0 || rows >= all.len() {
        return Ok(all);
    }
    let flat: Vec<f64> = (0..rows)
        .flat_map(|i| all.particle(i * all.len() / rows).iter().copied())
        .collect();
    Particles::from_rows(8, &flat).map_err(|e| RunError::core("data", e))
}

/// Builds and trains one combination on `data`.
fn train_combination(
    combo: Combination,
    c: &Dw4Config,
    data: &Particles<f32>,
    mut init: ChaCha8Rng,
    rng: ChaCha8Rng,
    checkpoint: Option<&super::ebm_training::CombinationCheckpoint>,
    bar: &RunProgress,
) -> Result<TrainedCombination, RunError> {
    let core = |e| RunError::core("model", e);
    let t = TrainSettings::of_dw4(c);
    // The MLP reads the coordinates (8) or the invariant map's output (8 for the frame, 6 pair distances).
    let input = match (combo.equivariant_model(), c.invariant) {
        (true, Dw4Invariant::PairDistances) => OrbitMap::<f32>::output_dim(&pair_distances()),
        _ => 8,
    };
    let mut sizes = vec![input];
    sizes.extend(&c.hidden);
    sizes.push(1);
    let net = mlp(&sizes, &mut init)?;
    let labels = vec![None; data.len()];
    let rbf = Rbf::fixed(c.bandwidth as f32).map_err(core)?;
    if !combo.equivariant_model() {
        let model = model_of(net, ScalarHead::new(), &t)?;
        return train(model, rbf, data, labels, &t, rng, checkpoint, bar);
    }
    match c.invariant {
        Dw4Invariant::CanonicalFrame => train_invariant(
            combo,
            c,
            net,
            frame()?,
            data,
            labels,
            &t,
            rng,
            checkpoint,
            bar,
        ),
        Dw4Invariant::PairDistances => {
            let map = pair_distances();
            train_invariant(combo, c, net, map, data, labels, &t, rng, checkpoint, bar)
        }
    }
}

/// Trains the MLP of `P(x)` (`map` = P), with vanilla SVGD or with E-SVGD over the invariant-map kernel of
/// the same `P`.
#[allow(clippy::too_many_arguments)]
fn train_invariant<M: OrbitMap<f32> + Clone + Send + Sync + 'static>(
    combo: Combination,
    c: &Dw4Config,
    net: Mlp<f32>,
    map: M,
    data: &Particles<f32>,
    labels: Vec<Option<f32>>,
    t: &TrainSettings,
    rng: ChaCha8Rng,
    checkpoint: Option<&super::ebm_training::CombinationCheckpoint>,
    bar: &RunProgress,
) -> Result<TrainedCombination, RunError> {
    let core = |e| RunError::core("model", e);
    let net = CanonicalInput::new::<f32>(net, map.clone()).map_err(core)?;
    let model = model_of(net, ScalarHead::new(), t)?;
    if combo.equivariant_sampler() {
        let erbf = Rbf::fixed(c.esvgd_bandwidth as f32).map_err(core)?;
        train(
            model,
            InvariantMap::new(map, erbf),
            data,
            labels,
            t,
            rng,
            checkpoint,
            bar,
        )
    } else {
        let rbf = Rbf::fixed(c.bandwidth as f32).map_err(core)?;
        train(model, rbf, data, labels, t, rng, checkpoint, bar)
    }
}

/// Runs a DW-4 experiment (`exp` names it in the metrics and checkpoints).
pub fn run(
    exp: ExperimentName,
    c: &Dw4Config,
    ctx: &RunContext<'_>,
) -> Result<Dw4Outcome, RunError> {
    let seed = ctx.seed;
    let dir = PathBuf::from(&c.data_dir);
    let data64 = load(&dir, c.data.train_file(), c.train_rows)?;
    let data = super::ebm_evaluation::to_f32(&data64);
    let (reference_file, reference64) = match c.data.reference_file() {
        Some(f) => (f, load(&dir, f, c.evaluation.reference_rows)?),
        None if c.evaluation.reference_rows == 0 => (c.data.train_file(), data64.clone()),
        None => (
            c.data.train_file(),
            load(&dir, c.data.train_file(), c.evaluation.reference_rows)?,
        ),
    };
    let reference = Judged::new(&reference64)?;
    let ref_stats = reference.statistics(&reference);
    let mut rows = vec![Dw4Row {
        name: "reference".into(),
        judged: reference.clone(),
    }];
    let experiment = exp.name();
    // The combinations train and sample at the same time, one per core: each owns its seeded streams and its
    // checkpoint file, so the rows are the same whatever the order or the number of cores (each training is
    // mostly one thread: 64 + 64 particles in 8-D are below the fused kernels' parallel threshold).
    let one = |combo: Combination| -> Result<Vec<(Dw4Row, Dw4Record)>, RunError> {
        let mut out = Vec::new();
        let name = combo.name();
        // Streams by the combination's place in the full list, so a run of a subset gives the same rows.
        let index = Combination::ALL
            .iter()
            .position(|&k| k == combo)
            .unwrap_or_default();
        let bar = ctx.progress.start(name, c.epochs as u64);
        let checkpoint = ctx
            .checkpoints
            .as_ref()
            .map(|k| k.for_combination(experiment, name, seed, &c.training_identity()));
        let init = stream(seed, Purpose::Init(200 + index as u64));
        let rng = stream(seed, Purpose::Sampler(200 + index as u64));
        let (learned, counters) =
            train_combination(combo, c, &data, init, rng, checkpoint.as_ref(), &bar)?;
        let named = |e: RunError| RunError::Other(format!("{name}: {e}"));
        let trained_h = if combo.equivariant_sampler() {
            c.esvgd_bandwidth
        } else {
            c.bandwidth
        };
        let bandwidths = if c.evaluation.bandwidths.is_empty() {
            vec![trained_h]
        } else {
            c.evaluation.bandwidths.clone()
        };
        let chains = Chains {
            samples: c.evaluation.samples,
            chain_size: c.evaluation.chain_size,
            start: (-c.init_box, c.init_box),
            limits: RunLimits {
                max_steps: c.evaluation.steps,
                tolerance: (c.evaluation.tolerance > 0.0).then_some(c.evaluation.tolerance as f32),
            },
            step_size: c.evaluation.step_size,
            noise: c.noise,
        };
        let mut summary = String::new();
        for (b, &h) in bandwidths.iter().enumerate() {
            let kernel = if combo.equivariant_sampler() {
                Dw4Kernel::Invariant(h, c.invariant)
            } else {
                Dw4Kernel::Rbf(h)
            };
            let base = 10_000 * (index as u64 + 1) + 1_000 * b as u64;
            let (samples, cost) =
                sample(learned.energy(), kernel, &chains, seed, base).map_err(named)?;
            let judged = Judged::new(&samples).map_err(named)?;
            let row = if bandwidths.len() > 1 {
                format!("{name} h={h}")
            } else {
                name.to_owned()
            };
            let record = record(&counters, h, judged.statistics(&reference), cost);
            summary = format!(
                "{} epochs, {:.3} ms per SVGD step; {} states, state TV {:.3}",
                record.training.epochs_run,
                record.training.svgd_step_ms,
                record.statistics.states_found,
                record.statistics.state_tv
            );
            out.push((Dw4Row { name: row, judged }, record));
        }
        bar.finish(&summary);
        Ok(out)
    };
    // Started in reverse order, the costliest first (`Combination::ALL` lists them cheapest first): with two
    // cores `eebm+esvgd` then runs beside the other two instead of after them.
    let mut results = run_parallel(c.combinations.iter().rev().copied().collect(), one);
    results.reverse();
    let mut runs = Vec::new();
    for result in results {
        for (row, record) in result? {
            runs.push((row.name.clone(), record));
            rows.push(row);
        }
    }
    // The checkpoints stay: the last one of each combination is its trained model, and `--resume` after a
    // finished run samples those models again (the evaluation settings are not part of a checkpoint's
    // identity, `Dw4Config::training_identity`), without training.
    Ok(Dw4Outcome {
        metrics: Metrics {
            experiment: experiment.to_owned(),
            seed,
            preset: ctx.preset.name().to_owned(),
            reference: Dw4Reference {
                train_file: c.data.train_file().to_owned(),
                train_rows: data.len(),
                reference_file: reference_file.to_owned(),
                bins: "energy: [-26, -10) in 64 bins of 0.25; pair distance: [0, 8) in 80 bins of 0.1; \
                       values outside count in an under- or overflow bin"
                    .to_owned(),
                statistics: ref_stats,
            },
            runs: Runs(runs),
        },
        rows,
    })
}

fn record(counters: &RunCounters, h: f64, s: StateStatistics, cost: SamplingCost) -> Dw4Record {
    Dw4Record {
        bandwidth: h,
        statistics: s,
        training: TrainingSummary::of(counters),
        evaluation: cost,
    }
}
