//! Input gradients with the parameters held fixed: the sampling path.

use crate::float::{candle_err, Float};
use crate::network::Network;
use candle_core::{Device, Tensor, Var};
use equistein::error::ensure_dim;
use equistein::Result;

/// The callback of a head: given the network outputs (`batch × k`, row-major) it fills `∂L/∂out` (same shape).
pub type HeadFn<'a, T> = dyn FnMut(&[T], &mut [T]) -> Result<()> + 'a;

/// A network evaluated with its parameters held fixed, on row-major `batch × d` buffers (a core
/// [`equistein::Particles`] slice is exactly that).
pub trait FastNet<T>: Send + Sync {
    /// The input dimension `d`.
    fn in_dim(&self) -> usize;
    /// The output dimension `k`.
    fn out_dim(&self) -> usize;
    /// `out = f(x)`, `batch × k`.
    fn forward(&self, x: &[T], batch: usize, out: &mut [T]) -> Result<()>;
    /// The forward pass, then `head(out, g)` sets `g = ∂L/∂out`, then `grad_in = (∂out/∂x)ᵀ g` (`batch × d`).
    fn forward_backward(
        &self,
        x: &[T],
        batch: usize,
        head: &mut HeadFn<'_, T>,
        grad_in: &mut [T],
    ) -> Result<()>;
}

/// The input gradient of any [`Network`] by candle's autograd (the fallback for networks without a
/// hand-written one). The network's parameters are shared (not copied), so it always sees their current
/// values; their gradients are computed and discarded.
pub struct AutogradNet<N> {
    net: N,
}

impl<N> AutogradNet<N> {
    /// Wraps a network.
    pub fn new(net: N) -> Self {
        AutogradNet { net }
    }
}

impl<T: Float, N: Network<T>> FastNet<T> for AutogradNet<N> {
    fn in_dim(&self) -> usize {
        self.net.in_dim()
    }
    fn out_dim(&self) -> usize {
        self.net.out_dim()
    }
    fn forward(&self, x: &[T], batch: usize, out: &mut [T]) -> Result<()> {
        ensure_dim("network input", batch * self.net.in_dim(), x.len())?;
        ensure_dim("network output", batch * self.net.out_dim(), out.len())?;
        let xt =
            Tensor::from_slice(x, (batch, self.net.in_dim()), &Device::Cpu).map_err(candle_err)?;
        let o = self.net.forward(&xt).map_err(candle_err)?;
        copy_out(&o, out)
    }
    fn forward_backward(
        &self,
        x: &[T],
        batch: usize,
        head: &mut HeadFn<'_, T>,
        grad_in: &mut [T],
    ) -> Result<()> {
        let (d, k) = (self.net.in_dim(), self.net.out_dim());
        ensure_dim("network input", batch * d, x.len())?;
        ensure_dim("input gradient", batch * d, grad_in.len())?;
        let xv = Var::from_slice(x, (batch, d), &Device::Cpu).map_err(candle_err)?;
        let o = self.net.forward(xv.as_tensor()).map_err(candle_err)?;
        let mut out = vec![T::zero(); batch * k];
        copy_out(&o, &mut out)?;
        let mut g = vec![T::zero(); batch * k];
        head(&out, &mut g)?;
        let gt = Tensor::from_slice(&g, (batch, k), &Device::Cpu).map_err(candle_err)?;
        let grads = (o * gt)
            .and_then(|p| p.sum_all())
            .and_then(|s| s.backward())
            .map_err(candle_err)?;
        match grads.get(xv.as_tensor()) {
            Some(gx) => copy_out(gx, grad_in),
            None => {
                grad_in.iter_mut().for_each(|v| *v = T::zero());
                Ok(())
            }
        }
    }
}

/// Copies a tensor's values (row-major) into `out`.
pub(crate) fn copy_out<T: Float>(t: &Tensor, out: &mut [T]) -> Result<()> {
    let v = t
        .flatten_all()
        .and_then(|f| f.to_vec1::<T>())
        .map_err(candle_err)?;
    ensure_dim("tensor size", out.len(), v.len())?;
    out.copy_from_slice(&v);
    Ok(())
}
