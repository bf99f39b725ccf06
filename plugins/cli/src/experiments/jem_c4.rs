//! `jem-c4` (ESVGD.md §4, appendix D): a joint energy model of two classes of C4-symmetric Gaussians (radius
//! 7, covariance diag(1, 1/4); radius 15, diag(1, 2)), trained by CD with SVGD / E-SVGD negatives for the
//! three combinations: the plain MLP with vanilla SVGD, the C4-averaged MLP with vanilla SVGD, and the
//! C4-averaged MLP with the C4-averaged kernel. Reports classification (upright and rotated test sets),
//! mode fractions, spread ratios, MMD and the energy's rank correlation with the truth.

use super::ebm_evaluation::{norm_density, to_f32};
use super::ebm_metrics::{EbmOutcome, EbmRecord};
use super::ebm_pictures::{write_ebm, EbmPicture};
use super::ebm_run::{run_ebm, EbmData, EbmExperiment};
use super::ebm_training::{
    mlp, model_of, train, CombinationCheckpoint, Learned, TrainSettings, TrainedCombination,
};
use super::{RunContext, RunError};
use crate::config::{Combination, EbmConfig, ExperimentName};
use crate::metrics::RadialTangential;
use crate::output::StagedOutput;
use crate::plot::DensityGrid;
use crate::progress::RunProgress;
use crate::streams::{stream, Purpose};
use equistein::diagnostics::{mode_fractions, mode_spread};
use equistein::group::CyclicRotation;
use equistein::kernel::{GroupAveraged, Rbf};
use equistein::target::{ExactSample, GaussianMixture};
use equistein::{random, Energy, Group, Particles};
use equistein_candle::{GroupAverage, JemHead};
use rand_chacha::ChaCha8Rng;

/// The experiment: the two class densities and their equal-weight mixture.
#[derive(Debug, Clone)]
pub struct JemC4 {
    classes: [GaussianMixture<f64>; 2],
    joint: GaussianMixture<f64>,
}

impl JemC4 {
    /// The data law of ESVGD.md §4.
    pub fn new() -> Result<Self, RunError> {
        let core = |e| RunError::core("target", e);
        let a = GaussianMixture::c_n_symmetric(4, 7.0, 1.0, 0.25).map_err(core)?;
        let b = GaussianMixture::c_n_symmetric(4, 15.0, 1.0, 2.0).map_err(core)?;
        let comps: Vec<_> = a
            .components()
            .iter()
            .chain(b.components())
            .cloned()
            .collect();
        let joint = GaussianMixture::new(vec![0.125; 8], comps).map_err(core)?;
        Ok(JemC4 {
            classes: [a, b],
            joint,
        })
    }

    /// The 8 mode centres (class 0's four, then class 1's).
    fn modes(&self) -> Vec<Vec<f64>> {
        self.classes.iter().flat_map(|m| m.means()).collect()
    }
}

/// The held-out data, each point rotated by a random multiple of 90° (stream `Reference(103)`).
fn rotated(test: &Particles<f64>, seed: u64) -> Result<Particles<f64>, RunError> {
    let c4 = CyclicRotation::new(4).map_err(|e| RunError::core("group", e))?;
    let mut rng = stream(seed, Purpose::Reference(103));
    let mut out = test.clone();
    for x in out.iter_mut() {
        let k = random::index(&mut rng, 4);
        let src = [x[0], x[1]];
        c4.act(&k, &src, x);
    }
    Ok(out)
}

/// Accuracy and mean cross-entropy `−log p(y | x)` of the learned classifier `argmax f(x)`.
fn accuracy(
    learned: &dyn Learned,
    x: &Particles<f64>,
    y: &[usize],
) -> Result<(f64, f64), RunError> {
    let logits = learned
        .outputs(&to_f32(x))
        .map_err(|e| RunError::core("logits", e))?;
    let mut correct = 0usize;
    let mut ce = 0.0;
    for (l, &yy) in logits.chunks(2).zip(y) {
        correct += usize::from(usize::from(l[1] > l[0]) == yy);
        let lp = JemHead::log_probabilities(&[l[0] as f64, l[1] as f64]);
        ce -= lp[yy];
    }
    Ok((correct as f64 / y.len() as f64, ce / y.len() as f64))
}

impl EbmExperiment for JemC4 {
    fn name(&self) -> ExperimentName {
        ExperimentName::JemC4
    }

    fn neg_log_prob(&self, x: &[f64]) -> f64 {
        self.joint.energy(x).unwrap_or(f64::NAN)
    }

    /// Classes alternate: even points from class 0, odd from class 1.
    fn sample(&self, rng: &mut ChaCha8Rng, n: usize) -> (Particles<f64>, Vec<usize>) {
        let a = self.classes[0].sample_exact(rng, n.div_ceil(2));
        let b = self.classes[1].sample_exact(rng, n / 2);
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

    /// The posterior p(y = 1 | x), the joint density and the two class densities.
    fn target_grids(&self, d: &EbmData) -> Vec<DensityGrid> {
        let dens = |m: &GaussianMixture<f64>| -> Vec<f64> {
            d.grid
                .iter()
                .map(|x| m.energy(x).map(|e| (-e).exp()).unwrap_or(0.0))
                .collect()
        };
        let (a, b) = (dens(&self.classes[0]), dens(&self.classes[1]));
        let post: Vec<f64> = a
            .iter()
            .zip(&b)
            .map(|(p, q)| if p + q > 0.0 { q / (p + q) } else { 0.5 })
            .collect();
        let joint: Vec<f64> = a.iter().zip(&b).map(|(p, q)| 0.5 * (p + q)).collect();
        vec![
            d.heatmap(post),
            d.heatmap(joint),
            d.heatmap(a),
            d.heatmap(b),
        ]
    }

    /// MLP 2 → hidden → 2 with the JEM head; the equivariant model averages the logits over C4; E-SVGD uses
    /// the C4-averaged RBF kernel.
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
        let c4 = CyclicRotation::new(4).map_err(core)?;
        let mut sizes = vec![2];
        sizes.extend(&c.hidden);
        sizes.push(2);
        let head = JemHead::new(2).with_weight(c.supervised_weight);
        let labels: Vec<Option<usize>> = d.labels.iter().map(|&y| Some(y)).collect();
        let net = mlp(&sizes, &mut init)?;
        if !combo.equivariant_model() {
            let model = model_of(net, head, &t)?;
            return train(model, rbf, &d.data, labels, &t, rng, checkpoint, bar);
        }
        let net = GroupAverage::new(net, &c4).map_err(core)?;
        let model = model_of(net, head, &t)?;
        if combo.equivariant_sampler() {
            let kernel = GroupAveraged::new(c4, erbf);
            train(model, kernel, &d.data, labels, &t, rng, checkpoint, bar)
        } else {
            train(model, rbf, &d.data, labels, &t, rng, checkpoint, bar)
        }
    }

    fn conditional_classes(&self) -> Option<usize> {
        Some(2)
    }

    fn fractions(&self, p: &Particles<f64>) -> Vec<f64> {
        mode_fractions(p, &self.modes())
    }

    fn evaluate(
        &self,
        learned: &dyn Learned,
        d: &EbmData,
        samples: &Particles<f64>,
        energy_grid: &[f64],
        r: &mut EbmRecord,
    ) -> Result<Vec<DensityGrid>, RunError> {
        let seed_rotated = rotated(&d.test64, d.seed)?;
        r.train_accuracy = Some(accuracy(learned, &d.data64, &d.labels)?.0);
        let (ta, tce) = accuracy(learned, &d.test64, &d.test_labels)?;
        r.test_accuracy = Some(ta);
        r.test_cross_entropy = Some(tce);
        r.rotated_test_accuracy = Some(accuracy(learned, &seed_rotated, &d.test_labels)?.0);
        let modes = self.modes();
        r.mode_fractions = Some(mode_fractions(samples, &modes));
        let exact = mode_spread(&d.exact, &modes).map_err(|e| RunError::core("spread", e))?;
        r.spread_ratio = match mode_spread(samples, &modes) {
            Ok(s) => serde_json::to_value(RadialTangential {
                radial: s.radial / exact.radial,
                tangential: s.tangential / exact.tangential,
            })
            .unwrap_or_default(),
            Err(_) => serde_json::Value::Null,
        };
        let logits: Vec<f64> = learned
            .outputs(&d.grid32)
            .map_err(|e| RunError::core("logits", e))?
            .iter()
            .map(|&v| v as f64)
            .collect();
        let post: Vec<f64> = logits
            .chunks(2)
            .map(|l| 1.0 / (1.0 + (l[0] - l[1]).exp()))
            .collect();
        let f0: Vec<f64> = logits.chunks(2).map(|l| -l[0]).collect();
        let f1: Vec<f64> = logits.chunks(2).map(|l| -l[1]).collect();
        Ok(vec![
            d.heatmap(post),
            d.heatmap(norm_density(energy_grid)),
            d.heatmap(norm_density(&f0)),
            d.heatmap(norm_density(&f1)),
        ])
    }
}

/// The picture's labels.
pub const PICTURE: EbmPicture = EbmPicture {
    caption: "jem-c4: learned JEMs (rows) against the target (first row)",
    columns: &[
        "p(y=1|x)",
        "joint exp(−E)",
        "class 0 exp(f₀)",
        "class 1 exp(f₁)",
        "wedge x₀ ≥ |x₁|",
    ],
    c4_wedge: true,
};

/// Runs `jem-c4`.
pub fn run(c: &EbmConfig, ctx: &RunContext<'_>) -> Result<EbmOutcome, RunError> {
    run_ebm(&JemC4::new()?, c, ctx)
}

/// Runs `jem-c4` and writes `metrics.json` and `ebm.png`.
pub fn run_and_write(
    c: &EbmConfig,
    ctx: &RunContext<'_>,
    out: &StagedOutput,
) -> Result<(), RunError> {
    write_ebm(&run(c, ctx)?, &PICTURE, out)
}
