//! Whole-run counters: kept in every checkpoint, so that a resumed run reports the whole run.

use super::step_times::StepTimes;
use equistein::cd::CdLoss;
use std::collections::BTreeMap;

/// What a training run has done so far, over every resume.
///
/// The counts are exact and deterministic (the same seed gives the same counts, with or without a resume);
/// the times are wall-clock: `sampling_seconds` is spent inside the negatives' sampler runs,
/// `learning_seconds` in the loss, `∇θ` and the optimizer step, and `wall_seconds` in [`super::Trainer::run`]
/// altogether (including checkpoint writes).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunCounters {
    /// Epochs completed.
    pub epochs: usize,
    /// Minibatches (optimizer steps) completed.
    pub minibatches: usize,
    /// Sampler (SVGD) steps taken for the negatives.
    pub sampler_steps: usize,
    /// Fresh starts of the persistent chain.
    pub resets: usize,
    /// Batches whose negative chain diverged and was restarted (they trained nothing).
    pub recoveries: usize,
    /// Times the run was resumed from a checkpoint.
    pub resumes: usize,
    /// Seconds inside sampler runs.
    pub sampling_seconds: f64,
    /// Seconds in the learning step (loss, gradient, optimizer).
    pub learning_seconds: f64,
    /// Seconds of training altogether.
    pub wall_seconds: f64,
    /// The mean loss parts of the last completed epoch.
    pub last_loss: Option<CdLoss<f64>>,
    /// Every sampler step's wall time.
    pub step_times: StepTimes,
}

const PREFIX: &str = "counters.";
const LOSS: [&str; 5] = [
    "positive_energy",
    "negative_energy",
    "supervised",
    "regularizer",
    "total",
];

impl RunCounters {
    /// The median sampler step time over the whole run, in milliseconds (NaN before the first step).
    pub fn median_step_ms(&self) -> f64 {
        self.step_times.median_ms()
    }

    /// The counters as `counters.NAME → value` pairs for a checkpoint's header (floats in Rust's shortest
    /// round-trip form, so that they read back exactly).
    pub fn encode(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        let mut put = |k: &str, v: String| {
            m.insert(format!("{PREFIX}{k}"), v);
        };
        put("epochs", self.epochs.to_string());
        put("minibatches", self.minibatches.to_string());
        put("sampler_steps", self.sampler_steps.to_string());
        put("resets", self.resets.to_string());
        put("recoveries", self.recoveries.to_string());
        put("resumes", self.resumes.to_string());
        put("sampling_seconds", self.sampling_seconds.to_string());
        put("learning_seconds", self.learning_seconds.to_string());
        put("wall_seconds", self.wall_seconds.to_string());
        put("step_times", self.step_times.encode());
        if let Some(l) = &self.last_loss {
            let v = [
                l.positive_energy,
                l.negative_energy,
                l.supervised,
                l.regularizer,
                l.total,
            ];
            for (k, x) in LOSS.iter().zip(v) {
                put(&format!("last_loss.{k}"), x.to_string());
            }
        }
        m
    }

    /// Reads [`RunCounters::encode`]'s pairs; the error names the first missing or malformed key.
    pub fn decode(m: &BTreeMap<String, String>) -> Result<Self, String> {
        fn get<'a>(m: &'a BTreeMap<String, String>, k: &str) -> Result<&'a str, String> {
            m.get(&format!("{PREFIX}{k}"))
                .map(String::as_str)
                .ok_or_else(|| format!("no `{PREFIX}{k}` in the header"))
        }
        fn num<V: std::str::FromStr>(m: &BTreeMap<String, String>, k: &str) -> Result<V, String> {
            let s = get(m, k)?;
            s.parse()
                .map_err(|_| format!("`{PREFIX}{k}` = `{s}` is not a number"))
        }
        let last_loss = if m.contains_key(&format!("{PREFIX}last_loss.total")) {
            let mut v = [0.0; 5];
            for (slot, k) in v.iter_mut().zip(LOSS) {
                *slot = num(m, &format!("last_loss.{k}"))?;
            }
            Some(CdLoss {
                positive_energy: v[0],
                negative_energy: v[1],
                supervised: v[2],
                regularizer: v[3],
                total: v[4],
            })
        } else {
            None
        };
        let steps = get(m, "step_times")?;
        Ok(RunCounters {
            epochs: num(m, "epochs")?,
            minibatches: num(m, "minibatches")?,
            sampler_steps: num(m, "sampler_steps")?,
            resets: num(m, "resets")?,
            // Absent from checkpoints written before divergence recovery existed: none happened then.
            recoveries: if m.contains_key(&format!("{PREFIX}recoveries")) {
                num(m, "recoveries")?
            } else {
                0
            },
            resumes: num(m, "resumes")?,
            sampling_seconds: num(m, "sampling_seconds")?,
            learning_seconds: num(m, "learning_seconds")?,
            wall_seconds: num(m, "wall_seconds")?,
            last_loss,
            step_times: StepTimes::decode(steps)
                .ok_or_else(|| format!("`{PREFIX}step_times` = `{steps}` is malformed"))?,
        })
    }

    /// Whether the deterministic parts agree (everything but the times): what a resumed run must reproduce.
    pub fn same_counts(&self, other: &RunCounters) -> bool {
        self.epochs == other.epochs
            && self.minibatches == other.minibatches
            && self.sampler_steps == other.sampler_steps
            && self.resets == other.resets
            && self.recoveries == other.recoveries
            && self.step_times.len() == other.step_times.len()
            && self.last_loss == other.last_loss
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_round_trips_exactly() {
        let mut c = RunCounters {
            epochs: 3,
            minibatches: 12,
            sampler_steps: 600,
            resets: 2,
            recoveries: 1,
            resumes: 1,
            sampling_seconds: 0.1 + 0.2,
            learning_seconds: 1.0 / 3.0,
            wall_seconds: 1e-300,
            last_loss: Some(CdLoss {
                positive_energy: -1.25,
                negative_energy: f64::from(0.3f32),
                supervised: 0.7,
                regularizer: 0.0,
                total: -0.25,
            }),
            step_times: StepTimes::new(),
        };
        c.step_times.record(0.42);
        assert_eq!(RunCounters::decode(&c.encode()), Ok(c.clone()));
        let mut m = c.encode();
        m.insert("counters.epochs".into(), "three".into());
        assert!(RunCounters::decode(&m)
            .unwrap_err()
            .contains("counters.epochs"));
        m.remove("counters.epochs");
        assert!(RunCounters::decode(&m)
            .unwrap_err()
            .contains("counters.epochs"));
    }
}
