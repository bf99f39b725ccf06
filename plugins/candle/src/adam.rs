//! Adam (Kingma & Ba 2015) with learning-rate steps per epoch and optional global gradient-norm clipping.

use crate::float::candle_err;
use candle_core::{Tensor, Var};
use equistein::error::ensure_dim;
use equistein::{Error, Result, StepSchedule};

/// Adam: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `θ ← θ − η_e m̂ / (√v̂ + ε)` with the bias corrections
/// `m̂ = m / (1−β₁^t)`, `v̂ = v / (1−β₂^t)`, no weight decay, and the learning rate `η_e` a function of the epoch
/// (e.g. 1e-3 → 5e-4 at epoch 150 → 1e-4 at 400). With clipping `c`, the gradients are first scaled by
/// `min(1, c / ‖g‖)`, `‖g‖` the norm over all parameters.
#[derive(Debug, Clone)]
pub struct Adam {
    lr: StepSchedule<f64>,
    beta1: f64,
    beta2: f64,
    eps: f64,
    clip: Option<f64>,
    pub(crate) step: u64,
    pub(crate) m: Vec<Tensor>,
    pub(crate) v: Vec<Tensor>,
}

impl Adam {
    /// Adam with a constant learning rate, β = (0.9, 0.999), ε = 1e-8, no clipping.
    pub fn new(lr: f64) -> Self {
        Self::with_schedule(StepSchedule::Constant(lr))
    }

    /// Adam with a learning rate per epoch.
    pub fn with_schedule(lr: StepSchedule<f64>) -> Self {
        Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            clip: None,
            step: 0,
            m: Vec::new(),
            v: Vec::new(),
        }
    }

    /// Sets β₁, β₂ (each in [0, 1)).
    pub fn betas(mut self, beta1: f64, beta2: f64) -> Self {
        self.beta1 = beta1;
        self.beta2 = beta2;
        self
    }

    /// Clips the global gradient norm to `max_norm > 0`.
    pub fn clip(mut self, max_norm: f64) -> Self {
        self.clip = Some(max_norm);
        self
    }

    /// Checks the schedule, betas, ε and clipping.
    pub fn validate(&self) -> Result<()> {
        self.lr.validate()?;
        for (name, b) in [("adam beta1", self.beta1), ("adam beta2", self.beta2)] {
            if !(0.0..1.0).contains(&b) {
                return Err(Error::InvalidParameter {
                    name,
                    reason: format!("must lie in [0, 1), got {b}"),
                });
            }
        }
        equistein::error::ensure_positive("adam eps", self.eps)?;
        if let Some(c) = self.clip {
            equistein::error::ensure_positive("gradient clipping norm", c)?;
        }
        Ok(())
    }

    /// The learning rate in `epoch`.
    pub fn learning_rate(&self, epoch: usize) -> f64 {
        self.lr.size_at(epoch)
    }

    /// Steps taken.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// One update of `params` with `grads` (same order and shapes); returns the gradient norm before clipping.
    pub fn step(&mut self, params: &[Var], grads: &[Tensor], epoch: usize) -> Result<f64> {
        ensure_dim("adam (gradients per parameter)", params.len(), grads.len())?;
        if self.m.is_empty() {
            for p in params {
                self.m.push(p.as_tensor().zeros_like().map_err(candle_err)?);
                self.v.push(p.as_tensor().zeros_like().map_err(candle_err)?);
            }
        }
        ensure_dim("adam (moments per parameter)", params.len(), self.m.len())?;
        let mut sq = 0.0;
        for g in grads {
            sq += g
                .sqr()
                .and_then(|t| t.sum_all())
                .and_then(|t| t.to_dtype(candle_core::DType::F64))
                .and_then(|t| t.to_scalar::<f64>())
                .map_err(candle_err)?;
        }
        let norm = sq.sqrt();
        if !norm.is_finite() {
            return Err(Error::Energy(format!(
                "non-finite parameter gradient (norm {norm})"
            )));
        }
        let scale = match self.clip {
            Some(c) if norm > c => c / norm,
            _ => 1.0,
        };
        self.step += 1;
        let t = self.step.min(i32::MAX as u64) as i32;
        let bc1 = 1.0 - self.beta1.powi(t);
        let bc2 = 1.0 - self.beta2.powi(t);
        let lr = self.learning_rate(epoch);
        let (b1, b2, eps) = (self.beta1, self.beta2, self.eps);
        for (i, (p, g)) in params.iter().zip(grads).enumerate() {
            let run = || -> candle_core::Result<(Tensor, Tensor)> {
                let g = g.affine(scale, 0.0)?;
                let m = (self.m[i].affine(b1, 0.0)? + g.affine(1.0 - b1, 0.0)?)?;
                let v = (self.v[i].affine(b2, 0.0)? + g.sqr()?.affine(1.0 - b2, 0.0)?)?;
                let denom = v.affine(1.0 / bc2, 0.0)?.sqrt()?.affine(1.0, eps)?;
                let update = m.affine(lr / bc1, 0.0)?.div(&denom)?;
                p.set(&p.as_tensor().sub(&update)?)?;
                Ok((m, v))
            };
            let (m, v) = run().map_err(candle_err)?;
            self.m[i] = m;
            self.v[i] = v;
        }
        Ok(norm)
    }
}
