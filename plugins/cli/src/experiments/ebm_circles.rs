//! `ebm-circles` (ESVGD.md §4, appendix D): a scalar EBM `E = log(1 + o²)` of concentric circles (radii 3 and
//! 10, σ 0.5, equal weights), trained by CD with SVGD / E-SVGD negatives and a regression term on the true
//! `−log π`, for the three combinations: the plain MLP with vanilla SVGD, the MLP on `‖x‖` with vanilla
//! SVGD, and the MLP on `‖x‖` with the norm-map kernel. Reports ring fractions, the spread about each ring,
//! MMD and the energy's rank correlation with the truth.

use super::ebm_evaluation::norm_density;
use super::ebm_metrics::{EbmOutcome, EbmRecord};
use super::ebm_pictures::{write_ebm, EbmPicture};
use super::ebm_run::{run_ebm, EbmData, EbmExperiment};
use super::ebm_training::{
    mlp, model_of, train, CombinationCheckpoint, Learned, TrainSettings, TrainedCombination,
};
use super::{RunContext, RunError};
use crate::config::{Combination, EbmConfig, ExperimentName};
use crate::output::StagedOutput;
use crate::plot::DensityGrid;
use crate::progress::RunProgress;
use equistein::diagnostics::{ring_fractions, ring_spread};
use equistein::group::NormMap;
use equistein::kernel::{InvariantMap, Rbf};
use equistein::target::{ExactSample, RadialMixture};
use equistein::{Energy, Particles};
use equistein_candle::{NormInput, ScalarHead};
use rand_chacha::ChaCha8Rng;

/// The rings' radii.
const RADII: [f64; 2] = [3.0, 10.0];

/// The experiment: the radial mixture of the two rings.
#[derive(Debug, Clone)]
pub struct EbmCircles {
    target: RadialMixture<f64>,
}

impl EbmCircles {
    /// The data law of ESVGD.md §4.
    pub fn new() -> Result<Self, RunError> {
        let target = RadialMixture::new(2, RADII.to_vec(), vec![0.5, 0.5], vec![0.5, 0.5])
            .map_err(|e| RunError::core("target", e))?;
        Ok(EbmCircles { target })
    }
}

impl EbmExperiment for EbmCircles {
    fn name(&self) -> ExperimentName {
        ExperimentName::EbmCircles
    }

    fn neg_log_prob(&self, x: &[f64]) -> f64 {
        self.target.energy(x).unwrap_or(f64::NAN)
    }

    /// Labels: the ring (outer when `‖x‖ > 6.5`).
    fn sample(&self, rng: &mut ChaCha8Rng, n: usize) -> (Particles<f64>, Vec<usize>) {
        let p = self.target.sample_exact(rng, n);
        let labels = p
            .iter()
            .map(|x| usize::from(equistein::real::norm(x) > 6.5))
            .collect();
        (p, labels)
    }

    fn target_grids(&self, d: &EbmData) -> Vec<DensityGrid> {
        vec![d.heatmap(d.true_energy.iter().map(|e| (-e).exp()).collect())]
    }

    /// MLP 2 → hidden → 1 with `log(1 + o²)` and the regression term; the equivariant model sees `‖x‖`
    /// (MLP 1 → hidden → 1); E-SVGD uses the norm-map RBF kernel.
    fn train(
        &self,
        combo: Combination,
        c: &EbmConfig,
        d: &EbmData,
        mut init: ChaCha8Rng,
        rng: ChaCha8Rng,
        checkpoint: Option<&CombinationCheckpoint>,
        bar: &RunProgress,
    ) -> Result<TrainedCombination, RunError> {
        let core = |e| RunError::core("model", e);
        let t = TrainSettings::of_ebm(c);
        let rbf = Rbf::fixed(c.bandwidth as f32).map_err(core)?;
        let erbf = Rbf::fixed(c.esvgd_bandwidth as f32).map_err(core)?;
        let head = ScalarHead::with_regression(c.supervised_weight);
        let labels: Vec<Option<f32>> = d.neg_log_prob.iter().map(|&v| Some(v as f32)).collect();
        let mut sizes = vec![if combo.equivariant_model() { 1 } else { 2 }];
        sizes.extend(&c.hidden);
        sizes.push(1);
        let net = mlp(&sizes, &mut init)?;
        if !combo.equivariant_model() {
            let model = model_of(net, head, &t)?;
            return train(model, rbf, &d.data, labels, &t, rng, checkpoint, bar);
        }
        let net = NormInput::new(net, 2).map_err(core)?;
        let model = model_of(net, head, &t)?;
        if combo.equivariant_sampler() {
            let kernel = InvariantMap::new(NormMap::new(2), erbf);
            train(model, kernel, &d.data, labels, &t, rng, checkpoint, bar)
        } else {
            train(model, rbf, &d.data, labels, &t, rng, checkpoint, bar)
        }
    }

    fn conditional_classes(&self) -> Option<usize> {
        None
    }

    fn fractions(&self, p: &Particles<f64>) -> Vec<f64> {
        ring_fractions(p, &RADII)
    }

    fn evaluate(
        &self,
        _: &dyn Learned,
        d: &EbmData,
        samples: &Particles<f64>,
        energy_grid: &[f64],
        r: &mut EbmRecord,
    ) -> Result<Vec<DensityGrid>, RunError> {
        r.ring_fractions = Some(ring_fractions(samples, &RADII));
        let exact = ring_spread(&d.exact, &RADII);
        let ratios: Vec<f64> = ring_spread(samples, &RADII)
            .iter()
            .zip(&exact)
            .map(|(a, b)| a / b)
            .collect();
        r.spread_ratio = serde_json::to_value(ratios).unwrap_or_default();
        Ok(vec![d.heatmap(norm_density(energy_grid))])
    }
}

/// The picture's labels.
pub const PICTURE: EbmPicture = EbmPicture {
    caption: "ebm-circles: learned EBMs (rows) against the target (first row)",
    columns: &["exp(−E) with samples", "(‖x‖, 0)"],
    c4_wedge: false,
};

/// Runs `ebm-circles`.
pub fn run(c: &EbmConfig, ctx: &RunContext<'_>) -> Result<EbmOutcome, RunError> {
    run_ebm(&EbmCircles::new()?, c, ctx)
}

/// Runs `ebm-circles` and writes `metrics.json` and `ebm.png`.
pub fn run_and_write(
    c: &EbmConfig,
    ctx: &RunContext<'_>,
    out: &StagedOutput,
) -> Result<(), RunError> {
    write_ebm(&run(c, ctx)?, &PICTURE, out)
}
