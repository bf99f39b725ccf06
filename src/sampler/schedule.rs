//! Step-size schedules and the cyclical annealing of the driving term.

use crate::error::{ensure_positive, Error, Result};
use crate::real::Real;
use alloc::format;
use alloc::vec::Vec;

/// The step size `ε_t` as a function of the step index `t` (counted from 0 since the last
/// [`crate::Sampler::reset`]).
#[derive(Debug, Clone, PartialEq)]
pub enum StepSchedule<T> {
    /// `ε_t = ε` for every step.
    Constant(T),
    /// `ε_t = initial` before the first milestone, then the size of the last milestone `(step, size)` with
    /// `step ≤ t`. Milestones must be strictly increasing in `step`.
    Piecewise {
        /// The size before the first milestone.
        initial: T,
        /// `(first step, size from that step on)`, strictly increasing steps.
        milestones: Vec<(usize, T)>,
    },
    /// Exponential decay `ε_t = initial · decay^t`, `0 < decay ≤ 1`.
    Exponential {
        /// `ε_0`.
        initial: T,
        /// The factor per step.
        decay: T,
    },
}

impl<T: Real> StepSchedule<T> {
    /// The step size at step `t`.
    pub fn size_at(&self, t: usize) -> T {
        match self {
            StepSchedule::Constant(e) => *e,
            StepSchedule::Piecewise {
                initial,
                milestones,
            } => milestones
                .iter()
                .take_while(|(s, _)| *s <= t)
                .last()
                .map_or(*initial, |(_, e)| *e),
            StepSchedule::Exponential { initial, decay } => {
                *initial * decay.powi(t.min(i32::MAX as usize) as i32)
            }
        }
    }

    /// Checks every size positive and finite, milestones increasing, `0 < decay ≤ 1`.
    pub fn validate(&self) -> Result<()> {
        match self {
            StepSchedule::Constant(e) => ensure_positive("step size", e.to_f64_lossy()),
            StepSchedule::Piecewise {
                initial,
                milestones,
            } => {
                ensure_positive("step size", initial.to_f64_lossy())?;
                for (k, (s, e)) in milestones.iter().enumerate() {
                    ensure_positive("step size (milestone)", e.to_f64_lossy())?;
                    if k > 0 && milestones[k - 1].0 >= *s {
                        return Err(Error::InvalidParameter {
                            name: "step size milestones",
                            reason: format!(
                                "milestone steps must be strictly increasing, found {} then {s}",
                                milestones[k - 1].0
                            ),
                        });
                    }
                }
                Ok(())
            }
            StepSchedule::Exponential { initial, decay } => {
                ensure_positive("step size", initial.to_f64_lossy())?;
                if !(*decay > T::zero() && *decay <= T::one()) {
                    return Err(Error::InvalidParameter {
                        name: "step size decay",
                        reason: format!("the decay factor must lie in (0, 1], got {decay}"),
                    });
                }
                Ok(())
            }
        }
    }
}

/// Cyclical annealing of the driving term (D'Angelo & Fortuin 2021; ESVGD.md §1): the term `k·s` of the
/// Stein direction is multiplied by
///
/// `γ(t) = ((t mod (T/C)) / (T/C))^p`, and `γ(t) = 1` in the last cycle (`t ≥ (C − 1)·T/C`) and after it,
///
/// with `T = total_steps`, `C = cycles`, `p = power`. Each cycle starts with pure repulsion (`γ = 0`), which
/// spreads the particles, and ends driven by the target; the last cycle is plain SVGD.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Annealing<T> {
    /// `T`, the number of steps the schedule spans (≥ 1).
    pub total_steps: usize,
    /// `C`, the number of cycles (≥ 1).
    pub cycles: usize,
    /// `p > 0`, the shape of each ramp.
    pub power: T,
}

impl<T: Real> Annealing<T> {
    /// Checks `total_steps ≥ 1`, `cycles ≥ 1`, `power` positive and finite.
    pub fn validate(&self) -> Result<()> {
        if self.total_steps == 0 {
            return Err(Error::InvalidParameter {
                name: "annealing total_steps",
                reason: "must be at least 1".into(),
            });
        }
        if self.cycles == 0 {
            return Err(Error::InvalidParameter {
                name: "annealing cycles",
                reason: "must be at least 1".into(),
            });
        }
        ensure_positive("annealing power", self.power.to_f64_lossy())
    }

    /// `γ(t)`.
    pub fn gamma(&self, t: usize) -> T {
        let period = self.total_steps as f64 / self.cycles as f64;
        let t = t as f64;
        if t >= (self.cycles - 1) as f64 * period {
            return T::one();
        }
        let phase = (t % period) / period;
        T::c(phase).powf(self.power)
    }
}
