//! The training path's convolution: the hand-written kernel as a candle custom op with its backward pass.

use super::kernel::{filter_gradient, Conv3x3};
use crate::float::Float;
use candle_core::{
    bail, CpuStorage, CustomOp1, CustomOp2, CustomOp3, Layout, Shape, Tensor, WithDType,
};
use rayon::prelude::*;
use std::sync::Arc;

/// `y = conv3x3_same(x, w)` on the CPU through [`Conv3x3`] (`x`: `B × C × S × S`, `w`: `O × C × 3 × 3`, `y`:
/// `B × O × S × S`, no bias), differentiable in both arguments: `∂L/∂x` is the same op with the filters
/// turned by 180° and the channel roles swapped, `∂L/∂w` the transposed GEMM of [`filter_gradient`].
/// Equal to candle's `conv2d(x, w, padding 1)`, several times faster than its CPU backward pass.
pub(crate) struct Conv3x3Op;

/// `∂L/∂w` of [`Conv3x3Op`] from `x` and `∂L/∂y` (no backward pass of its own).
struct FilterGradientOp;

/// `y = ReLU(conv3x3_same(x, w) + b)` in one pass (`b`: `O`); backward: `m = ∂L/∂y ⊙ [y > 0]` ([`ReluMaskOp`]),
/// then `∂L/∂x`, `∂L/∂w` as for [`Conv3x3Op`] and `∂L/∂b = Σ_{n,i,j} m`.
struct ConvReluOp;

/// `g ⊙ [y > 0]` for two tensors of one shape (no backward pass of its own).
struct ReluMaskOp;

/// `s[o] = Σ_{n,i,j} m[n, o, i, j]` of a contiguous `B × O × S × S` tensor: the bias gradient of
/// [`ConvReluOp`] (no backward pass of its own). Candle's `sum(0)` then `sum` of the same took a tenth of a
/// steerable training step, single-threaded over a strided layout; this is one contiguous pass, in a fixed
/// order.
struct ChannelSumOp;

fn slice<'a, T: WithDType>(s: &'a CpuStorage, l: &Layout) -> candle_core::Result<&'a [T]> {
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&s.as_slice::<T>()?[a..b]),
        None => bail!("equistein conv3x3: non-contiguous argument"),
    }
}

/// NCHW ↔ NHWC of one image: `dst[p · c + ch] = src[ch · px + p]` (or the reverse with `back`).
fn relayout<T: Copy>(src: &[T], c: usize, px: usize, back: bool, dst: &mut [T]) {
    for ch in 0..c {
        for p in 0..px {
            if back {
                dst[ch * px + p] = src[p * c + ch];
            } else {
                dst[p * c + ch] = src[ch * px + p];
            }
        }
    }
}

fn forward<T: Float>(
    x: &[T],
    lx: &Layout,
    w: &[T],
    lw: &Layout,
    bias: Option<&[T]>,
) -> candle_core::Result<Vec<T>> {
    let (b, c, s, s2) = lx.shape().dims4()?;
    let (o, c2, k1, k2) = lw.shape().dims4()?;
    if s != s2 || c != c2 || k1 != 3 || k2 != 3 {
        bail!(
            "equistein conv3x3: shapes {:?} and {:?}",
            lx.shape(),
            lw.shape()
        );
    }
    let b_vec = bias.map_or_else(|| vec![T::zero(); o], <[T]>::to_vec);
    if b_vec.len() != o {
        bail!("equistein conv3x3: {} biases for {o} channels", b_vec.len());
    }
    let relu = bias.is_some();
    let conv = Conv3x3::from_oihw(o, c, w, b_vec);
    let px = s * s;
    let mut y = vec![T::zero(); b * o * px];
    let per = images_per_part(b);
    y.par_chunks_mut(per * o * px)
        .zip(x.par_chunks(per * c * px))
        .for_each(|(yc, xc)| {
            let n = xc.len() / (c * px);
            let mut xh = vec![T::zero(); xc.len()];
            for (d, src) in xh.chunks_exact_mut(c * px).zip(xc.chunks_exact(c * px)) {
                relayout(src, c, px, false, d);
            }
            let mut yh = vec![T::zero(); yc.len()];
            conv.apply(&xh, n, s, relu, &mut yh, &mut Vec::new());
            for (d, src) in yc.chunks_exact_mut(o * px).zip(yh.chunks_exact(o * px)) {
                relayout(src, o, px, true, d);
            }
        });
    Ok(y)
}

/// The batch is cut into at most `PARTS` parts of whole images, a number that depends on the batch only, so
/// that the per-part filter gradients, summed in order, give the same bits for any thread count.
const PARTS: usize = 32;

fn images_per_part(batch: usize) -> usize {
    batch.div_ceil(PARTS).max(1)
}

fn filter_grad<T: Float>(
    x: &[T],
    lx: &Layout,
    g: &[T],
    lg: &Layout,
) -> candle_core::Result<Vec<T>> {
    let (b, c, s, _) = lx.shape().dims4()?;
    let (_, o, _, _) = lg.shape().dims4()?;
    let px = s * s;
    let per = images_per_part(b);
    let parts: Vec<Vec<T>> = x
        .par_chunks(per * c * px)
        .zip(g.par_chunks(per * o * px))
        .map(|(xc, gc)| {
            let n = xc.len() / (c * px);
            let mut xh = vec![T::zero(); xc.len()];
            for (d, src) in xh.chunks_exact_mut(c * px).zip(xc.chunks_exact(c * px)) {
                relayout(src, c, px, false, d);
            }
            let mut gh = vec![T::zero(); gc.len()];
            for (d, src) in gh.chunks_exact_mut(o * px).zip(gc.chunks_exact(o * px)) {
                relayout(src, o, px, false, d);
            }
            let mut acc = vec![T::zero(); 9 * c * o];
            filter_gradient(&xh, &gh, n, s, c, o, &mut acc);
            acc
        })
        .collect();
    // Summed in part order, so the result does not depend on the thread count or on work stealing.
    let mut acc = vec![T::zero(); 9 * c * o];
    for part in &parts {
        acc.iter_mut().zip(part).for_each(|(u, &v)| *u += v);
    }
    // (p · c + ch) · o + out  →  OIHW (out · c + ch) · 9 + p
    let mut w = vec![T::zero(); acc.len()];
    for p in 0..9 {
        for ch in 0..c {
            for out in 0..o {
                w[(out * c + ch) * 9 + p] = acc[(p * c + ch) * o + out];
            }
        }
    }
    Ok(w)
}

impl CustomOp2 for Conv3x3Op {
    fn name(&self) -> &'static str {
        "equistein-conv3x3"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (b, _, s, _) = l1.shape().dims4()?;
        let o = l2.shape().dims4()?.0;
        let shape = Shape::from((b, o, s, s));
        let out = match (s1, s2) {
            (CpuStorage::F32(_), CpuStorage::F32(_)) => CpuStorage::F32(forward::<f32>(
                slice(s1, l1)?,
                l1,
                slice(s2, l2)?,
                l2,
                None,
            )?),
            (CpuStorage::F64(_), CpuStorage::F64(_)) => CpuStorage::F64(forward::<f64>(
                slice(s1, l1)?,
                l1,
                slice(s2, l2)?,
                l2,
                None,
            )?),
            _ => bail!("equistein conv3x3: f32 or f64 arguments of one type"),
        };
        Ok((out, shape))
    }
    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _res: &Tensor,
        g: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let g = g.contiguous()?;
        let wt = w
            .transpose(0, 1)?
            .contiguous()?
            .flip(&[2, 3])?
            .contiguous()?;
        let gx = g.apply_op2_no_bwd(&wt, &Conv3x3Op)?;
        let gw = x.contiguous()?.apply_op2_no_bwd(&g, &FilterGradientOp)?;
        Ok((Some(gx), Some(gw)))
    }
}

impl CustomOp2 for FilterGradientOp {
    fn name(&self) -> &'static str {
        "equistein-conv3x3-filter-gradient"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let c = l1.shape().dims4()?.1;
        let o = l2.shape().dims4()?.1;
        let out = match (s1, s2) {
            (CpuStorage::F32(_), CpuStorage::F32(_)) => {
                CpuStorage::F32(filter_grad::<f32>(slice(s1, l1)?, l1, slice(s2, l2)?, l2)?)
            }
            (CpuStorage::F64(_), CpuStorage::F64(_)) => {
                CpuStorage::F64(filter_grad::<f64>(slice(s1, l1)?, l1, slice(s2, l2)?, l2)?)
            }
            _ => bail!("equistein conv3x3 filter gradient: f32 or f64 arguments of one type"),
        };
        Ok((out, Shape::from((o, c, 3, 3))))
    }
}

impl CustomOp2 for ReluMaskOp {
    fn name(&self) -> &'static str {
        "equistein-relu-mask"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        fn mask<T: Float>(g: &[T], y: &[T]) -> Vec<T> {
            g.iter()
                .zip(y)
                .map(|(&g, &y)| if y > T::zero() { g } else { T::zero() })
                .collect()
        }
        let out = match (s1, s2) {
            (CpuStorage::F32(_), CpuStorage::F32(_)) => {
                CpuStorage::F32(mask::<f32>(slice(s1, l1)?, slice(s2, l2)?))
            }
            (CpuStorage::F64(_), CpuStorage::F64(_)) => {
                CpuStorage::F64(mask::<f64>(slice(s1, l1)?, slice(s2, l2)?))
            }
            _ => bail!("equistein relu mask: f32 or f64 arguments of one type"),
        };
        Ok((out, l1.shape().clone()))
    }
}

impl CustomOp1 for ChannelSumOp {
    fn name(&self) -> &'static str {
        "equistein-channel-sum"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        fn sums<T: Float>(m: &[T], o: usize, px: usize) -> Vec<T> {
            let mut acc = vec![T::zero(); o];
            for image in m.chunks_exact(o * px) {
                for (a, map) in acc.iter_mut().zip(image.chunks_exact(px)) {
                    *a += map.iter().fold(T::zero(), |u, &v| u + v);
                }
            }
            acc
        }
        let (_, o, h, w) = l.shape().dims4()?;
        let out = match s {
            CpuStorage::F32(_) => CpuStorage::F32(sums::<f32>(slice(s, l)?, o, h * w)),
            CpuStorage::F64(_) => CpuStorage::F64(sums::<f64>(slice(s, l)?, o, h * w)),
            _ => bail!("equistein channel sum: f32 or f64 argument"),
        };
        Ok((out, Shape::from(o)))
    }
}

impl CustomOp3 for ConvReluOp {
    fn name(&self) -> &'static str {
        "equistein-conv3x3-relu"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (b, _, s, _) = l1.shape().dims4()?;
        let o = l2.shape().dims4()?.0;
        let out = match (s1, s2, s3) {
            (CpuStorage::F32(_), CpuStorage::F32(_), CpuStorage::F32(_)) => CpuStorage::F32(
                forward::<f32>(slice(s1, l1)?, l1, slice(s2, l2)?, l2, Some(slice(s3, l3)?))?,
            ),
            (CpuStorage::F64(_), CpuStorage::F64(_), CpuStorage::F64(_)) => CpuStorage::F64(
                forward::<f64>(slice(s1, l1)?, l1, slice(s2, l2)?, l2, Some(slice(s3, l3)?))?,
            ),
            _ => bail!("equistein conv3x3 relu: f32 or f64 arguments of one type"),
        };
        Ok((out, Shape::from((b, o, s, s))))
    }
    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _b: &Tensor,
        res: &Tensor,
        g: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let m = g.contiguous()?.apply_op2_no_bwd(res, &ReluMaskOp)?;
        let wt = w
            .transpose(0, 1)?
            .contiguous()?
            .flip(&[2, 3])?
            .contiguous()?;
        let gx = m.apply_op2_no_bwd(&wt, &Conv3x3Op)?;
        let gw = x.contiguous()?.apply_op2_no_bwd(&m, &FilterGradientOp)?;
        let gb = m.apply_op1_no_bwd(&ChannelSumOp)?;
        Ok((Some(gx), Some(gw), Some(gb)))
    }
}

/// `ReLU(conv2d(x, w, padding 1) + b)` (`b`: `O`, shapes as [`conv3x3`]), differentiable in all three: on the
/// CPU one fused custom op (the ReLU mask applied by hand in the backward pass), elsewhere candle's ops.
pub fn conv3x3_relu(x: &Tensor, w: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    if x.device().is_cpu() {
        x.contiguous()?.apply_op3_arc(
            &w.contiguous()?,
            &b.contiguous()?,
            Arc::new(Box::new(ConvReluOp)),
        )
    } else {
        let o = w.dim(0)?;
        x.conv2d(w, 1, 1, 1, 1)?
            .broadcast_add(&b.reshape((1, o, 1, 1))?)?
            .relu()
    }
}

/// `conv2d(x, w, padding 1)` (`x`: `B × C × S × S`, `w`: `O × C × 3 × 3`, square maps, f32 or f64),
/// differentiable in both: on the CPU the hand-written kernel as a candle custom op (forward, `∂L/∂x` and
/// `∂L/∂w` each one im2col + GEMM pass, rayon over images), on other devices candle's own `conv2d`.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::arange(0f32, 32.0, &Device::Cpu).unwrap().reshape((2, 1, 4, 4)).unwrap();
/// let w = Tensor::ones((3, 1, 3, 3), candle_core::DType::F32, &Device::Cpu).unwrap();
/// let ours = equistein_candle::conv::conv3x3(&x, &w).unwrap();
/// let theirs = x.conv2d(&w, 1, 1, 1, 1).unwrap();
/// let diff = (ours - theirs).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
/// assert!(diff < 1e-4);
/// ```
pub fn conv3x3(x: &Tensor, w: &Tensor) -> candle_core::Result<Tensor> {
    if x.device().is_cpu() {
        x.contiguous()?.apply_op2(&w.contiguous()?, Conv3x3Op)
    } else {
        x.conv2d(w, 1, 1, 1, 1)
    }
}
