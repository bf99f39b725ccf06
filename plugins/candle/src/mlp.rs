//! The multilayer perceptron with ReLU activations, and its hand-written input gradient.

use crate::fast::{FastNet, HeadFn};
use crate::float::{add_bias_relu, candle_err, relu_mask, Float};
use crate::network::Network;
use candle_core::{Device, Tensor, Var};
use equistein::error::ensure_dim;
use equistein::{random, Error, Result};
use rand_core::RngCore;

/// `f(x) = W_L σ(… σ(W_1 x + b_1) …) + b_L` with `σ = ReLU` between layers (none after the last), e.g. jem-c4's
/// `2 → 32 → 64 → 64 → 64 → 32 → 2`.
///
/// Parameters start as PyTorch's `nn.Linear` does, `W, b ~ U(−1/√fan_in, 1/√fan_in)`, drawn from the RNG
/// passed in (so a seed fixes them). Names: `layer{l}.weight` (`out × in`), `layer{l}.bias`.
#[derive(Clone)]
pub struct Mlp<T: Float> {
    sizes: Vec<usize>,
    weights: Vec<Var>,
    biases: Vec<Var>,
    _t: core::marker::PhantomData<T>,
}

impl<T: Float> Mlp<T> {
    /// An MLP with layer widths `sizes = [d, h_1, …, k]` (at least two entries, all positive).
    pub fn new<R: RngCore + ?Sized>(sizes: &[usize], rng: &mut R) -> Result<Self> {
        if sizes.len() < 2 || sizes.contains(&0) {
            return Err(Error::InvalidParameter {
                name: "MLP sizes",
                reason: format!("need at least two positive widths, got {sizes:?}"),
            });
        }
        let mut weights = Vec::new();
        let mut biases = Vec::new();
        for w in sizes.windows(2) {
            let (fan_in, fan_out) = (w[0], w[1]);
            let bound = T::c(1.0 / (fan_in as f64).sqrt());
            let mut draw = |n: usize| -> Vec<T> {
                (0..n)
                    .map(|_| random::uniform(rng, -bound, bound))
                    .collect()
            };
            let wv = draw(fan_in * fan_out);
            let bv = draw(fan_out);
            weights.push(Var::from_vec(wv, (fan_out, fan_in), &Device::Cpu).map_err(candle_err)?);
            biases.push(Var::from_vec(bv, fan_out, &Device::Cpu).map_err(candle_err)?);
        }
        Ok(Mlp {
            sizes: sizes.to_vec(),
            weights,
            biases,
            _t: core::marker::PhantomData,
        })
    }

    /// The layer widths.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// A detached copy of the current parameter values with the hand-written input gradient.
    pub fn dense(&self) -> Result<Dense<T>> {
        let mut layers = Vec::with_capacity(self.weights.len());
        for (l, (w, b)) in self.weights.iter().zip(&self.biases).enumerate() {
            let wv = w
                .as_tensor()
                .flatten_all()
                .and_then(|t| t.to_vec1::<T>())
                .map_err(candle_err)?;
            let bv = b.as_tensor().to_vec1::<T>().map_err(candle_err)?;
            layers.push(DenseLayer {
                fan_in: self.sizes[l],
                fan_out: self.sizes[l + 1],
                w: wv,
                b: bv,
            });
        }
        Ok(Dense { layers })
    }
}

impl<T: Float> Network<T> for Mlp<T> {
    fn in_dim(&self) -> usize {
        self.sizes[0]
    }
    fn out_dim(&self) -> usize {
        *self.sizes.last().unwrap_or(&0)
    }
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let last = self.weights.len() - 1;
        let mut h = x.clone();
        for (l, (w, b)) in self.weights.iter().zip(&self.biases).enumerate() {
            h = h
                .matmul(&w.as_tensor().t()?)?
                .broadcast_add(b.as_tensor())?;
            if l < last {
                h = h.relu()?;
            }
        }
        Ok(h)
    }
    fn parameters(&self) -> Vec<(String, Var)> {
        let mut p = Vec::new();
        for (l, (w, b)) in self.weights.iter().zip(&self.biases).enumerate() {
            p.push((format!("layer{l}.weight"), w.clone()));
            p.push((format!("layer{l}.bias"), b.clone()));
        }
        p
    }
    fn detached(&self) -> Result<Box<dyn FastNet<T>>> {
        Ok(Box::new(self.dense()?))
    }
}

struct DenseLayer<T> {
    fan_in: usize,
    fan_out: usize,
    /// `fan_out × fan_in`, row-major (candle's layout).
    w: Vec<T>,
    b: Vec<T>,
}

/// An MLP's parameters copied out of candle, evaluated with plain loops and `gemm`: the forward pass keeps its
/// activations, and the input gradient runs back through the ReLU masks (`g ← (g W) ⊙ [a > 0]`), which costs
/// about one more forward pass and none of autograd's bookkeeping.
pub struct Dense<T> {
    layers: Vec<DenseLayer<T>>,
}

/// `dst (m × n) = a (m × k) · op(b)`, all row-major; `op(b) = bᵀ` for `b` stored `n × k` if `transpose_b`,
/// else `b` stored `k × n`.
pub(crate) fn matmul<T: Float>(
    m: usize,
    n: usize,
    k: usize,
    a: &[T],
    b: &[T],
    transpose_b: bool,
    dst: &mut [T],
) {
    debug_assert!(a.len() >= m * k && b.len() >= n * k && dst.len() >= m * n);
    let (rhs_rs, rhs_cs) = if transpose_b {
        (1, k as isize)
    } else {
        (n as isize, 1)
    };
    // SAFETY: the strides describe the row-major buffers above, whose lengths are checked by the callers
    // (debug-asserted here); dst does not alias a or b.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.as_ptr(),
            1,
            k as isize,
            b.as_ptr(),
            rhs_cs,
            rhs_rs,
            T::zero(),
            T::one(),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

impl<T: Float> Dense<T> {
    /// Runs the forward pass, returning the activations of every layer (the input first, the output last).
    fn activations(&self, x: &[T], batch: usize) -> Vec<Vec<T>> {
        let last = self.layers.len() - 1;
        let mut acts: Vec<Vec<T>> = Vec::with_capacity(self.layers.len() + 1);
        acts.push(x.to_vec());
        for (l, layer) in self.layers.iter().enumerate() {
            let mut z = vec![T::zero(); batch * layer.fan_out];
            matmul(
                batch,
                layer.fan_out,
                layer.fan_in,
                &acts[l],
                &layer.w,
                true,
                &mut z,
            );
            add_bias_relu(&mut z, &layer.b, l < last);
            acts.push(z);
        }
        acts
    }
}

impl<T: Float> FastNet<T> for Dense<T> {
    fn in_dim(&self) -> usize {
        self.layers[0].fan_in
    }
    fn out_dim(&self) -> usize {
        self.layers[self.layers.len() - 1].fan_out
    }
    fn forward(&self, x: &[T], batch: usize, out: &mut [T]) -> Result<()> {
        ensure_dim("network input", batch * self.in_dim(), x.len())?;
        ensure_dim("network output", batch * self.out_dim(), out.len())?;
        let mut acts = self.activations(x, batch);
        out.copy_from_slice(&acts.pop().unwrap_or_default());
        Ok(())
    }
    fn forward_backward(
        &self,
        x: &[T],
        batch: usize,
        head: &mut HeadFn<'_, T>,
        grad_in: &mut [T],
    ) -> Result<()> {
        ensure_dim("network input", batch * self.in_dim(), x.len())?;
        ensure_dim("input gradient", batch * self.in_dim(), grad_in.len())?;
        let acts = self.activations(x, batch);
        let out = &acts[acts.len() - 1];
        let mut g = vec![T::zero(); out.len()];
        head(out, &mut g)?;
        for l in (0..self.layers.len()).rev() {
            let layer = &self.layers[l];
            let mut gi = vec![T::zero(); batch * layer.fan_in];
            matmul(
                batch,
                layer.fan_in,
                layer.fan_out,
                &g,
                &layer.w,
                false,
                &mut gi,
            );
            if l > 0 {
                // The input of layer l is ReLU(z_{l−1}): its derivative is the mask a > 0.
                relu_mask(&mut gi, &acts[l]);
            }
            g = gi;
        }
        grad_in.copy_from_slice(&g);
        Ok(())
    }
}
