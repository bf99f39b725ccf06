//! The toy targets as the experiments see them: the energy, exact samples, the orbit statistics in the
//! group-factorized space and the true values they are compared with.

use super::RunError;
use crate::config::{GaussianTarget, RadialTarget};
use crate::metrics::{OrbitStats, RadialTangential};
use equistein::diagnostics::{mode_fractions, mode_spread, ring_fractions, ring_spread};
use equistein::group::CyclicRotation;
use equistein::target::{ExactSample, GaussianMixture, RadialMixture};
use equistein::{Energy, Particles};
use rand_core::RngCore;
use serde::Serialize;

/// A toy target with its symmetry.
#[derive(Debug, Clone)]
pub enum ToyTarget {
    /// The C_N-symmetric Gaussian mixture, the group C_N (N = number of components) and the modes.
    Gaussians {
        /// The mixture.
        mixture: GaussianMixture<f64>,
        /// The symmetry group.
        group: CyclicRotation,
        /// The component means.
        modes: Vec<Vec<f64>>,
    },
    /// A radial mixture (SO(d) symmetry).
    Radial {
        /// The mixture.
        mixture: RadialMixture<f64>,
    },
}

/// The true values of the orbit statistics, from a large exact sample (and the target's exact constants).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Truth {
    /// C_N Gaussians.
    Modes {
        /// `mode_spread` of the large exact sample.
        true_spread: RadialTangential,
        /// The mixture weights (the exact mode fractions).
        mode_weights: Vec<f64>,
    },
    /// Radial mixtures.
    Rings {
        /// `ring_spread` of the large exact sample, per ring.
        true_spread: Vec<f64>,
        /// The exact probability of each ring on `R^d`.
        ring_masses: Vec<f64>,
    },
}

impl ToyTarget {
    /// The Gaussian mixture of a configuration table, with C_N of the same order.
    pub fn gaussians(t: &GaussianTarget) -> Result<Self, RunError> {
        let mixture = GaussianMixture::c_n_symmetric(
            t.n_components,
            t.radius,
            t.radial_var,
            t.tangential_var,
        )
        .map_err(|e| RunError::core("target", e))?;
        let group = CyclicRotation::new(t.n_components).map_err(|e| RunError::core("target", e))?;
        let modes = mixture.means();
        Ok(ToyTarget::Gaussians {
            mixture,
            group,
            modes,
        })
    }

    /// The radial mixture of a configuration table (`key` names the table in messages).
    pub fn radial(t: &RadialTarget, key: &str) -> Result<Self, RunError> {
        let sigmas = t.sigmas(key).map_err(|e| RunError::Other(e.message))?;
        let weights = t.weight_list(key).map_err(|e| RunError::Other(e.message))?;
        let mixture = RadialMixture::new(t.dim, t.radii.clone(), sigmas, weights)
            .map_err(|e| RunError::core("target", e))?;
        Ok(ToyTarget::Radial { mixture })
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.energy().dim()
    }

    /// The energy `E = −log π`.
    pub fn energy(&self) -> &(dyn Energy<f64> + Sync) {
        match self {
            ToyTarget::Gaussians { mixture, .. } => mixture,
            ToyTarget::Radial { mixture } => mixture,
        }
    }

    /// `log π(x)`; `−∞` where the energy cannot be evaluated.
    pub fn log_prob(&self, x: &[f64]) -> f64 {
        self.energy().log_prob(x).unwrap_or(f64::NEG_INFINITY)
    }

    /// `n` exact samples.
    pub fn sample_exact<R: RngCore>(&self, rng: &mut R, n: usize) -> Particles<f64> {
        match self {
            ToyTarget::Gaussians { mixture, .. } => mixture.sample_exact(rng, n),
            ToyTarget::Radial { mixture } => mixture.sample_exact(rng, n),
        }
    }

    /// The true values, from the large exact sample `truth`.
    pub fn truth(&self, truth: &Particles<f64>) -> Result<Truth, RunError> {
        Ok(match self {
            ToyTarget::Gaussians { mixture, modes, .. } => {
                let s = mode_spread(truth, modes).map_err(|e| RunError::core("true spread", e))?;
                Truth::Modes {
                    true_spread: RadialTangential {
                        radial: s.radial,
                        tangential: s.tangential,
                    },
                    mode_weights: mixture.weights().to_vec(),
                }
            }
            ToyTarget::Radial { mixture } => Truth::Rings {
                true_spread: ring_spread(truth, mixture.radii()),
                ring_masses: mixture.ring_masses(),
            },
        })
    }

    /// The orbit statistics of `p` against the true values: mode or ring fractions, the spread about the
    /// nearest mode or ring, and its ratio to the true spread. A ring with fewer than two particles has no
    /// spread (`None`).
    pub fn orbit_stats(&self, p: &Particles<f64>, truth: &Truth) -> Result<OrbitStats, RunError> {
        Ok(match (self, truth) {
            (ToyTarget::Gaussians { modes, .. }, Truth::Modes { true_spread, .. }) => {
                let s = mode_spread(p, modes).map_err(|e| RunError::core("mode spread", e))?;
                OrbitStats::Modes {
                    mode_fractions: mode_fractions(p, modes),
                    spread: RadialTangential {
                        radial: s.radial,
                        tangential: s.tangential,
                    },
                    spread_ratio: RadialTangential {
                        radial: s.radial / true_spread.radial,
                        tangential: s.tangential / true_spread.tangential,
                    },
                }
            }
            (ToyTarget::Radial { mixture }, Truth::Rings { true_spread, .. }) => {
                let radii = mixture.radii();
                let fractions = ring_fractions(p, radii);
                let spread = ring_spread(p, radii);
                let n = p.len() as f64;
                let counted: Vec<Option<f64>> = spread
                    .iter()
                    .zip(&fractions)
                    .map(|(&s, &f)| ((f * n).round() >= 2.0).then_some(s))
                    .collect();
                let ratio = counted
                    .iter()
                    .zip(true_spread)
                    .map(|(s, &t)| s.map(|s| s / t))
                    .collect();
                OrbitStats::Rings {
                    ring_fractions: fractions,
                    spread: counted,
                    spread_ratio: ratio,
                }
            }
            _ => {
                return Err(RunError::Other(
                    "orbit statistics of a mismatched truth".into(),
                ))
            }
        })
    }

    /// A square `[−R, R]²` that holds the bulk of the target's mass (for pictures).
    pub fn extent(&self) -> f64 {
        match self {
            ToyTarget::Gaussians { mixture, .. } => {
                let radius = mixture
                    .means()
                    .iter()
                    .map(|m| m.iter().map(|v| v * v).sum::<f64>().sqrt())
                    .fold(0.0, f64::max);
                let var = mixture
                    .components()
                    .iter()
                    .flat_map(|c| [c.cov()[0], c.cov()[c.dim() * c.dim() - 1]])
                    .fold(0.0, f64::max);
                radius + 3.0 * var.sqrt()
            }
            ToyTarget::Radial { mixture } => mixture
                .radii()
                .iter()
                .zip(mixture.sigmas())
                .map(|(r, s)| r + 4.0 * s)
                .fold(0.0, f64::max),
        }
    }

    /// The density of `‖x‖` under the target on a grid of `m` radii over `[0, r_max]`, normalised to integrate
    /// to 1: `f(r) ∝ r^{d−1} Σ_k w_k N(r; r_k, σ_k²)` (computed in log space, so any dimension works). Empty
    /// for non-radial targets.
    pub fn radial_marginal(&self, r_max: f64, m: usize) -> Vec<(f64, f64)> {
        let ToyTarget::Radial { mixture } = self else {
            return Vec::new();
        };
        let d = mixture.radii().len();
        let dim = self.dim() as f64;
        let m = m.max(2);
        let h = r_max / (m - 1) as f64;
        let logf: Vec<f64> = (0..m)
            .map(|i| {
                let r = i as f64 * h;
                if r <= 0.0 && dim > 1.0 {
                    return f64::NEG_INFINITY;
                }
                let terms: Vec<f64> = (0..d)
                    .map(|k| {
                        let (rk, s, w) = (
                            mixture.radii()[k],
                            mixture.sigmas()[k],
                            mixture.weights()[k],
                        );
                        w.ln() - s.ln() - 0.5 * ((r - rk) / s).powi(2)
                    })
                    .collect();
                let mx = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let lse = mx + terms.iter().map(|t| (t - mx).exp()).sum::<f64>().ln();
                (dim - 1.0) * r.max(f64::MIN_POSITIVE).ln() + lse
            })
            .collect();
        let mx = logf.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let f: Vec<f64> = logf.iter().map(|l| (l - mx).exp()).collect();
        let z = f.windows(2).map(|w| 0.5 * (w[0] + w[1]) * h).sum::<f64>();
        f.iter()
            .enumerate()
            .map(|(i, v)| (i as f64 * h, if z > 0.0 { v / z } else { 0.0 }))
            .collect()
    }
}
