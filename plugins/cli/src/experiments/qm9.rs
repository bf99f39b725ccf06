//! `qm9` (appendix E.2; ESVGD.md §4 and §6): an E(3)-invariant EGNN energy `E(x) = log(1 + o(x)²)` of C5H8O
//! molecules (14 atoms, `x ∈ R^42`, the atoms in one canonical type order), trained by contrastive divergence
//! on the 35 isomers of QM9's training split with persistent SVGD chains that restart from `U[0, 4)³` per atom,
//! for two combinations:
//!
//! - `eebm+svgd`: vanilla SVGD, RBF kernel on the raw coordinates;
//! - `eebm+esvgd`: E-SVGD with the invariant-map RBF kernel `exp(−‖P(x) − P(y)‖² / (2h²))` over the core's 3-D
//!   canonical frame `P` of the point cloud (SE(3) × S_14: centred, atoms sorted by radius, rotated into the
//!   frame of the two farthest atoms).
//!
//! Each learned model is then sampled from `U[0, 4)^42` by its own sampler; every generated molecule is turned
//! into a molecular graph by bond estimation, with our estimator (the headline: it must spend every valence
//! with bond orders that fit the lengths) and with the appendix's rule, and the graphs are scored against QM9's
//! 48 C5H8O isomers ([`equistein_molecules::molecule_metrics`]).

use super::chains::{run_chain, sample_chains, Chains, SamplingCost};
use super::ebm_training::{model_of, train, Fresh, TrainSettings};
use super::training_summary::TrainingSummary;
use super::{RunContext, RunError};
use crate::config::{Combination, Qm9Config, Qm9Head};
use crate::metrics::{Metrics, Runs};
use crate::streams::{stream, Purpose};
use equistein::cd::CdConfig;
use equistein::group::PointCloud;
use equistein::kernel::{InvariantMap, Rbf};
use equistein::{Particles, RunLimits, StepSchedule};
use equistein_candle::{Egnn, EgnnConfig, ScalarHead};
use equistein_molecules::{
    molecule_metrics, read_xyz, Element, Estimator, MolGraph, Molecule, MoleculeMetrics,
    ReferenceSet,
};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The training molecules' file in the data folder.
pub const TRAIN_FILE: &str = "qm9_C5H8O_train35.xyz";
/// The table of QM9's C5H8O isomers (SMILES and split) in the data folder.
pub const INDEX_FILE: &str = "qm9_C5H8O_index.tsv";

/// The metrics of one set of molecules under each bond estimator.
#[derive(Debug, Clone, Serialize)]
pub struct ByEstimator {
    /// Our estimator (valence spent exactly with bond orders fitting the lengths): the headline.
    pub ours: MoleculeMetrics,
    /// The appendix's three-step rule.
    pub paper: MoleculeMetrics,
    /// The released code's variant of it (the 1.1 margin never fires).
    #[serde(rename = "paper-released")]
    pub paper_released: MoleculeMetrics,
}

/// The reference row of `metrics.json`: the training molecules themselves, judged like the samples.
#[derive(Debug, Clone, Serialize)]
pub struct Qm9Reference {
    /// The training file.
    pub train_file: String,
    /// Training molecules.
    pub train_molecules: usize,
    /// Their formula.
    pub formula: String,
    /// The atoms' type order (every molecule's atoms are reordered into it).
    pub atom_order: String,
    /// Isomers of the training split and held out, from the index's SMILES.
    pub isomers_train: usize,
    /// Isomers outside the training split.
    pub isomers_held_out: usize,
    /// The training geometries' own metrics (they are QM9's relaxed structures: a check of the estimators).
    pub metrics: ByEstimator,
}

/// One combination's row of `metrics.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Qm9Record {
    /// The evaluation sampler's bandwidth.
    pub bandwidth: f64,
    /// Generated molecules with a non-finite coordinate (they count as failed).
    pub non_finite: usize,
    /// Mean learned energy of the generated molecules (finite ones).
    pub mean_energy: f64,
    /// The generated molecules' metrics under each estimator.
    pub metrics: ByEstimator,
    /// The training's cost and end state.
    #[serde(flatten)]
    pub training: TrainingSummary,
    /// Seconds and SVGD steps of generating the molecules.
    pub evaluation: SamplingCost,
}

/// The molecules of one combination, with their graphs under our estimator.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The combination's name.
    pub name: String,
    /// The molecules (`None` where a coordinate is not finite).
    pub molecules: Vec<Option<Molecule>>,
    /// Our estimator's graph of each finite molecule.
    pub graphs: Vec<Option<MolGraph>>,
    /// The raw samples, `N × 42`.
    pub samples: Particles<f64>,
}

/// The result of the experiment.
#[derive(Debug, Clone)]
pub struct Qm9Outcome {
    /// `metrics.json`.
    pub metrics: Metrics<Qm9Reference, Qm9Record>,
    /// The generated molecules per combination.
    pub generated: Vec<Generated>,
    /// The canonical element order of a molecule.
    pub elements: Vec<Element>,
}

/// The training molecules: every record of `TRAIN_FILE`, its atoms in canonical type order and centred.
pub struct TrainingMolecules {
    /// The molecules.
    pub molecules: Vec<Molecule>,
    /// The shared element list.
    pub elements: Vec<Element>,
}

impl TrainingMolecules {
    /// Reads `dir/TRAIN_FILE`; errors if the folder is missing or the molecules do not share one formula.
    pub fn load(dir: &Path) -> Result<Self, RunError> {
        if !dir.is_dir() {
            return Err(RunError::Other(format!(
                "the QM9 data folder {} does not exist (set `data_dir`, e.g. --set data_dir=PATH)",
                dir.display()
            )));
        }
        let path = dir.join(TRAIN_FILE);
        let records = read_xyz(&path).map_err(|e| RunError::Other(e.to_string()))?;
        let mut molecules = Vec::with_capacity(records.len());
        for r in records {
            let m = r.molecule.canonicalised();
            let centroid = centroid(&m.positions);
            let positions = m
                .positions
                .iter()
                .map(|p| [p[0] - centroid[0], p[1] - centroid[1], p[2] - centroid[2]])
                .collect();
            let m = Molecule::new(m.elements, positions)
                .map_err(|e| RunError::Other(format!("{}: {e}", path.display())))?;
            molecules.push((r.line, m));
        }
        let Some((_, first)) = molecules.first() else {
            return Err(RunError::Other(format!(
                "{} holds no molecule",
                path.display()
            )));
        };
        let elements = first.elements.clone();
        if let Some((line, m)) = molecules.iter().find(|(_, m)| m.elements != elements) {
            return Err(RunError::Other(format!(
                "{} line {line}: formula {} differs from the first molecule's {} (one formula per run)",
                path.display(),
                m.formula(),
                first.formula()
            )));
        }
        Ok(TrainingMolecules {
            molecules: molecules.into_iter().map(|(_, m)| m).collect(),
            elements,
        })
    }

    /// The molecules as particles, `N × 3n` in f32.
    pub fn particles(&self) -> Result<Particles<f32>, RunError> {
        let flat: Vec<f32> = self
            .molecules
            .iter()
            .flat_map(|m| m.flat_positions())
            .map(|v| v as f32)
            .collect();
        Particles::from_rows(3 * self.elements.len(), &flat).map_err(|e| RunError::core("data", e))
    }
}

fn centroid(ps: &[[f64; 3]]) -> [f64; 3] {
    let n = ps.len().max(1) as f64;
    let mut c = [0.0; 3];
    for p in ps {
        for (ci, pi) in c.iter_mut().zip(p) {
            *ci += pi / n;
        }
    }
    c
}

impl TrainSettings {
    /// The settings of `qm9`: fresh chains from `U[0, b)³` per atom, positives repel.
    pub fn of_qm9(c: &Qm9Config) -> Self {
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
            fresh: Fresh::Box(0.0, c.init_box),
            learning_rate: super::ebm_training::schedule(c.learning_rate, &c.learning_rate_steps),
            clip: c.clip,
            energy_penalty: c.energy_penalty,
            noise: c.noise,
            checkpoint_every: c.checkpoint_every,
        }
    }
}

/// The metrics of `molecules` (`None`: not finite) under every estimator, and our estimator's graphs.
fn judge(
    molecules: &[Option<Molecule>],
    refs: &ReferenceSet,
) -> (ByEstimator, Vec<Option<MolGraph>>) {
    use rayon::prelude::*;
    let graphs = |e: Estimator| -> Vec<Option<MolGraph>> {
        molecules
            .par_iter()
            .map(|m| m.as_ref().map(|m| e.estimate(m)))
            .collect()
    };
    let ours = graphs(Estimator::Ours);
    let metrics = ByEstimator {
        ours: molecule_metrics(&ours, refs),
        paper: molecule_metrics(&graphs(Estimator::Paper), refs),
        paper_released: molecule_metrics(&graphs(Estimator::PaperReleased), refs),
    };
    (metrics, ours)
}

/// Runs `qm9`.
pub fn run(c: &Qm9Config, ctx: &RunContext<'_>) -> Result<Qm9Outcome, RunError> {
    let seed = ctx.seed;
    let dir = PathBuf::from(&c.data_dir);
    let train_set = TrainingMolecules::load(&dir)?;
    let refs = ReferenceSet::from_index_tsv(dir.join(INDEX_FILE))
        .map_err(|e| RunError::Other(e.to_string()))?;
    let data = train_set.particles()?;
    let elements = train_set.elements.clone();
    let n_atoms = elements.len();
    let features = train_set.molecules[0].type_features();
    let known: Vec<Option<Molecule>> = train_set.molecules.iter().cloned().map(Some).collect();
    let (reference_metrics, _) = judge(&known, &refs);
    let core = |e| RunError::core("model", e);
    let settings = TrainSettings::of_qm9(c);
    // The combinations train and sample at the same time, one per core (as `dw4`'s): each owns its seeded
    // streams and its checkpoint file, so the rows are the same whatever the order or the number of cores.
    let one = |combo: Combination| -> Result<(String, Qm9Record, Generated), RunError> {
        let name = combo.name();
        let index = Combination::ALL
            .iter()
            .position(|&k| k == combo)
            .unwrap_or_default() as u64;
        let bar = ctx.progress.start(name, c.epochs as u64);
        let checkpoint = ctx
            .checkpoints
            .as_ref()
            .map(|k| k.for_combination("qm9", name, seed, &c.training_identity()));
        let mut init = stream(seed, Purpose::Init(300 + index));
        let rng = stream(seed, Purpose::Sampler(300 + index));
        let config = EgnnConfig {
            hidden: c.hidden,
            layers: c.layers,
        };
        let net = Egnn::<f32>::new(config, &features, &mut init).map_err(core)?;
        let head = match c.head {
            Qm9Head::LogOnePlusSquare => ScalarHead::new(),
            Qm9Head::Linear => ScalarHead::linear(),
        };
        let model = model_of(net, head, &settings)?;
        let labels = vec![None; data.len()];
        let h = if combo.equivariant_sampler() {
            c.esvgd_bandwidth
        } else {
            c.bandwidth
        };
        let rbf = Rbf::fixed(h as f32).map_err(core)?;
        let frame = PointCloud::new(n_atoms, 3).map_err(core)?.orbit_map();
        let (learned, counters) = if combo.equivariant_sampler() {
            let kernel = InvariantMap::new(frame, rbf);
            train(
                model,
                kernel,
                &data,
                labels,
                &settings,
                rng,
                checkpoint.as_ref(),
                &bar,
            )?
        } else {
            train(
                model,
                rbf,
                &data,
                labels,
                &settings,
                rng,
                checkpoint.as_ref(),
                &bar,
            )?
        };
        let chains = Chains {
            samples: c.evaluation.samples,
            chain_size: c.evaluation.chain_size,
            start: (0.0, c.init_box),
            limits: RunLimits {
                max_steps: c.evaluation.steps,
                tolerance: (c.evaluation.tolerance > 0.0).then_some(c.evaluation.tolerance as f32),
            },
            step_size: c.evaluation.step_size,
            noise: c.evaluation.noise,
        };
        // The noiseless relaxation after the noisy steps (`evaluation.quench`).
        let quench = Chains {
            limits: RunLimits {
                max_steps: c.evaluation.quench,
                tolerance: None,
            },
            noise: 0.0,
            ..chains
        };
        let energy = learned.energy();
        let run_one = |p: &mut Particles<f32>, rng: &mut ChaCha8Rng| {
            let mut steps = 0;
            for stage in [&chains, &quench] {
                if stage.limits.max_steps == 0 {
                    continue;
                }
                steps += if combo.equivariant_sampler() {
                    run_chain(InvariantMap::new(frame, rbf), energy, p, stage, rng)?
                } else {
                    run_chain(rbf, energy, p, stage, rng)?
                };
            }
            Ok(steps)
        };
        let named = |e: RunError| RunError::Other(format!("{name}: {e}"));
        let base = 10_000 * (index + 1);
        let (samples, cost) =
            sample_chains(3 * n_atoms, &chains, seed, base, &run_one).map_err(named)?;
        let molecules: Vec<Option<Molecule>> = samples
            .iter()
            .map(|x| {
                x.iter().all(|v| v.is_finite()).then(|| {
                    let positions = x.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect();
                    Molecule::new(elements.clone(), positions).ok()
                })?
            })
            .collect();
        let non_finite = molecules.iter().filter(|m| m.is_none()).count();
        let finite: Vec<f32> = samples
            .iter()
            .filter(|x| x.iter().all(|v| v.is_finite()))
            .flatten()
            .map(|&v| v as f32)
            .collect();
        let finite =
            Particles::from_rows(3 * n_atoms, &finite).map_err(|e| RunError::core("samples", e))?;
        let energies = learned
            .energies(&finite)
            .map_err(|e| RunError::core("energies", e))?;
        let mean_energy =
            energies.iter().map(|&e| f64::from(e)).sum::<f64>() / energies.len().max(1) as f64;
        let (metrics, graphs) = judge(&molecules, &refs);
        let record = Qm9Record {
            bandwidth: h,
            non_finite,
            mean_energy,
            metrics,
            training: TrainingSummary::of(&counters),
            evaluation: cost,
        };
        bar.finish(&format!(
            "{} epochs, {:.2} ms per SVGD step; valid {:.2} (ours) / {:.2} (paper), {} of {} training isomers, {} held out",
            record.training.epochs_run,
            record.training.svgd_step_ms,
            record.metrics.ours.validity,
            record.metrics.paper.validity,
            record.metrics.ours.train_recovered,
            record.metrics.ours.train_total,
            record.metrics.ours.held_out_found,
        ));
        let generated = Generated {
            name: name.to_owned(),
            molecules,
            graphs,
            samples,
        };
        Ok((name.to_owned(), record, generated))
    };
    let mut runs = Vec::new();
    let mut generated = Vec::new();
    for result in super::samplers::run_parallel(c.combinations.clone(), one) {
        let (name, record, molecules) = result?;
        runs.push((name, record));
        generated.push(molecules);
    }
    let first = &train_set.molecules[0];
    Ok(Qm9Outcome {
        metrics: Metrics {
            experiment: "qm9".into(),
            seed,
            preset: ctx.preset.name().to_owned(),
            reference: Qm9Reference {
                train_file: TRAIN_FILE.into(),
                train_molecules: train_set.molecules.len(),
                formula: first.formula(),
                atom_order: elements.iter().map(|e| e.symbol()).collect(),
                isomers_train: refs.train.len(),
                isomers_held_out: refs.held_out.len(),
                metrics: reference_metrics,
            },
            runs: Runs(runs),
        },
        generated,
        elements,
    })
}
