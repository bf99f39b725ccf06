//! A bounded record of sampler step times whose median survives a resume.

use std::collections::BTreeMap;

/// Bins per doubling of the step time: bin widths of `2^(1/64) − 1 ≈ 1.09 %`.
const BINS_PER_OCTAVE: f64 = 64.0;
/// The lower edge of bin 0, in milliseconds (1 ns).
const FLOOR_MS: f64 = 1e-6;
/// The number of bins: 48 octaves above 1 ns (about 78 hours).
const BINS: u32 = 48 * 64;

/// Sampler step times as a histogram with logarithmic bins (64 per doubling, from 1 ns): the memory and the
/// checkpoint entry stay small however long a run is, and the median is known to within half a bin,
/// ±0.55 %. Merging two records gives the record of both runs, so a resumed run's median covers every step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepTimes {
    counts: BTreeMap<u32, u64>,
    total: u64,
}

impl StepTimes {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bin of a step time `ms`: `⌊64 · log₂(ms / 1 ns)⌋`, clamped to the range.
    fn bin(ms: f64) -> u32 {
        if ms.is_nan() || ms <= FLOOR_MS {
            return 0;
        }
        ((ms / FLOOR_MS).log2() * BINS_PER_OCTAVE).min(f64::from(BINS - 1)) as u32
    }

    /// The geometric centre of bin `b`, in milliseconds.
    fn centre(b: u32) -> f64 {
        FLOOR_MS * ((f64::from(b) + 0.5) / BINS_PER_OCTAVE).exp2()
    }

    /// Records one step of `ms` milliseconds (non-finite or negative times count as the shortest bin).
    pub fn record(&mut self, ms: f64) {
        *self.counts.entry(Self::bin(ms)).or_insert(0) += 1;
        self.total += 1;
    }

    /// Steps recorded.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// Whether no step was recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The median step time in milliseconds (the centre of the bin holding the middle step; NaN when empty).
    pub fn median_ms(&self) -> f64 {
        if self.total == 0 {
            return f64::NAN;
        }
        let middle = self.total.div_ceil(2);
        let mut seen = 0;
        for (&b, &c) in &self.counts {
            seen += c;
            if seen >= middle {
                return Self::centre(b);
            }
        }
        f64::NAN
    }

    /// Adds another record's steps.
    pub fn merge(&mut self, other: &StepTimes) {
        for (&b, &c) in &other.counts {
            *self.counts.entry(b).or_insert(0) += c;
        }
        self.total += other.total;
    }

    /// The record as text: `bin:count` pairs separated by commas (the checkpoint's form).
    pub fn encode(&self) -> String {
        self.counts
            .iter()
            .map(|(b, c)| format!("{b}:{c}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads [`StepTimes::encode`]'s text; `None` if it is malformed.
    pub fn decode(text: &str) -> Option<Self> {
        let mut t = StepTimes::new();
        for pair in text.split(',').filter(|p| !p.is_empty()) {
            let (b, c) = pair.split_once(':')?;
            let (b, c): (u32, u64) = (b.parse().ok()?, c.parse().ok()?);
            if b >= BINS {
                return None;
            }
            *t.counts.entry(b).or_insert(0) += c;
            t.total = t.total.checked_add(c)?;
        }
        Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_within_half_a_bin() {
        let mut t = StepTimes::new();
        for ms in [0.2, 0.3, 0.45, 0.5, 10.0] {
            t.record(ms);
        }
        let m = t.median_ms();
        assert!((m / 0.45 - 1.0).abs() < 0.0055, "{m}");
        assert!(StepTimes::new().median_ms().is_nan());
    }

    #[test]
    fn merge_and_encode_round_trip() {
        let (mut a, mut b) = (StepTimes::new(), StepTimes::new());
        a.record(1.0);
        a.record(2.0);
        b.record(3.0);
        let mut all = a.clone();
        all.merge(&b);
        assert_eq!(all.len(), 3);
        assert_eq!(StepTimes::decode(&all.encode()), Some(all.clone()));
        assert_eq!(StepTimes::decode("5:x"), None);
        assert_eq!(StepTimes::decode("999999:1"), None);
        assert_eq!(StepTimes::decode(""), Some(StepTimes::new()));
    }
}
