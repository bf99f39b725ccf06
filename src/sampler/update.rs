//! How a particle moves along its Stein direction: plain ascent, Adagrad or Adam.

use crate::error::{ensure_positive, Error, Result};
use crate::real::Real;
use alloc::format;
use alloc::vec::Vec;

/// The particle update rule applied to the Stein direction `φ` with step size `ε`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Update<T> {
    /// `x ← x + ε φ`: the plain gradient ascent of every released experiment of the paper.
    #[default]
    Plain,
    /// Adagrad with momentum on the historical gradient, as in Liu & Wang's reference code:
    /// `H ← φ²` at the first step, then `H ← α H + (1 − α) φ²`; `x ← x + ε φ / (fudge + √H)` (elementwise).
    Adagrad {
        /// `α ∈ [0, 1)` (reference: 0.9).
        alpha: T,
        /// `fudge > 0` (reference: 1e-6).
        fudge: T,
    },
    /// Adam on the ascent direction: `m ← β1 m + (1 − β1) φ`, `v ← β2 v + (1 − β2) φ²`,
    /// `x ← x + ε m̂ / (√v̂ + eps)` with the bias corrections `m̂ = m/(1 − β1^t)`, `v̂ = v/(1 − β2^t)`.
    Adam {
        /// `β1 ∈ [0, 1)` (default 0.9).
        beta1: T,
        /// `β2 ∈ [0, 1)` (default 0.999).
        beta2: T,
        /// `eps > 0` (default 1e-8).
        eps: T,
    },
}

impl<T: Real> Update<T> {
    /// Adagrad with the reference code's constants `α = 0.9`, `fudge = 1e-6`.
    pub fn adagrad() -> Self {
        Update::Adagrad {
            alpha: T::c(0.9),
            fudge: T::c(1e-6),
        }
    }

    /// Adam with `β1 = 0.9`, `β2 = 0.999`, `eps = 1e-8`.
    pub fn adam() -> Self {
        Update::Adam {
            beta1: T::c(0.9),
            beta2: T::c(0.999),
            eps: T::c(1e-8),
        }
    }

    /// Checks the constants' ranges.
    pub fn validate(&self) -> Result<()> {
        let unit = |name: &'static str, v: T| {
            if v >= T::zero() && v < T::one() {
                Ok(())
            } else {
                Err(Error::InvalidParameter {
                    name,
                    reason: format!("must lie in [0, 1), got {v}"),
                })
            }
        };
        match *self {
            Update::Plain => Ok(()),
            Update::Adagrad { alpha, fudge } => {
                unit("adagrad alpha", alpha)?;
                ensure_positive("adagrad fudge", fudge.to_f64_lossy())
            }
            Update::Adam { beta1, beta2, eps } => {
                unit("adam beta1", beta1)?;
                unit("adam beta2", beta2)?;
                ensure_positive("adam eps", eps.to_f64_lossy())
            }
        }
    }
}

/// The optimizer's moments, one entry per particle coordinate.
#[derive(Debug, Clone, Default)]
pub(crate) struct UpdateState<T> {
    first: Vec<T>,
    second: Vec<T>,
    steps: usize,
}

impl<T: Real> UpdateState<T> {
    /// Forgets the moments.
    pub(crate) fn reset(&mut self) {
        self.first.clear();
        self.second.clear();
        self.steps = 0;
    }

    /// Overwrites `phi` with the displacement `Δ` the rule takes for the direction `phi` and step size `eps`.
    pub(crate) fn displacement(&mut self, rule: &Update<T>, eps: T, phi: &mut [T]) {
        if self.first.len() != phi.len() {
            self.first.clear();
            self.first.resize(phi.len(), T::zero());
            self.second.clear();
            self.second.resize(phi.len(), T::zero());
            self.steps = 0;
        }
        match *rule {
            Update::Plain => phi.iter_mut().for_each(|p| *p = eps * *p),
            Update::Adagrad { alpha, fudge } => {
                let first = self.steps == 0;
                for (p, h) in phi.iter_mut().zip(self.first.iter_mut()) {
                    let g2 = *p * *p;
                    *h = if first {
                        *h + g2
                    } else {
                        alpha * *h + (T::one() - alpha) * g2
                    };
                    *p = eps * *p / (fudge + h.sqrt());
                }
            }
            Update::Adam {
                beta1,
                beta2,
                eps: e,
            } => {
                let t = (self.steps + 1).min(i32::MAX as usize) as i32;
                let c1 = T::one() - beta1.powi(t);
                let c2 = T::one() - beta2.powi(t);
                for ((p, m), v) in phi
                    .iter_mut()
                    .zip(self.first.iter_mut())
                    .zip(self.second.iter_mut())
                {
                    *m = beta1 * *m + (T::one() - beta1) * *p;
                    *v = beta2 * *v + (T::one() - beta2) * *p * *p;
                    *p = eps * (*m / c1) / ((*v / c2).sqrt() + e);
                }
            }
        }
        self.steps += 1;
    }
}
