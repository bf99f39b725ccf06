//! The sampling path of both convolutional networks: a stack of expanded 3 × 3 convolutions, evaluated by
//! hand with its input gradient.

use super::kernel::{halved, pool_backward, pool_forward, Conv3x3};
use super::spec::ConvSpec;
use crate::fast::{FastNet, HeadFn};
use crate::float::{relu_mask, Float};
use crate::mlp::matmul;
use equistein::error::ensure_dim;
use equistein::Result;
use rayon::prelude::*;

/// One layer of a [`ConvStack`]: the filter bank in candle's layout `c_out × c_in × 3 × 3` (row-major) and
/// its `c_out` biases.
#[derive(Clone, Debug)]
pub struct ConvBank<T> {
    /// Output channels.
    pub c_out: usize,
    /// Input channels.
    pub c_in: usize,
    /// `w[o, c, a, b]`, row-major.
    pub weight: Vec<T>,
    /// `b[o]`.
    pub bias: Vec<T>,
}

/// A convolutional network with its parameters copied out of candle, evaluated by hand: for a batch of
/// images (NHWC inside), `h_l = ReLU(conv_l(h_{l−1}) + b_l)` with [`ConvSpec`]'s pooling between layers,
/// `z = mean over pixels of h_L`, logits `f = W z + b`.
///
/// The input gradient runs the stack backwards: `∂f/∂z = W`, spread over the pixels (÷ pixels), the ReLU
/// masks `[h_l > 0]`, the transposed pooling, and each convolution's transpose, which is again a 3 × 3
/// "same" convolution (filters turned by 180°, channels swapped), so one kernel (im2col + GEMM) does both
/// directions. The batch is split into chunks of images that run in parallel (rayon); each chunk goes
/// through the whole stack with single-threaded GEMMs.
///
/// A C4-steerable network is such a stack with its expanded filter banks (every filter in its four
/// rotations, orientation channels shifted cyclically) and its group pooling folded into `W`
/// (`W[k, 4f + r] = W_fields[k, f] / 4`).
pub struct ConvStack<T> {
    spec: ConvSpec,
    sides: Vec<usize>,
    layers: Vec<Conv3x3<T>>,
    back: Vec<Conv3x3<T>>,
    /// `classes × C_last`, row-major.
    fc_w: Vec<T>,
    fc_b: Vec<T>,
}

/// A chunk's forward pass: the post-ReLU maps of every layer (NHWC) and the logits.
struct Pass<T> {
    acts: Vec<Vec<T>>,
    logits: Vec<T>,
}

impl<T: Float> ConvStack<T> {
    /// The stack of `spec` with one bank per layer (`c_in` of the first = `spec.channels`, then chained,
    /// `c_out` free) and the final layer `fc_w` (`classes × c_out of the last bank`), `fc_b` (`classes`).
    pub fn new(
        spec: &ConvSpec,
        banks: Vec<ConvBank<T>>,
        fc_w: Vec<T>,
        fc_b: Vec<T>,
    ) -> Result<Self> {
        let sides = spec.sides()?;
        ensure_dim("convolution layers", spec.widths.len(), banks.len())?;
        let mut c = spec.channels;
        let mut layers = Vec::with_capacity(banks.len());
        for bank in banks {
            ensure_dim("convolution input channels", c, bank.c_in)?;
            ensure_dim("filter bank", bank.c_out * bank.c_in * 9, bank.weight.len())?;
            ensure_dim("convolution biases", bank.c_out, bank.bias.len())?;
            layers.push(Conv3x3::from_oihw(
                bank.c_out,
                bank.c_in,
                &bank.weight,
                bank.bias,
            ));
            c = bank.c_out;
        }
        ensure_dim("final layer weights", spec.classes * c, fc_w.len())?;
        ensure_dim("final layer biases", spec.classes, fc_b.len())?;
        let back = layers.iter().map(Conv3x3::input_gradient).collect();
        Ok(ConvStack {
            spec: spec.clone(),
            sides,
            layers,
            back,
            fc_w,
            fc_b,
        })
    }

    /// Images per parallel chunk: the batch in about 32 chunks of at most 32 images, a size that depends on the
    /// batch only (not on the thread count), so that results are the same bits for any number of threads.
    fn chunk(&self, batch: usize) -> usize {
        batch.div_ceil(32).clamp(1, 32)
    }

    fn last_channels(&self) -> usize {
        self.layers.last().map_or(0, |l| l.c_out)
    }

    /// The forward pass of `n` images (CHW rows).
    fn forward_chunk(&self, x: &[T], n: usize) -> Pass<T> {
        let (ch, side) = (self.spec.channels, self.spec.side);
        let px = side * side;
        let mut input = vec![T::zero(); x.len()];
        for img in 0..n {
            for c in 0..ch {
                for p in 0..px {
                    input[(img * px + p) * ch + c] = x[(img * ch + c) * px + p];
                }
            }
        }
        let mut cols = Vec::new();
        let mut acts: Vec<Vec<T>> = Vec::with_capacity(self.layers.len());
        let mut pooled: Option<Vec<T>> = Some(input);
        for (l, conv) in self.layers.iter().enumerate() {
            let s = self.sides[l];
            let mut y = vec![T::zero(); n * s * s * conv.c_out];
            {
                let src = match &pooled {
                    Some(p) => p.as_slice(),
                    None => acts[l - 1].as_slice(),
                };
                conv.apply(src, n, s, true, &mut y, &mut cols);
            }
            pooled = if self.spec.pools(l) {
                let h = halved(s);
                let mut p = vec![T::zero(); n * h * h * conv.c_out];
                pool_forward(&y, n, s, conv.c_out, &mut p);
                Some(p)
            } else {
                None
            };
            acts.push(y);
        }
        let c = self.last_channels();
        let s = self.sides[self.sides.len() - 1];
        let inv = T::one() / T::c((s * s) as f64);
        let last = &acts[acts.len() - 1];
        let mut feat = vec![T::zero(); n * c];
        for (img, f) in feat.chunks_exact_mut(c).enumerate() {
            for px in last[img * s * s * c..(img + 1) * s * s * c].chunks_exact(c) {
                f.iter_mut().zip(px).for_each(|(a, &b)| *a += b);
            }
            f.iter_mut().for_each(|a| *a *= inv);
        }
        let k = self.spec.classes;
        let mut logits = vec![T::zero(); n * k];
        matmul(n, k, c, &feat, &self.fc_w, true, &mut logits);
        for row in logits.chunks_exact_mut(k) {
            row.iter_mut().zip(&self.fc_b).for_each(|(v, &b)| *v += b);
        }
        Pass { acts, logits }
    }

    /// The input gradient (CHW rows into `gx`) of a chunk's pass, given `∂L/∂logits`.
    fn backward_chunk(&self, pass: &Pass<T>, g_logits: &[T], n: usize, gx: &mut [T]) {
        let (k, c) = (self.spec.classes, self.last_channels());
        let mut g_feat = vec![T::zero(); n * c];
        matmul(n, c, k, g_logits, &self.fc_w, false, &mut g_feat);
        let last = self.layers.len() - 1;
        let s = self.sides[last];
        let inv = T::one() / T::c((s * s) as f64);
        let mut g = vec![T::zero(); n * s * s * c];
        for (img, gf) in g_feat.chunks_exact(c).enumerate() {
            for px in g[img * s * s * c..(img + 1) * s * s * c].chunks_exact_mut(c) {
                px.iter_mut().zip(gf).for_each(|(a, &b)| *a = b * inv);
            }
        }
        let mut cols = Vec::new();
        for l in (0..self.layers.len()).rev() {
            relu_mask(&mut g, &pass.acts[l]);
            let s = self.sides[l];
            let ci = self.layers[l].c_in;
            let mut gin = vec![T::zero(); n * s * s * ci];
            self.back[l].apply(&g, n, s, false, &mut gin, &mut cols);
            g = if l > 0 && self.spec.pools(l - 1) {
                let sp = self.sides[l - 1];
                let mut gp = vec![T::zero(); n * sp * sp * ci];
                pool_backward(&gin, n, sp, ci, &mut gp);
                gp
            } else {
                gin
            };
        }
        let (ch, px) = (self.spec.channels, self.spec.side * self.spec.side);
        for img in 0..n {
            for c in 0..ch {
                for p in 0..px {
                    gx[(img * ch + c) * px + p] = g[(img * px + p) * ch + c];
                }
            }
        }
    }

    fn passes(&self, x: &[T], batch: usize) -> (usize, Vec<Pass<T>>) {
        let (d, chunk) = (self.spec.in_dim(), self.chunk(batch));
        let passes = x
            .par_chunks(chunk * d)
            .map(|xc| self.forward_chunk(xc, xc.len() / d))
            .collect();
        (chunk, passes)
    }
}

impl<T: Float> FastNet<T> for ConvStack<T> {
    fn in_dim(&self) -> usize {
        self.spec.in_dim()
    }
    fn out_dim(&self) -> usize {
        self.spec.classes
    }
    fn forward(&self, x: &[T], batch: usize, out: &mut [T]) -> Result<()> {
        ensure_dim("network input", batch * self.in_dim(), x.len())?;
        ensure_dim("network output", batch * self.out_dim(), out.len())?;
        let (chunk, passes) = self.passes(x, batch);
        let k = self.spec.classes;
        for (p, o) in passes.iter().zip(out.chunks_mut(chunk * k)) {
            o.copy_from_slice(&p.logits);
        }
        Ok(())
    }
    fn forward_backward(
        &self,
        x: &[T],
        batch: usize,
        head: &mut HeadFn<'_, T>,
        grad_in: &mut [T],
    ) -> Result<()> {
        let d = self.in_dim();
        ensure_dim("network input", batch * d, x.len())?;
        ensure_dim("input gradient", batch * d, grad_in.len())?;
        let (chunk, passes) = self.passes(x, batch);
        let k = self.spec.classes;
        let out: Vec<T> = passes
            .iter()
            .flat_map(|p| p.logits.iter().copied())
            .collect();
        let mut g = vec![T::zero(); out.len()];
        head(&out, &mut g)?;
        passes
            .par_iter()
            .zip(g.par_chunks(chunk * k))
            .zip(grad_in.par_chunks_mut(chunk * d))
            .for_each(|((p, gl), gx)| self.backward_chunk(p, gl, gx.len() / d, gx));
        Ok(())
    }
}
