//! The state classifier: quench a configuration, then name the meta-stable state it fell into.

use crate::error::{MoleculesError, Result};
use crate::geometry::sorted_pair_distances;
use crate::quench::{Quench, QuenchReport};
use crate::states::STATES;
use crate::DoubleWell;
use equistein::{Energy, Particles, Real};
use rayon::prelude::*;

/// Where a configuration ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Assignment {
    /// The state [`STATES`]`[i]` (state number `i + 1`).
    State(usize),
    /// The quench ended farther than the tolerance from every state's fingerprint: at a saddle (a symmetric
    /// start such as a perfect square keeps its symmetry under descent and stops at one), or not converged.
    Unassigned,
    /// The quench produced a NaN or infinity (the step is too large for that start).
    Diverged,
}

/// The classification of one configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Classification {
    /// The verdict.
    pub assignment: Assignment,
    /// The index in [`STATES`] of the nearest fingerprint (also when unassigned).
    pub nearest: usize,
    /// The Euclidean distance in `R^6` between the quenched sorted pair distances and the nearest state's.
    pub distance: f64,
    /// The DW-4 energy (temperature 1, unordered pairs) after the quench.
    pub energy: f64,
    /// What the quench did.
    pub quench: QuenchReport,
}

/// Quenches DW-4 configurations by gradient descent on the true potential ([`Quench`]) and assigns each the
/// meta-stable state ([`STATES`]) whose sorted pair distances `s` are nearest to the quenched ones `q`
/// (Euclidean distance `‖q − s‖` in `R^6`), or [`Assignment::Unassigned`] when that distance exceeds the
/// tolerance. The fingerprint is invariant under E(2) × S_4, so no alignment is needed.
///
/// Defaults: [`Quench::default`] and a tolerance of 0.1 (the closest two fingerprints, states 1 and 3, are
/// 0.55 apart; after a converged quench the distance to the right state is below 1e-5).
/// [`Classifier::authors`] uses the authors' quench ([`Quench::authors`]). Batches run in parallel (rayon).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Classifier {
    quench: Quench,
    tolerance: f64,
}

impl Default for Classifier {
    fn default() -> Self {
        Classifier {
            quench: Quench::default(),
            tolerance: 0.1,
        }
    }
}

impl Classifier {
    /// The default quench and tolerance 0.1.
    pub fn new() -> Self {
        Self::default()
    }

    /// The authors' quench (1,000 steps of 0.001 on the ordered-pair energy) and tolerance 0.1.
    pub fn authors() -> Self {
        Classifier {
            quench: Quench::authors(),
            tolerance: 0.1,
        }
    }

    /// The same classifier with another quench, whose potential must be one of four particles in the plane.
    pub fn with_quench(mut self, quench: Quench) -> Result<Self> {
        let p = quench.potential();
        if p.particles() != 4 || p.spatial_dim() != 2 {
            return Err(MoleculesError::InvalidParameter {
                name: "quench potential",
                reason: format!(
                    "the DW-4 states need 4 particles in 2-D, got {} in {}-D",
                    p.particles(),
                    p.spatial_dim()
                ),
            });
        }
        self.quench = quench;
        Ok(self)
    }

    /// The same classifier with another tolerance (`> 0`, a distance in `R^6`).
    pub fn with_tolerance(mut self, tolerance: f64) -> Result<Self> {
        crate::error::ensure_positive("classifier tolerance", tolerance)?;
        self.tolerance = tolerance;
        Ok(self)
    }

    /// The quench.
    pub fn quench(&self) -> &Quench {
        &self.quench
    }

    /// The tolerance.
    pub fn tolerance(&self) -> f64 {
        self.tolerance
    }

    /// Assigns a configuration as it is, without quenching (for one already at a minimum). Returns the
    /// verdict, the nearest state's index and the distance to its fingerprint.
    pub fn assign(&self, x: &[f64]) -> Result<(Assignment, usize, f64)> {
        equistein::error::ensure_dim("DW-4 configuration", 8, x.len())?;
        if let Some(c) = x.iter().position(|v| !v.is_finite()) {
            return Err(MoleculesError::NonFiniteInput {
                what: "DW-4 configuration",
                sample: 0,
                coordinate: c,
            });
        }
        let q = sorted_pair_distances(x, 2);
        let (nearest, distance) = nearest_state(&q);
        let verdict = if distance <= self.tolerance {
            Assignment::State(nearest)
        } else {
            Assignment::Unassigned
        };
        Ok((verdict, nearest, distance))
    }

    /// Quenches a copy of `x` and classifies it.
    pub fn classify(&self, x: &[f64]) -> Result<Classification> {
        let mut y = x.to_vec();
        self.classify_in_place(&mut y)
    }

    /// Quenches `x` in place (it is left at the quenched configuration) and classifies it.
    pub fn classify_in_place(&self, x: &mut [f64]) -> Result<Classification> {
        equistein::error::ensure_dim("DW-4 configuration", 8, x.len())?;
        if let Some(c) = x.iter().position(|v| !v.is_finite()) {
            return Err(MoleculesError::NonFiniteInput {
                what: "DW-4 configuration",
                sample: 0,
                coordinate: c,
            });
        }
        let report = self.quench.run(x)?;
        let energy: f64 = DoubleWell::dw4().energy(x)?;
        if !report.finite {
            return Ok(Classification {
                assignment: Assignment::Diverged,
                nearest: 0,
                distance: f64::INFINITY,
                energy,
                quench: report,
            });
        }
        let (assignment, nearest, distance) = self.assign(x)?;
        Ok(Classification {
            assignment,
            nearest,
            distance,
            energy,
            quench: report,
        })
    }

    /// Classifies every sample of a set (f32 or f64, dimension 8) in parallel. A non-finite input is an error
    /// naming the sample; a quench that diverges is [`Assignment::Diverged`].
    pub fn classify_batch<T: Real>(&self, xs: &Particles<T>) -> Result<Vec<Classification>> {
        Ok(self.quench_batch(xs)?.1)
    }

    /// Like [`Classifier::classify_batch`], also returning the quenched configurations (in f64).
    pub fn quench_batch<T: Real>(
        &self,
        xs: &Particles<T>,
    ) -> Result<(Particles<f64>, Vec<Classification>)> {
        equistein::error::ensure_dim("DW-4 batch (dimension)", 8, xs.dim())?;
        if let Err(equistein::Error::NonFinite {
            particle,
            coordinate,
            ..
        }) = xs.check_finite("DW-4 batch")
        {
            return Err(MoleculesError::NonFiniteInput {
                what: "DW-4 batch",
                sample: particle,
                coordinate,
            });
        }
        let mut quenched: Vec<f64> = xs.as_slice().iter().map(|v| v.to_f64_lossy()).collect();
        let classes = quenched
            .par_chunks_exact_mut(8)
            .map(|x| self.classify_in_place(x))
            .collect::<Result<Vec<_>>>()?;
        Ok((Particles::from_rows(8, &quenched)?, classes))
    }

    /// The shares of the states among the samples of a set ([`Classifier::classify_batch`], then
    /// [`StateShares::from_classifications`]).
    pub fn shares<T: Real>(&self, xs: &Particles<T>) -> Result<StateShares> {
        Ok(StateShares::from_classifications(&self.classify_batch(xs)?))
    }
}

/// The index of the state whose fingerprint is nearest to the sorted pair distances `q`, and the distance.
pub fn nearest_state(q: &[f64]) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (i, s) in STATES.iter().enumerate() {
        let d = q
            .iter()
            .zip(&s.sorted_distances)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt();
        if d < best.1 {
            best = (i, d);
        }
    }
    best
}

/// How many samples fell into each state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StateShares {
    /// Samples per state, `counts[i]` for [`STATES`]`[i]`.
    pub counts: [usize; 5],
    /// Samples assigned to no state.
    pub unassigned: usize,
    /// Samples whose quench diverged.
    pub diverged: usize,
}

impl StateShares {
    /// Counts the verdicts.
    pub fn from_classifications(classes: &[Classification]) -> Self {
        let mut s = StateShares::default();
        for c in classes {
            match c.assignment {
                Assignment::State(i) => s.counts[i] += 1,
                Assignment::Unassigned => s.unassigned += 1,
                Assignment::Diverged => s.diverged += 1,
            }
        }
        s
    }

    /// All samples counted.
    pub fn total(&self) -> usize {
        self.counts.iter().sum::<usize>() + self.unassigned + self.diverged
    }

    /// The six shares: the five states, then "unassigned" (which includes the diverged); they sum to 1 (all 0
    /// for an empty set).
    pub fn fractions(&self) -> [f64; 6] {
        let n = self.total();
        let mut f = [0.0; 6];
        if n == 0 {
            return f;
        }
        for (fi, &c) in f.iter_mut().zip(&self.counts) {
            *fi = c as f64 / n as f64;
        }
        f[5] = (self.unassigned + self.diverged) as f64 / n as f64;
        f
    }

    /// The number of states with at least `min_count` samples (`min_count ≥ 1`).
    pub fn states_found(&self, min_count: usize) -> usize {
        self.counts
            .iter()
            .filter(|&&c| c >= min_count.max(1))
            .count()
    }

    /// The total-variation distance `½ Σ_i |p_i − q_i|` between two share vectors ([`StateShares::fractions`],
    /// six categories), in `[0, 1]`.
    pub fn total_variation(&self, other: &StateShares) -> f64 {
        let six = |s: &StateShares| -> Vec<u64> {
            s.counts
                .iter()
                .chain([&(s.unassigned + s.diverged)])
                .map(|&c| c as u64)
                .collect()
        };
        crate::histogram::count_total_variation(&six(self), &six(other))
    }
}
