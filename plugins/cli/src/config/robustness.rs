//! Configuration of `robustness` (ESVGD.md §3): repeated runs from random Gaussian starts.

use super::common::{
    count, finite, sampler_list, sampler_settings, Evaluation, GaussianTarget, OneOrMany,
    RadialTarget, SamplerKind,
};
use super::toy::radial_sampler_allowed;
use super::{ConfigError, Preset};
use serde::{Deserialize, Serialize};

/// Which target the robustness study samples.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RobustnessTarget {
    /// The radial mixture of the `circles` table.
    Circles,
    /// The Gaussian mixture of the `c4_gaussians` table.
    C4Gaussians,
}

/// The law of the random starts: each repeat draws `μ ~ U[mu_low, mu_high]^d` and `σ ~ U[sigma_low,
/// sigma_high]`, and every sampler starts from the same particles drawn from `N(μ, σ² I)`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RandomStart {
    /// The lower end of each coordinate of μ.
    pub mu_low: f64,
    /// The upper end of each coordinate of μ.
    pub mu_high: f64,
    /// The lower end of σ.
    pub sigma_low: f64,
    /// The upper end of σ.
    pub sigma_high: f64,
}

/// `robustness`: the final mean log π of each sampler over many random starts.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RobustnessConfig {
    /// The number of repeats.
    pub repeats: usize,
    /// The number of particles.
    pub particles: usize,
    /// The number of steps of every run.
    pub steps: usize,
    /// The step size ε.
    pub step_size: f64,
    /// The RBF bandwidth h.
    pub bandwidth: f64,
    /// The target: `"circles"` or `"c4-gaussians"`.
    pub target: RobustnessTarget,
    /// The samplers to compare.
    pub samplers: Vec<SamplerKind>,
    /// The law of the starts.
    pub init: RandomStart,
    /// The radial target used when `target = "circles"`.
    pub circles: RadialTarget,
    /// The Gaussian mixture used when `target = "c4-gaussians"`.
    pub c4_gaussians: GaussianTarget,
    /// Exact-sample sizes of the metrics.
    pub evaluation: Evaluation,
}

impl RobustnessConfig {
    /// The preset's values.
    pub fn preset(p: Preset) -> Self {
        let (repeats, steps) = match p {
            Preset::Quick => (5, 500),
            Preset::Default | Preset::Paper => (25, 5_000),
        };
        RobustnessConfig {
            repeats,
            particles: 25,
            steps,
            step_size: 0.1,
            bandwidth: 0.25,
            target: RobustnessTarget::Circles,
            samplers: vec![SamplerKind::Svgd, SamplerKind::EsvgdScalar],
            init: RandomStart {
                mu_low: -5.0,
                mu_high: 5.0,
                sigma_low: 0.0,
                sigma_high: 4.0,
            },
            circles: RadialTarget {
                dim: 2,
                radii: vec![4.0, 8.0],
                sigma: OneOrMany::One(0.5),
                weights: OneOrMany::One(1.0),
            },
            c4_gaussians: GaussianTarget::paper(),
            evaluation: Evaluation {
                truth_samples: 20_000,
                mmd_samples: 200,
            },
        }
    }

    /// Checks every field (the table of the unused target too, so that a resolved configuration is valid
    /// whichever target is chosen later).
    pub fn validate(&self) -> Result<(), ConfigError> {
        count("repeats", self.repeats, 1, 10_000)?;
        sampler_settings(self.particles, self.steps, self.step_size, self.bandwidth)?;
        let target = self.target;
        sampler_list("samplers", &self.samplers, |s| match target {
            RobustnessTarget::Circles => radial_sampler_allowed(s),
            RobustnessTarget::C4Gaussians => Ok(()),
        })?;
        let i = &self.init;
        finite("init.mu_low", i.mu_low)?;
        finite("init.mu_high", i.mu_high)?;
        finite("init.sigma_low", i.sigma_low)?;
        finite("init.sigma_high", i.sigma_high)?;
        if i.mu_low > i.mu_high {
            return Err(ConfigError::new(format!(
                "`init.mu_low` ({}) must not exceed `init.mu_high` ({})",
                i.mu_low, i.mu_high
            )));
        }
        if i.sigma_low < 0.0 || i.sigma_low > i.sigma_high {
            return Err(ConfigError::new(format!(
                "need 0 ≤ `init.sigma_low` ≤ `init.sigma_high`, got {} and {}",
                i.sigma_low, i.sigma_high
            )));
        }
        self.circles.validate("circles")?;
        self.c4_gaussians.validate("c4_gaussians")?;
        self.evaluation.validate()
    }
}
