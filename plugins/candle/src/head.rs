//! Heads: from network outputs to energies, and the supervised terms.

use crate::float::{candle_err, Float};
use candle_core::{Tensor, D};
use equistein::{Error, Result};

/// Turns network outputs `o ∈ R^k` into an energy `E(o)`, and defines a supervised term on labelled positives.
pub trait Head<T: Float>: Send + Sync {
    /// The label of a positive (`None`: unlabelled, no supervised term for it).
    type Label: Clone;
    /// The number of outputs `k` the head expects.
    fn out_dim(&self) -> usize;
    /// The energies `B` of outputs `B × k`, differentiable (the training path).
    fn energy(&self, out: &Tensor) -> candle_core::Result<Tensor>;
    /// The supervised loss of the positives' outputs and energies, or `None` without labelled positives.
    fn supervised(
        &self,
        out: &Tensor,
        energy: &Tensor,
        labels: &[Option<Self::Label>],
    ) -> Result<Option<Tensor>>;
    /// `E(o)` of one output row, with `∂E/∂o` in `grad` (the sampling path).
    fn energy_grad_row(&self, out: &[T], grad: &mut [T]) -> T;
}

/// The joint energy model (Grathwohl et al. 2020): logits `f ∈ R^C`, `E(x) = −logsumexp_y f_y`,
/// `E(x | y) = −f_y`, `p(y | x) = softmax f`. Supervised term: `weight ·` the mean cross-entropy
/// `−log p(y | x)` over labelled positives (the paper's Eq. 8 uses weight 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JemHead {
    classes: usize,
    weight: f64,
}

impl JemHead {
    /// A head for `classes ≥ 1` logits, cross-entropy weight 1.
    pub fn new(classes: usize) -> Self {
        JemHead {
            classes: classes.max(1),
            weight: 1.0,
        }
    }

    /// The weight of the cross-entropy term.
    pub fn with_weight(mut self, weight: f64) -> Self {
        self.weight = weight;
        self
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// `log p(y | x) = f_y − logsumexp f` for every class, from one row of logits.
    pub fn log_probabilities<T: Float>(logits: &[T]) -> Vec<T> {
        let lse = logsumexp(logits);
        logits.iter().map(|&f| f - lse).collect()
    }

    /// `E(x | y) = −f_y(x)`.
    pub fn conditional_energy<T: Float>(logits: &[T], y: usize) -> Option<T> {
        logits.get(y).map(|&f| -f)
    }
}

/// `log Σ exp v`, stable.
pub fn logsumexp<T: Float>(v: &[T]) -> T {
    let m = v
        .iter()
        .copied()
        .fold(T::neg_infinity(), |a, b| if b > a { b } else { a });
    if !m.is_finite() {
        return m;
    }
    m + v.iter().map(|&x| (x - m).exp()).sum::<T>().ln()
}

impl<T: Float> Head<T> for JemHead {
    type Label = usize;
    fn out_dim(&self) -> usize {
        self.classes
    }
    fn energy(&self, out: &Tensor) -> candle_core::Result<Tensor> {
        // −logsumexp, stabilised by the row maximum (held constant: the identity holds for any shift).
        let m = out.max_keepdim(D::Minus1)?.detach();
        let lse = out
            .broadcast_sub(&m)?
            .exp()?
            .sum_keepdim(D::Minus1)?
            .log()?
            .add(&m)?;
        lse.squeeze(D::Minus1)?.neg()
    }
    fn supervised(
        &self,
        out: &Tensor,
        _energy: &Tensor,
        labels: &[Option<usize>],
    ) -> Result<Option<Tensor>> {
        let (b, c) = out.dims2().map_err(candle_err)?;
        let mut onehot = vec![T::zero(); b * c];
        let mut count = 0usize;
        for (i, y) in labels.iter().enumerate() {
            if let Some(y) = *y {
                if y >= c {
                    return Err(Error::InvalidParameter {
                        name: "class label",
                        reason: format!("label {y} of positive {i} is not below {c}"),
                    });
                }
                onehot[i * c + y] = T::one();
                count += 1;
            }
        }
        if count == 0 || self.weight == 0.0 {
            return Ok(None);
        }
        let oh = Tensor::from_vec(onehot, (b, c), out.device()).map_err(candle_err)?;
        let ls = candle_nn::ops::log_softmax(out, D::Minus1).map_err(candle_err)?;
        let ce = (ls * oh)
            .and_then(|t| t.sum_all())
            .and_then(|t| t.affine(-self.weight / count as f64, 0.0))
            .map_err(candle_err)?;
        Ok(Some(ce))
    }
    fn energy_grad_row(&self, out: &[T], grad: &mut [T]) -> T {
        let lse = logsumexp(out);
        for (g, &f) in grad.iter_mut().zip(out) {
            *g = -(f - lse).exp();
        }
        -lse
    }
}

/// `E = log(1 + o²)` for a scalar output `o` (so `E ≥ 0`; the paper's head), or `E = o` ([`ScalarHead::linear`],
/// Du & Mordatch's, unbounded). Supervised term (the circles EBM): `weight ·` the mean over labelled positives
/// of `(E(x⁺) − target)²`, the target being the true `−log π(x⁺)` (weight 0.5 in the paper).
///
/// `log(1 + o²)` grows only logarithmically in `o`, so `exp(−E) = 1 / (1 + o²)` has heavy tails: a model that
/// must put most of its mass in a small part of a large space (a molecule's bond lengths within a box of
/// atoms) needs `o` exponentially large there. `E = o` has no such limit; keep it bounded with the trainer's
/// energy penalty.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScalarHead {
    weight: f64,
    linear: bool,
}

impl ScalarHead {
    /// The head `E = log(1 + o²)` without a supervised term.
    pub fn new() -> Self {
        ScalarHead {
            weight: 0.0,
            linear: false,
        }
    }

    /// The head `E = o` without a supervised term.
    pub fn linear() -> Self {
        ScalarHead {
            linear: true,
            ..Self::new()
        }
    }

    /// The head `E = log(1 + o²)` with a regression term of this weight.
    pub fn with_regression(weight: f64) -> Self {
        ScalarHead {
            weight,
            linear: false,
        }
    }
}

impl Default for ScalarHead {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Float> Head<T> for ScalarHead {
    type Label = T;
    fn out_dim(&self) -> usize {
        1
    }
    fn energy(&self, out: &Tensor) -> candle_core::Result<Tensor> {
        if self.linear {
            return out.squeeze(D::Minus1);
        }
        out.sqr()?.affine(1.0, 1.0)?.log()?.squeeze(D::Minus1)
    }
    fn supervised(
        &self,
        _out: &Tensor,
        energy: &Tensor,
        labels: &[Option<T>],
    ) -> Result<Option<Tensor>> {
        if self.weight == 0.0 {
            return Ok(None);
        }
        let b = labels.len();
        let mut mask = vec![T::zero(); b];
        let mut target = vec![T::zero(); b];
        let mut count = 0usize;
        for (i, y) in labels.iter().enumerate() {
            if let Some(y) = *y {
                mask[i] = T::one();
                target[i] = y;
                count += 1;
            }
        }
        if count == 0 {
            return Ok(None);
        }
        let dev = energy.device().clone();
        let mask = Tensor::from_vec(mask, b, &dev).map_err(candle_err)?;
        let target = Tensor::from_vec(target, b, &dev).map_err(candle_err)?;
        let mse = energy
            .sub(&target)
            .and_then(|t| t.sqr())
            .and_then(|t| t * mask)
            .and_then(|t| t.sum_all())
            .and_then(|t| t.affine(self.weight / count as f64, 0.0))
            .map_err(candle_err)?;
        Ok(Some(mse))
    }
    fn energy_grad_row(&self, out: &[T], grad: &mut [T]) -> T {
        let o = out[0];
        if self.linear {
            grad[0] = T::one();
            return o;
        }
        grad[0] = T::c(2.0) * o / (T::one() + o * o);
        (T::one() + o * o).ln()
    }
}
