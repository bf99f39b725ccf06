//! Configuration of `sample-efficiency` (ESVGD.md §3): E-SVGD with few particles against SVGD with many.

use super::common::{
    count, sampler_list, sampler_settings, OneOrMany, RadialTarget, SamplerKind, MAX_COUNT,
};
use super::toy::{radial_sampler_allowed, UniformInit};
use super::{ConfigError, Preset};
use serde::{Deserialize, Serialize};

/// `sample-efficiency`: mean log π against step for `svgd` with `particles × m` particles for every multiplier
/// `m`, and every other listed sampler with `particles` particles.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SampleEfficiencyConfig {
    /// The particle count of the equivariant samplers, and the unit of SVGD's counts.
    pub particles: usize,
    /// SVGD runs with `particles × m` particles for each `m` here.
    pub svgd_multipliers: Vec<usize>,
    /// The number of steps of every run.
    pub steps: usize,
    /// The step size ε.
    pub step_size: f64,
    /// The RBF bandwidth h.
    pub bandwidth: f64,
    /// Mean log π is recorded every this many steps (and at step 0 and at the last step).
    pub record_every: usize,
    /// The samplers (`svgd` runs at every multiplier; `esvgd-scalar`, `esvgd-scalar-code` once).
    pub samplers: Vec<SamplerKind>,
    /// The target.
    pub target: RadialTarget,
    /// The initial particle law.
    pub init: UniformInit,
    /// The number of exact samples whose mean log π is the reference line.
    pub reference_samples: usize,
    /// The size of the fresh exact sample each run's MMD is measured against.
    pub mmd_samples: usize,
}

impl SampleEfficiencyConfig {
    /// The preset's values.
    pub fn preset(p: Preset) -> Self {
        let (multipliers, steps, record_every) = match p {
            Preset::Quick => (vec![1, 2, 4], 500, 25),
            Preset::Default | Preset::Paper => (vec![1, 2, 4, 8, 16, 32], 5_000, 50),
        };
        SampleEfficiencyConfig {
            particles: 20,
            svgd_multipliers: multipliers,
            steps,
            step_size: 0.05,
            bandwidth: 0.1,
            record_every,
            samplers: vec![SamplerKind::Svgd, SamplerKind::EsvgdScalar],
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
            reference_samples: 5_000,
            mmd_samples: 500,
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        sampler_settings(self.particles, self.steps, self.step_size, self.bandwidth)?;
        if self.svgd_multipliers.is_empty() || self.svgd_multipliers.len() > 64 {
            return Err(ConfigError::new(
                "`svgd_multipliers` must hold between 1 and 64 multipliers".to_string(),
            ));
        }
        for (i, &m) in self.svgd_multipliers.iter().enumerate() {
            count("svgd_multipliers", m, 1, MAX_COUNT)?;
            if self.svgd_multipliers[..i].contains(&m) {
                return Err(ConfigError::new(format!(
                    "`svgd_multipliers` lists {m} twice"
                )));
            }
            let n = self.particles.saturating_mul(m);
            count("particles × svgd_multipliers", n, 2, MAX_COUNT)?;
        }
        count("record_every", self.record_every, 1, self.steps.max(1))?;
        sampler_list("samplers", &self.samplers, radial_sampler_allowed)?;
        self.target.validate("target")?;
        self.init.validate("init")?;
        count("reference_samples", self.reference_samples, 2, MAX_COUNT)?;
        count("mmd_samples", self.mmd_samples, 2, 20_000)?;
        Ok(())
    }
}
