//! Histograms on fixed bins and the total-variation distance between two of them (energies, pair distances).

use crate::error::{MoleculesError, Result};
use crate::geometry::pair_distances_into;
use crate::DoubleWell;
use equistein::{Energy, Particles, Real};

/// Counts of values in `bins` equal bins over `[lo, hi)`, plus three extra categories: values below `lo`
/// (including −∞), values at or above `hi` (including +∞), and NaN.
///
/// The distributions compared by [`Histogram::total_variation`] are the `bins + 3` category shares
/// ([`Histogram::fractions`]), so mass outside the range is not lost: two sets that both lie wholly above `hi`
/// are at distance 0, one inside and one outside at distance 1.
///
/// The DW-4 bins ([`Histogram::dw4_energy`], [`Histogram::dw4_pair_distance`]):
/// - energies (temperature 1, unordered pairs): `[−26, −10)` in 64 bins of 0.25 (the lowest minimum is
///   −25.792; the data sets' energies have means near −23 and standard deviations below 2);
/// - pair distances: `[0, 8)` in 80 bins of 0.1 (the pair minima are at 2.51 and 5.49).
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    lo: f64,
    hi: f64,
    counts: Vec<u64>,
    below: u64,
    above: u64,
    nan: u64,
}

impl Histogram {
    /// An empty histogram of `bins ≥ 1` equal bins over `[lo, hi)` (finite, `lo < hi`).
    pub fn new(lo: f64, hi: f64, bins: usize) -> Result<Self> {
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(MoleculesError::InvalidParameter {
                name: "histogram range",
                reason: format!("need finite lo < hi, got [{lo}, {hi})"),
            });
        }
        if bins == 0 {
            return Err(MoleculesError::InvalidParameter {
                name: "histogram bins",
                reason: "at least one bin".into(),
            });
        }
        Ok(Histogram {
            lo,
            hi,
            counts: vec![0; bins],
            below: 0,
            above: 0,
            nan: 0,
        })
    }

    /// The DW-4 energy bins: `[−26, −10)`, 64 bins of 0.25.
    pub fn dw4_energy() -> Self {
        Self::fixed(-26.0, -10.0, 64)
    }

    /// The DW-4 pair-distance bins: `[0, 8)`, 80 bins of 0.1.
    pub fn dw4_pair_distance() -> Self {
        Self::fixed(0.0, 8.0, 80)
    }

    fn fixed(lo: f64, hi: f64, bins: usize) -> Self {
        Histogram {
            lo,
            hi,
            counts: vec![0; bins],
            below: 0,
            above: 0,
            nan: 0,
        }
    }

    /// Counts one value.
    pub fn add(&mut self, v: f64) {
        if v.is_nan() {
            self.nan += 1;
        } else if v < self.lo {
            self.below += 1;
        } else if v >= self.hi {
            self.above += 1;
        } else {
            let bins = self.counts.len();
            let i = ((v - self.lo) / self.width()) as usize;
            self.counts[i.min(bins - 1)] += 1;
        }
    }

    /// Counts every value.
    pub fn extend(&mut self, values: impl IntoIterator<Item = f64>) {
        for v in values {
            self.add(v);
        }
    }

    /// The lower end of the range.
    pub fn lo(&self) -> f64 {
        self.lo
    }

    /// The upper end of the range.
    pub fn hi(&self) -> f64 {
        self.hi
    }

    /// The width of one bin.
    pub fn width(&self) -> f64 {
        (self.hi - self.lo) / self.counts.len() as f64
    }

    /// The `bins + 1` bin edges, `lo` to `hi`.
    pub fn edges(&self) -> Vec<f64> {
        let w = self.width();
        (0..=self.counts.len())
            .map(|i| self.lo + w * i as f64)
            .collect()
    }

    /// The counts per bin (in range only).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Values below `lo`.
    pub fn below(&self) -> u64 {
        self.below
    }

    /// Values at or above `hi`.
    pub fn above(&self) -> u64 {
        self.above
    }

    /// NaN values.
    pub fn nan(&self) -> u64 {
        self.nan
    }

    /// Every value counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.below + self.above + self.nan
    }

    /// The `bins + 3` shares: the bins in order, then below, above, NaN (all 0 when empty).
    pub fn fractions(&self) -> Vec<f64> {
        let n = self.total().max(1) as f64;
        self.counts
            .iter()
            .chain([&self.below, &self.above, &self.nan])
            .map(|&c| c as f64 / n)
            .collect()
    }

    /// Density per bin, `count / (total · width)` (integrates to the in-range share), for plots.
    pub fn densities(&self) -> Vec<f64> {
        let scale = 1.0 / (self.total().max(1) as f64 * self.width());
        self.counts.iter().map(|&c| c as f64 * scale).collect()
    }

    /// The total-variation distance `½ Σ_c |p_c − q_c|` over the `bins + 3` categories, in `[0, 1]`. Both must
    /// have the same bins and at least one value.
    pub fn total_variation(&self, other: &Histogram) -> Result<f64> {
        if self.lo != other.lo || self.hi != other.hi || self.counts.len() != other.counts.len() {
            return Err(MoleculesError::InvalidParameter {
                name: "histogram bins",
                reason: format!(
                    "cannot compare [{}, {}) in {} bins with [{}, {}) in {} bins",
                    self.lo,
                    self.hi,
                    self.counts.len(),
                    other.lo,
                    other.hi,
                    other.counts.len()
                ),
            });
        }
        if self.total() == 0 || other.total() == 0 {
            return Err(MoleculesError::InvalidParameter {
                name: "histogram",
                reason: "the total variation needs two non-empty histograms".into(),
            });
        }
        let all = |h: &Histogram| -> Vec<u64> {
            h.counts
                .iter()
                .chain([&h.below, &h.above, &h.nan])
                .copied()
                .collect()
        };
        Ok(count_total_variation(&all(self), &all(other)))
    }
}

/// The total-variation distance `½ Σ_c |a_c/A − b_c/B|` between two count vectors of equal length (`A`, `B`
/// their sums; 0 when either is empty), computed exactly in integers as `Σ_c |a_c·B − b_c·A| / (2AB)` so that
/// rounding cannot carry it past 1 (summing rounded shares gave 1.0000000000000002 for disjoint sets).
pub fn count_total_variation(a: &[u64], b: &[u64]) -> f64 {
    let (na, nb) = (
        a.iter().map(|&c| u128::from(c)).sum::<u128>(),
        b.iter().map(|&c| u128::from(c)).sum::<u128>(),
    );
    if na == 0 || nb == 0 {
        return 0.0;
    }
    let gap: u128 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (u128::from(x) * nb).abs_diff(u128::from(y) * na))
        .sum();
    gap as f64 / (2 * na * nb) as f64
}

/// The DW-4 energies (temperature 1, unordered pairs) of a set of samples, in f64.
pub fn dw4_energies<T: Real>(xs: &Particles<T>) -> Result<Vec<f64>> {
    let mut e = vec![T::zero(); xs.len()];
    DoubleWell::dw4().energy_batch(xs, &mut e)?;
    Ok(e.into_iter().map(|v| v.to_f64_lossy()).collect())
}

/// [`Histogram::dw4_energy`] of a set of samples' DW-4 energies.
pub fn dw4_energy_histogram<T: Real>(xs: &Particles<T>) -> Result<Histogram> {
    let mut h = Histogram::dw4_energy();
    h.extend(dw4_energies(xs)?);
    Ok(h)
}

/// [`Histogram::dw4_pair_distance`] of all six pair distances of every sample (`6 N` values).
pub fn dw4_pair_distance_histogram<T: Real>(xs: &Particles<T>) -> Result<Histogram> {
    equistein::error::ensure_dim("DW-4 samples (dimension)", 8, xs.dim())?;
    let mut h = Histogram::dw4_pair_distance();
    let mut d = Vec::with_capacity(6);
    for x in xs.iter() {
        pair_distances_into(x, 2, &mut d);
        h.extend(d.iter().map(|v| v.to_f64_lossy()));
    }
    Ok(h)
}
