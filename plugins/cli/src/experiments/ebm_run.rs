//! The run of an EBM experiment, shared by `jem-c4` and `ebm-circles`: data, training of every
//! model/sampler combination (through [`super::ebm_training`]), samples from each learned model, the
//! statistics every EBM experiment reports, and the picture rows. What differs between experiments (the
//! data law, the models, the experiment's own statistics and heatmaps) is the [`EbmExperiment`] trait.

use super::ebm_evaluation::{grid_points, sample_learned, spearman, to_f32};
use super::ebm_metrics::{EbmOutcome, EbmRecord, EbmReference, EbmRow};
use super::ebm_training::{CombinationCheckpoint, Learned, TrainedCombination};
use super::{RunContext, RunError};
use crate::config::{Combination, EbmConfig, ExperimentName};
use crate::metrics::{Metrics, Runs};
use crate::plot::DensityGrid;
use crate::progress::RunProgress;
use crate::streams::{stream, Purpose};
use equistein::diagnostics::mmd_rbf;
use equistein::Particles;
use rand_chacha::ChaCha8Rng;

/// The data and the evaluation grid of one run.
#[derive(Debug, Clone)]
pub struct EbmData {
    /// The run's seed.
    pub seed: u64,
    /// Training data (f64) and its labels (class or ring).
    pub data64: Particles<f64>,
    /// The labels of the training data.
    pub labels: Vec<usize>,
    /// The training data in f32 (what the models see).
    pub data: Particles<f32>,
    /// `−log π` of each training point under the data law.
    pub neg_log_prob: Vec<f64>,
    /// Held-out data.
    pub test64: Particles<f64>,
    /// Its labels.
    pub test_labels: Vec<usize>,
    /// An exact sample of the evaluation's size (the reference spreads and the MMD floor).
    pub exact: Particles<f64>,
    /// The centres of the picture grid, and in f32.
    pub grid: Particles<f64>,
    /// The grid in f32.
    pub grid32: Particles<f32>,
    /// `−log π` on the grid.
    pub true_energy: Vec<f64>,
    /// The grid's half-width.
    pub extent: f64,
    /// Cells per side.
    pub cells: usize,
}

impl EbmData {
    /// A heatmap of `values` on the grid.
    pub fn heatmap(&self, values: Vec<f64>) -> DensityGrid {
        DensityGrid {
            x: (-self.extent, self.extent),
            y: (-self.extent, self.extent),
            nx: self.cells,
            ny: self.cells,
            values,
        }
    }
}

/// What an EBM experiment defines; [`run_ebm`] does the rest.
pub trait EbmExperiment {
    /// The experiment.
    fn name(&self) -> ExperimentName;
    /// `−log π(x)` of the data law (normalised).
    fn neg_log_prob(&self, x: &[f64]) -> f64;
    /// `n` labelled points of the data law.
    fn sample(&self, rng: &mut ChaCha8Rng, n: usize) -> (Particles<f64>, Vec<usize>);
    /// The reference row's heatmaps.
    fn target_grids(&self, d: &EbmData) -> Vec<DensityGrid>;
    /// Builds and trains one combination's model (`init` draws its initial weights, `rng` drives training).
    #[allow(clippy::too_many_arguments)]
    fn train(
        &self,
        combination: Combination,
        c: &EbmConfig,
        d: &EbmData,
        init: ChaCha8Rng,
        rng: ChaCha8Rng,
        checkpoint: Option<&CombinationCheckpoint>,
        bar: &RunProgress,
    ) -> Result<TrainedCombination, RunError>;
    /// `Some(C)` when evaluation chains sample the C class conditionals in turn (JEM), `None` for the joint.
    fn conditional_classes(&self) -> Option<usize>;
    /// The mode or ring fractions of a sample.
    fn fractions(&self, p: &Particles<f64>) -> Vec<f64>;
    /// Fills the experiment's own statistics into `record` and returns the row's heatmaps (`energy_grid`: the
    /// learned energy on the grid).
    fn evaluate(
        &self,
        learned: &dyn Learned,
        d: &EbmData,
        samples: &Particles<f64>,
        energy_grid: &[f64],
        record: &mut EbmRecord,
    ) -> Result<Vec<DensityGrid>, RunError>;
}

/// Trains and evaluates every configured combination of `exp`.
pub fn run_ebm<E: EbmExperiment>(
    exp: &E,
    c: &EbmConfig,
    ctx: &RunContext<'_>,
) -> Result<EbmOutcome, RunError> {
    let seed = ctx.seed;
    let (data64, labels) = exp.sample(&mut stream(seed, Purpose::Reference(100)), c.data_samples);
    let (test64, test_labels) = exp.sample(
        &mut stream(seed, Purpose::Reference(101)),
        c.evaluation.test_samples,
    );
    let exact = exp
        .sample(
            &mut stream(seed, Purpose::Reference(102)),
            c.evaluation.samples,
        )
        .0;
    let extent = c.evaluation.init_box;
    let grid = grid_points(extent, c.evaluation.grid);
    let d = EbmData {
        seed,
        data: to_f32(&data64),
        neg_log_prob: data64.iter().map(|x| exp.neg_log_prob(x)).collect(),
        data64,
        labels,
        test64,
        test_labels,
        exact,
        grid32: to_f32(&grid),
        true_energy: grid.iter().map(|x| exp.neg_log_prob(x)).collect(),
        grid,
        extent,
        cells: c.evaluation.grid,
    };
    // The MMD noise floor: an exact sample of the runs' size against the held-out data.
    let mmd_floor = mmd_rbf(&d.exact, &d.test64, None).map_err(|e| RunError::core("MMD", e))?;
    let mut rows = vec![EbmRow {
        name: "target (exact samples)".into(),
        grids: exp.target_grids(&d),
        samples: d.exact.clone(),
    }];
    let experiment = exp.name().name();
    let mut runs = Vec::new();
    for (index, &combo) in c.combinations.iter().enumerate() {
        let name = combo.name();
        let bar = ctx.progress.start(name, c.epochs as u64);
        let checkpoint = ctx
            .checkpoints
            .as_ref()
            .map(|k| k.for_combination(experiment, name, seed, c));
        let init = stream(seed, Purpose::Init(100 + index as u64));
        let rng = stream(seed, Purpose::Sampler(100 + index as u64));
        let (learned, counters) = exp.train(combo, c, &d, init, rng, checkpoint.as_ref(), &bar)?;
        let named = |e: RunError| RunError::Other(format!("{name}: {e}"));
        let mut srng = stream(seed, Purpose::MmdSample(100 + index as u64));
        let samples = sample_learned(
            &*learned,
            &c.evaluation,
            exp.conditional_classes(),
            &mut srng,
        )
        .map_err(named)?;
        let mmd =
            mmd_rbf(&samples, &d.test64, None).map_err(|e| named(RunError::core("MMD", e)))?;
        let energy_grid: Vec<f64> = learned
            .energies(&d.grid32)
            .map_err(|e| named(RunError::core("energy grid", e)))?
            .iter()
            .map(|&v| v as f64)
            .collect();
        let mut record = EbmRecord::from_counters(&counters);
        record.samples = samples.len();
        record.mmd = mmd;
        record.energy_spearman = spearman(&energy_grid, &d.true_energy);
        let grids = exp
            .evaluate(&*learned, &d, &samples, &energy_grid, &mut record)
            .map_err(named)?;
        bar.finish(&format!(
            "{} epochs in {:.1} s, {:.3} ms per SVGD step",
            record.epochs_run, record.seconds, record.svgd_step_ms
        ));
        rows.push(EbmRow {
            name: name.to_owned(),
            grids,
            samples,
        });
        runs.push((name.to_owned(), record));
    }
    // The finished run keeps each combination's trained model (as the DW-4, QM9 and FashionMNIST experiments do):
    // `--resume` then re-evaluates without training, and a killed-and-resumed run can be compared with an
    // uninterrupted one checkpoint for checkpoint.
    Ok(EbmOutcome {
        metrics: Metrics {
            experiment: experiment.to_owned(),
            seed,
            preset: ctx.preset.name().to_owned(),
            reference: EbmReference {
                data_samples: c.data_samples,
                test_samples: c.evaluation.test_samples,
                fractions: exp.fractions(&d.test64),
                mmd: mmd_floor,
            },
            runs: Runs(runs),
        },
        rows,
        extent,
    })
}
