//! Configurations of the toy comparisons: `c4-gaussians`, `circles`, `spheres` (ESVGD.md §3).

use super::common::{
    positive, sampler_list, sampler_settings, Evaluation, GaussianTarget, OneOrMany, RadialTarget,
    SamplerKind,
};
use super::{ConfigError, Preset};
use serde::{Deserialize, Serialize};

/// Isotropic normal start `N(0, std² I)`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NormalInit {
    /// The standard deviation of every coordinate.
    pub std: f64,
}

/// Uniform start on the box `[low, high)^d`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UniformInit {
    /// The lower corner (every coordinate).
    pub low: f64,
    /// The upper corner (every coordinate).
    pub high: f64,
}

impl UniformInit {
    /// Checks `low < high`, both finite.
    pub fn validate(&self, key: &str) -> Result<(), ConfigError> {
        if self.low.is_finite() && self.high.is_finite() && self.low < self.high {
            Ok(())
        } else {
            Err(ConfigError::new(format!(
                "`{key}.low` must be below `{key}.high` (both finite), got {} and {}",
                self.low, self.high
            )))
        }
    }
}

/// `c4-gaussians`: SVGD against E-SVGD on the C_N-symmetric Gaussian mixture.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct C4GaussiansConfig {
    /// The number of particles.
    pub particles: usize,
    /// The number of SVGD steps.
    pub steps: usize,
    /// The step size ε.
    pub step_size: f64,
    /// The RBF bandwidth h of every kernel (`k = exp(−‖x − y‖² / 2h²)`).
    pub bandwidth: f64,
    /// The samplers to compare (`svgd`, `esvgd-scalar`, `esvgd-scalar-code`, `esvgd-matrix`).
    pub samplers: Vec<SamplerKind>,
    /// The target; its `n_components` is also the order N of the group C_N.
    pub target: GaussianTarget,
    /// The initial particle law.
    pub init: NormalInit,
    /// Exact-sample sizes of the metrics.
    pub evaluation: Evaluation,
}

impl C4GaussiansConfig {
    /// The preset's values.
    pub fn preset(p: Preset) -> Self {
        C4GaussiansConfig {
            particles: 50,
            steps: match p {
                Preset::Quick => 1_000,
                Preset::Default | Preset::Paper => 25_000,
            },
            step_size: 0.02,
            bandwidth: 0.2,
            samplers: SamplerKind::ALL.to_vec(),
            target: GaussianTarget::paper(),
            init: NormalInit { std: 2.0 },
            evaluation: Evaluation::standard(),
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        sampler_settings(self.particles, self.steps, self.step_size, self.bandwidth)?;
        sampler_list("samplers", &self.samplers, |_| Ok(()))?;
        self.target.validate("target")?;
        positive("init.std", self.init.std)?;
        self.evaluation.validate()
    }
}

/// `circles` and `spheres`: SVGD against E-SVGD on a radial mixture (SO(d) symmetry).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RadialToyConfig {
    /// The number of particles.
    pub particles: usize,
    /// The number of SVGD steps.
    pub steps: usize,
    /// The step size ε.
    pub step_size: f64,
    /// The RBF bandwidth h of every kernel.
    pub bandwidth: f64,
    /// The samplers to compare (`svgd`, `esvgd-scalar`, `esvgd-scalar-code`; `esvgd-matrix` needs a finite
    /// group and does not apply to SO(d)).
    pub samplers: Vec<SamplerKind>,
    /// The target.
    pub target: RadialTarget,
    /// The initial particle law.
    pub init: UniformInit,
    /// Exact-sample sizes of the metrics.
    pub evaluation: Evaluation,
}

impl RadialToyConfig {
    /// The `circles` preset.
    pub fn circles(p: Preset) -> Self {
        RadialToyConfig {
            particles: 50,
            steps: steps_for(p),
            step_size: 0.02,
            bandwidth: 0.005,
            samplers: radial_samplers(),
            target: RadialTarget {
                dim: 2,
                radii: vec![4.0, 8.0],
                sigma: OneOrMany::One(0.5),
                weights: OneOrMany::One(1.0),
            },
            init: UniformInit {
                low: -8.0,
                high: 8.0,
            },
            evaluation: Evaluation::standard(),
        }
    }

    /// The `spheres` preset.
    pub fn spheres(p: Preset) -> Self {
        RadialToyConfig {
            particles: 100,
            steps: steps_for(p),
            step_size: 0.02,
            bandwidth: 0.001,
            samplers: radial_samplers(),
            target: RadialTarget {
                dim: 3,
                radii: vec![4.0, 9.0],
                sigma: OneOrMany::One(0.3),
                weights: OneOrMany::One(1.0),
            },
            init: UniformInit {
                low: -8.0,
                high: 8.0,
            },
            evaluation: Evaluation::standard(),
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        sampler_settings(self.particles, self.steps, self.step_size, self.bandwidth)?;
        sampler_list("samplers", &self.samplers, radial_sampler_allowed)?;
        self.target.validate("target")?;
        self.init.validate("init")?;
        self.evaluation.validate()
    }
}

/// Which samplers apply to a target with a continuous symmetry group SO(d).
pub fn radial_sampler_allowed(s: SamplerKind) -> Result<(), String> {
    if s == SamplerKind::EsvgdMatrix {
        Err("`esvgd-matrix` sums over the group's elements and needs a finite group; the radial targets have \
             the continuous symmetry SO(d), so it does not apply here"
            .into())
    } else {
        Ok(())
    }
}

fn radial_samplers() -> Vec<SamplerKind> {
    vec![
        SamplerKind::Svgd,
        SamplerKind::EsvgdScalar,
        SamplerKind::EsvgdScalarCode,
    ]
}

/// Steps of the radial toys: `quick` takes 3,000 (vanilla SVGD has then collapsed onto the ring radii, which
/// is the effect the toys show); `default` is the paper's 25,000, which takes seconds here.
fn steps_for(p: Preset) -> usize {
    match p {
        Preset::Quick => 3_000,
        Preset::Default | Preset::Paper => 25_000,
    }
}
