//! The content of `metrics.json`: typed records, and the small statistics (quartiles) they need.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

/// The whole `metrics.json`: `{"experiment", "seed", "preset", "reference", "runs": {name: record}}`.
#[derive(Debug, Clone, Serialize)]
pub struct Metrics<Ref, Run> {
    /// The experiment's name.
    pub experiment: String,
    /// The seed of the run.
    pub seed: u64,
    /// The preset the configuration started from.
    pub preset: String,
    /// Statistics of exact samples and the true values.
    pub reference: Ref,
    /// One record per sampler run, in the order they were configured.
    pub runs: Runs<Run>,
}

/// Named records that serialize as a JSON object in insertion order.
#[derive(Debug, Clone)]
pub struct Runs<R>(pub Vec<(String, R)>);

impl<R> Runs<R> {
    /// The record named `name`.
    pub fn get(&self, name: &str) -> Option<&R> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, r)| r)
    }

    /// The names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(|(n, _)| n.as_str()).collect()
    }
}

impl<R: Serialize> Serialize for Runs<R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// Spread along and across the radius (C_N Gaussians).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RadialTangential {
    /// Along the ray through the nearest mode.
    pub radial: f64,
    /// Across it.
    pub tangential: f64,
}

/// The orbit statistics of a sample in the group-factorized space.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum OrbitStats {
    /// C_N Gaussians: which mode each particle is nearest to, and the spread of its offset from that mode.
    Modes {
        /// The fraction of particles nearest to each mode (sums to 1).
        mode_fractions: Vec<f64>,
        /// The standard deviations of the offsets from the nearest mode.
        spread: RadialTangential,
        /// `spread` divided by the true spread.
        spread_ratio: RadialTangential,
    },
    /// Radial mixtures: which ring each particle is nearest to, and the spread of its radius about that ring.
    Rings {
        /// The fraction of particles nearest to each ring (sums to 1).
        ring_fractions: Vec<f64>,
        /// The standard deviation of `‖x‖ − r_k` over the particles of ring k (`null` for an empty ring).
        spread: Vec<Option<f64>>,
        /// `spread` divided by the true spread, per ring.
        spread_ratio: Vec<Option<f64>>,
    },
}

/// The statistics of one particle set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleStats {
    /// The number of particles.
    pub particles: usize,
    /// `mean_i log π(x_i)`.
    pub mean_log_prob: f64,
    /// The kernelized Stein discrepancy (IMQ base kernel).
    pub ksd: f64,
    /// The MMD (RBF, median bandwidth) against a fresh exact sample.
    pub mmd: f64,
    /// The size of that exact sample.
    pub mmd_samples: usize,
    /// The orbit statistics (absent where the experiment has none).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub orbit: Option<OrbitStats>,
}

/// One sampler run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRecord {
    /// Statistics of the final particles.
    #[serde(flatten)]
    pub stats: SampleStats,
    /// The steps taken.
    pub steps: usize,
    /// Wall-clock seconds of the sampling (not the metrics).
    pub seconds: f64,
    /// `[step, mean log π]` pairs (sample-efficiency).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curve: Option<Vec<(usize, f64)>>,
}

/// The first quartile, median and third quartile (linear interpolation between order statistics, the
/// "type 7" rule of R and NumPy). NaN values are ignored; all NaN for an empty input.
pub fn quartiles(values: &[f64]) -> [f64; 3] {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return [f64::NAN; 3];
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| {
        let h = (v.len() - 1) as f64 * p;
        let lo = h.floor() as usize;
        let hi = h.ceil() as usize;
        v[lo] + (h - lo as f64) * (v[hi] - v[lo])
    };
    [q(0.25), q(0.5), q(0.75)]
}

/// The sample mean and standard deviation (divisor n).
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let m = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n;
    (m, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_match_numpy() {
        // numpy.percentile([1, 2, 3, 4, 10], [25, 50, 75]) = [2, 3, 4]
        assert_eq!(quartiles(&[10.0, 1.0, 3.0, 2.0, 4.0]), [2.0, 3.0, 4.0]);
        // numpy.percentile([1, 2, 3, 4], [25, 50, 75]) = [1.75, 2.5, 3.25]
        assert_eq!(quartiles(&[4.0, 3.0, 2.0, 1.0]), [1.75, 2.5, 3.25]);
        assert!(quartiles(&[]).iter().all(|v| v.is_nan()));
    }

    #[test]
    fn runs_serialize_in_order() {
        let r = Runs(vec![("b".to_string(), 1), ("a".to_string(), 2)]);
        assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"b":1,"a":2}"#);
    }
}
