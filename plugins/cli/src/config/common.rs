//! Configuration pieces shared by several experiments, and the validation helpers.

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// The largest particle count, sample size, step count etc. accepted: a guard against typos that would
/// otherwise exhaust memory, not a statement about what the samplers can do.
pub const MAX_COUNT: usize = 1_000_000;
/// The largest step count accepted.
pub const MAX_STEPS: usize = 100_000_000;
/// The largest dimension accepted for the radial targets.
pub const MAX_DIM: usize = 10_000;

/// The sampler variants compared in the toy experiments (names fixed by the issue).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum SamplerKind {
    /// Vanilla SVGD with the RBF kernel, Liu–Wang repulsion.
    Svgd,
    /// The invariant scalar kernel (group average over C_N, or the norm map for SO(n)), Liu–Wang repulsion.
    EsvgdScalar,
    /// The same invariant kernel with the repulsion of the authors' released code.
    EsvgdScalarCode,
    /// The matrix-valued equivariant kernel `Σ_g k(x, g·y) g` (finite groups only), Liu–Wang repulsion.
    EsvgdMatrix,
}

impl SamplerKind {
    /// Every variant.
    pub const ALL: [SamplerKind; 4] = [
        SamplerKind::Svgd,
        SamplerKind::EsvgdScalar,
        SamplerKind::EsvgdScalarCode,
        SamplerKind::EsvgdMatrix,
    ];

    /// The name used in configurations and in `metrics.json`.
    pub fn name(self) -> &'static str {
        match self {
            SamplerKind::Svgd => "svgd",
            SamplerKind::EsvgdScalar => "esvgd-scalar",
            SamplerKind::EsvgdScalarCode => "esvgd-scalar-code",
            SamplerKind::EsvgdMatrix => "esvgd-matrix",
        }
    }
}

/// A number, or one number per item (`sigma = 0.5` or `sigma = [0.3, 0.5]`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub enum OneOrMany {
    /// The same value for every item.
    One(f64),
    /// One value per item.
    Many(Vec<f64>),
}

impl OneOrMany {
    /// The list of `n` values; errors (naming `key`) if a list has the wrong length.
    pub fn expand(&self, n: usize, key: &str, per: &str) -> Result<Vec<f64>, ConfigError> {
        match self {
            OneOrMany::One(v) => Ok(vec![*v; n]),
            OneOrMany::Many(vs) if vs.len() == n => Ok(vs.clone()),
            OneOrMany::Many(vs) => Err(ConfigError::new(format!(
                "`{key}` has {} values but there are {n} {per}: give one number or one per entry of {per}",
                vs.len()
            ))),
        }
    }
}

/// The radial mixture `π(x) ∝ Σ_k w_k N(‖x‖; r_k, σ_k²)` on `R^dim` (concentric circles or spheres).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RadialTarget {
    /// The dimension (2: circles, 3: spheres; any `≥ 1`).
    pub dim: usize,
    /// The ring radii.
    pub radii: Vec<f64>,
    /// The ring widths (standard deviations of the radius): one number or one per ring.
    pub sigma: OneOrMany,
    /// The weights of the radial density: one number (equal weights) or one per ring.
    pub weights: OneOrMany,
}

impl RadialTarget {
    /// The ring widths, one per radius.
    pub fn sigmas(&self, key: &str) -> Result<Vec<f64>, ConfigError> {
        self.sigma
            .expand(self.radii.len(), &format!("{key}.sigma"), "radii")
    }

    /// The weights, one per radius.
    pub fn weight_list(&self, key: &str) -> Result<Vec<f64>, ConfigError> {
        self.weights
            .expand(self.radii.len(), &format!("{key}.weights"), "radii")
    }

    /// Checks every field; `key` is the table's dotted name.
    pub fn validate(&self, key: &str) -> Result<(), ConfigError> {
        count(&format!("{key}.dim"), self.dim, 1, MAX_DIM)?;
        if self.radii.is_empty() || self.radii.len() > 1000 {
            return Err(ConfigError::new(format!(
                "`{key}.radii` must hold between 1 and 1000 radii, got {}",
                self.radii.len()
            )));
        }
        for &r in &self.radii {
            positive(&format!("{key}.radii"), r)?;
        }
        for s in self.sigmas(key)? {
            positive(&format!("{key}.sigma"), s)?;
        }
        for w in self.weight_list(key)? {
            positive(&format!("{key}.weights"), w)?;
        }
        Ok(())
    }
}

/// The C_N-symmetric Gaussian mixture: `n_components` equal-weight Gaussians with means at `radius` on the
/// rays at angles `2πk/N`, each with variance `radial_var` along its ray and `tangential_var` across it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GaussianTarget {
    /// The number of components N, which is also the order of the symmetry group C_N.
    pub n_components: usize,
    /// The distance of every mean from the origin.
    pub radius: f64,
    /// The variance along the ray through the mean.
    pub radial_var: f64,
    /// The variance across the ray.
    pub tangential_var: f64,
}

impl GaussianTarget {
    /// The paper's four Gaussians (ESVGD.md §3).
    pub fn paper() -> Self {
        GaussianTarget {
            n_components: 4,
            radius: 3.0,
            radial_var: 1.0,
            tangential_var: 0.2,
        }
    }

    /// Checks every field; `key` is the table's dotted name.
    pub fn validate(&self, key: &str) -> Result<(), ConfigError> {
        count(&format!("{key}.n_components"), self.n_components, 1, 10_000)?;
        positive(&format!("{key}.radius"), self.radius)?;
        positive(&format!("{key}.radial_var"), self.radial_var)?;
        positive(&format!("{key}.tangential_var"), self.tangential_var)?;
        Ok(())
    }
}

/// How many exact samples the metrics use.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    /// The size of the large exact sample that gives the true values (true spread, true mean log π).
    pub truth_samples: usize,
    /// The size of the fresh exact sample each run's MMD is measured against.
    pub mmd_samples: usize,
}

impl Evaluation {
    /// The defaults: 20,000 exact samples for the truth, 500 for each MMD.
    pub fn standard() -> Self {
        Evaluation {
            truth_samples: 20_000,
            mmd_samples: 500,
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        count("evaluation.truth_samples", self.truth_samples, 2, MAX_COUNT)?;
        count("evaluation.mmd_samples", self.mmd_samples, 2, 20_000)?;
        Ok(())
    }
}

/// Errors unless `value` is finite and strictly positive.
pub fn positive(key: &str, value: f64) -> Result<(), ConfigError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(ConfigError::new(format!(
            "`{key}` must be positive and finite, got {value}"
        )))
    }
}

/// Errors unless `value` is finite.
pub fn finite(key: &str, value: f64) -> Result<(), ConfigError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(ConfigError::new(format!(
            "`{key}` must be finite, got {value}"
        )))
    }
}

/// Errors unless `lo ≤ value ≤ hi`.
pub fn count(key: &str, value: usize, lo: usize, hi: usize) -> Result<(), ConfigError> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError::new(format!(
            "`{key}` must be between {lo} and {hi}, got {value}"
        )))
    }
}

/// The shared checks of a sampler's settings: particles ≥ 2, steps ≥ 1, positive step size and bandwidth.
pub fn sampler_settings(
    particles: usize,
    steps: usize,
    step_size: f64,
    bandwidth: f64,
) -> Result<(), ConfigError> {
    count("particles", particles, 2, MAX_COUNT)?;
    count("steps", steps, 1, MAX_STEPS)?;
    positive("step_size", step_size)?;
    positive("bandwidth", bandwidth)?;
    Ok(())
}

/// Errors if the sampler list is empty or repeats a name; `allowed` filters the variants that apply.
pub fn sampler_list(
    key: &str,
    samplers: &[SamplerKind],
    allowed: impl Fn(SamplerKind) -> Result<(), String>,
) -> Result<(), ConfigError> {
    if samplers.is_empty() {
        return Err(ConfigError::new(format!(
            "`{key}` must name at least one sampler"
        )));
    }
    for (i, s) in samplers.iter().enumerate() {
        if samplers[..i].contains(s) {
            return Err(ConfigError::new(format!(
                "`{key}` names `{}` twice",
                s.name()
            )));
        }
        allowed(*s).map_err(|why| ConfigError::new(format!("`{key}`: {why}")))?;
    }
    Ok(())
}

/// Checks that `v` is finite and `≥ 0`.
pub fn nonnegative(key: &str, v: f64) -> Result<(), ConfigError> {
    finite(key, v)?;
    if v < 0.0 {
        return Err(ConfigError::new(format!("`{key}` must be ≥ 0, got {v}")));
    }
    Ok(())
}
