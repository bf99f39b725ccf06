//! The network trait: a candle model from inputs to outputs with named parameters.

use crate::fast::FastNet;
use crate::float::Float;
use candle_core::{Tensor, Var};
use equistein::Result;

/// A candle model `f: R^d → R^k`, evaluated on batches (`B × d` → `B × k`), with named trainable parameters.
///
/// [`Network::forward`] is the training path (candle's autograd gives `∇θ`); [`Network::detached`] gives the
/// sampling path, the input gradient with the current parameter values held fixed.
pub trait Network<T: Float>: Send + Sync {
    /// The input dimension `d`.
    fn in_dim(&self) -> usize;
    /// The output dimension `k`.
    fn out_dim(&self) -> usize;
    /// The outputs `B × k` of a batch `B × d`.
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor>;
    /// The trainable parameters with unique names, in a fixed order.
    fn parameters(&self) -> Vec<(String, Var)>;
    /// The sampling path with the current parameter values; call it again after the parameters change.
    fn detached(&self) -> Result<Box<dyn FastNet<T>>>;
}
