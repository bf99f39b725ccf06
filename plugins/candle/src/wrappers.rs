//! Invariant wrappers that add no parameters: group averaging, the norm of the input, the canonical form.

use crate::fast::{FastNet, HeadFn};
use crate::float::Float;
use crate::network::Network;
use candle_core::{Device, Tensor, Var};
use equistein::error::ensure_dim;
use equistein::{Error, FiniteGroup, OrbitMap, Result};
use std::sync::Arc;

/// `f_G(x) = (1/|G|) Σ_{g ∈ G} f(R_g x)`: the outputs of the inner network averaged over a finite group acting
/// linearly on the input (e.g. C4 rotations of the plane). `f_G(R_h x) = f_G(x)` for every `h ∈ G`, so any head
/// on top gives an invariant energy. The group's matrices `R_g` are read off its action on the basis at
/// construction; the input gradient is `Σ_g R_gᵀ ∇f(R_g x) / |G|`.
#[derive(Clone)]
pub struct GroupAverage<N> {
    inner: N,
    /// `|G|` matrices `d × d`, row-major.
    mats: Arc<Vec<Vec<f64>>>,
    dim: usize,
}

impl<N> GroupAverage<N> {
    /// Wraps `inner` (input dimension `group.dim()`); errors if the action is not linear (`g·0 ≠ 0` or
    /// `g·(x + y) ≠ g·x + g·y` on a probe).
    pub fn new<T: Float, G: FiniteGroup<T>>(inner: N, group: &G) -> Result<Self>
    where
        N: Network<T>,
    {
        let d = group.dim();
        ensure_dim("group average (input dimension)", inner.in_dim(), d)?;
        let mut mats = Vec::new();
        let mut e = vec![T::zero(); d];
        let mut col = vec![T::zero(); d];
        for g in group.elements() {
            let mut m = vec![0.0; d * d];
            for j in 0..d {
                e.iter_mut().for_each(|v| *v = T::zero());
                e[j] = T::one();
                group.act(&g, &e, &mut col);
                for i in 0..d {
                    m[i * d + j] = col[i].to_f64_lossy();
                }
            }
            // Linearity probe: g·p must equal R_g p for p = (1, 2, …, d) / d, and g·0 = 0.
            let p: Vec<T> = (0..d).map(|k| T::c((k + 1) as f64 / d as f64)).collect();
            group.act(&g, &p, &mut col);
            let zero = vec![T::zero(); d];
            let mut z = vec![T::zero(); d];
            group.act(&g, &zero, &mut z);
            for i in 0..d {
                let lin: f64 = (0..d).map(|j| m[i * d + j] * p[j].to_f64_lossy()).sum();
                let tol = 1e-4 * (1.0 + lin.abs());
                if (col[i].to_f64_lossy() - lin).abs() > tol || z[i].to_f64_lossy().abs() > tol {
                    return Err(Error::InvalidParameter {
                        name: "group average",
                        reason: "the group must act linearly on the input".into(),
                    });
                }
            }
            mats.push(m);
        }
        Ok(GroupAverage {
            inner,
            mats: Arc::new(mats),
            dim: d,
        })
    }

    /// The inner network.
    pub fn inner(&self) -> &N {
        &self.inner
    }

    /// `|G|`.
    pub fn order(&self) -> usize {
        self.mats.len()
    }
}

impl<T: Float, N: Network<T>> Network<T> for GroupAverage<N> {
    fn in_dim(&self) -> usize {
        self.dim
    }
    fn out_dim(&self) -> usize {
        self.inner.out_dim()
    }
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let (b, d) = x.dims2()?;
        let mut rotated = Vec::with_capacity(self.mats.len());
        for m in self.mats.iter() {
            let mt: Vec<T> = m.iter().map(|&v| T::c(v)).collect();
            // rows R_g x = x R_gᵀ
            let r = Tensor::from_vec(mt, (d, d), x.device())?.t()?;
            rotated.push(x.matmul(&r)?);
        }
        let all = Tensor::cat(&rotated, 0)?;
        let out = self.inner.forward(&all)?;
        let k = out.dim(1)?;
        out.reshape((self.mats.len(), b, k))?.mean(0)
    }
    fn parameters(&self) -> Vec<(String, Var)> {
        self.inner.parameters()
    }
    fn detached(&self) -> Result<Box<dyn FastNet<T>>> {
        Ok(Box::new(FastGroupAverage {
            inner: self.inner.detached()?,
            mats: self
                .mats
                .iter()
                .map(|m| m.iter().map(|&v| T::c(v)).collect())
                .collect(),
            dim: self.dim,
        }))
    }
}

struct FastGroupAverage<T> {
    inner: Box<dyn FastNet<T>>,
    mats: Vec<Vec<T>>,
    dim: usize,
}

impl<T: Float> FastGroupAverage<T> {
    /// The `|G| · batch` transformed inputs, group element major.
    fn transform(&self, x: &[T], batch: usize) -> Vec<T> {
        let d = self.dim;
        let mut all = vec![T::zero(); self.mats.len() * batch * d];
        for (gi, m) in self.mats.iter().enumerate() {
            for (r, row) in x.chunks_exact(d).enumerate() {
                let dst = &mut all[(gi * batch + r) * d..(gi * batch + r + 1) * d];
                for (i, o) in dst.iter_mut().enumerate() {
                    *o = m[i * d..(i + 1) * d]
                        .iter()
                        .zip(row)
                        .map(|(&a, &b)| a * b)
                        .sum();
                }
            }
        }
        all
    }
}

impl<T: Float> FastNet<T> for FastGroupAverage<T> {
    fn in_dim(&self) -> usize {
        self.dim
    }
    fn out_dim(&self) -> usize {
        self.inner.out_dim()
    }
    fn forward(&self, x: &[T], batch: usize, out: &mut [T]) -> Result<()> {
        ensure_dim("network input", batch * self.dim, x.len())?;
        let k = self.inner.out_dim();
        ensure_dim("network output", batch * k, out.len())?;
        let ng = self.mats.len();
        let all = self.transform(x, batch);
        let mut o = vec![T::zero(); ng * batch * k];
        self.inner.forward(&all, ng * batch, &mut o)?;
        average(&o, ng, batch * k, out);
        Ok(())
    }
    fn forward_backward(
        &self,
        x: &[T],
        batch: usize,
        head: &mut HeadFn<'_, T>,
        grad_in: &mut [T],
    ) -> Result<()> {
        let d = self.dim;
        ensure_dim("network input", batch * d, x.len())?;
        ensure_dim("input gradient", batch * d, grad_in.len())?;
        let k = self.inner.out_dim();
        let ng = self.mats.len();
        let all = self.transform(x, batch);
        let mut g_all = vec![T::zero(); ng * batch * d];
        let inv = T::one() / T::c(ng as f64);
        self.inner.forward_backward(
            &all,
            ng * batch,
            &mut |o: &[T], go: &mut [T]| {
                let mut mean = vec![T::zero(); batch * k];
                average(o, ng, batch * k, &mut mean);
                let mut gm = vec![T::zero(); batch * k];
                head(&mean, &mut gm)?;
                for chunk in go.chunks_exact_mut(batch * k) {
                    for (v, &g) in chunk.iter_mut().zip(&gm) {
                        *v = g * inv;
                    }
                }
                Ok(())
            },
            &mut g_all,
        )?;
        grad_in.iter_mut().for_each(|v| *v = T::zero());
        for (gi, m) in self.mats.iter().enumerate() {
            for (r, dst) in grad_in.chunks_exact_mut(d).enumerate() {
                let g = &g_all[(gi * batch + r) * d..(gi * batch + r + 1) * d];
                // R_gᵀ g
                for (i, &gv) in g.iter().enumerate() {
                    for (j, o) in dst.iter_mut().enumerate() {
                        *o += m[i * d + j] * gv;
                    }
                }
            }
        }
        Ok(())
    }
}

/// `out = (1/n) Σ_c src[c]` over `n` consecutive chunks of length `len`.
fn average<T: Float>(src: &[T], n: usize, len: usize, out: &mut [T]) {
    out.iter_mut().for_each(|v| *v = T::zero());
    for chunk in src.chunks_exact(len).take(n) {
        for (o, &v) in out.iter_mut().zip(chunk) {
            *o += v;
        }
    }
    let inv = T::one() / T::c(n as f64);
    out.iter_mut().for_each(|v| *v *= inv);
}

/// `f_N(x) = f(‖x‖)`: the inner network (input dimension 1) sees only the norm, so the model is invariant to
/// every orthogonal map (SO(n), O(n)). Input gradient `f′(‖x‖) x / ‖x‖` (0 at the origin).
#[derive(Clone)]
pub struct NormInput<N> {
    inner: N,
    dim: usize,
}

impl<N> NormInput<N> {
    /// Wraps `inner` (input dimension 1) for inputs in `R^dim`.
    pub fn new<T: Float>(inner: N, dim: usize) -> Result<Self>
    where
        N: Network<T>,
    {
        ensure_dim("norm input (inner input dimension)", 1, inner.in_dim())?;
        if dim == 0 {
            return Err(Error::InvalidParameter {
                name: "norm input dimension",
                reason: "must be at least 1".into(),
            });
        }
        Ok(NormInput { inner, dim })
    }
}

impl<T: Float, N: Network<T>> Network<T> for NormInput<N> {
    fn in_dim(&self) -> usize {
        self.dim
    }
    fn out_dim(&self) -> usize {
        self.inner.out_dim()
    }
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.inner.forward(&x.sqr()?.sum_keepdim(1)?.sqrt()?)
    }
    fn parameters(&self) -> Vec<(String, Var)> {
        self.inner.parameters()
    }
    fn detached(&self) -> Result<Box<dyn FastNet<T>>> {
        Ok(Box::new(FastNorm {
            inner: self.inner.detached()?,
            dim: self.dim,
        }))
    }
}

struct FastNorm<T> {
    inner: Box<dyn FastNet<T>>,
    dim: usize,
}

fn norms<T: Float>(x: &[T], d: usize) -> Vec<T> {
    x.chunks_exact(d)
        .map(|r| r.iter().map(|&v| v * v).sum::<T>().sqrt())
        .collect()
}

impl<T: Float> FastNet<T> for FastNorm<T> {
    fn in_dim(&self) -> usize {
        self.dim
    }
    fn out_dim(&self) -> usize {
        self.inner.out_dim()
    }
    fn forward(&self, x: &[T], batch: usize, out: &mut [T]) -> Result<()> {
        ensure_dim("network input", batch * self.dim, x.len())?;
        self.inner.forward(&norms(x, self.dim), batch, out)
    }
    fn forward_backward(
        &self,
        x: &[T],
        batch: usize,
        head: &mut HeadFn<'_, T>,
        grad_in: &mut [T],
    ) -> Result<()> {
        let d = self.dim;
        ensure_dim("network input", batch * d, x.len())?;
        ensure_dim("input gradient", batch * d, grad_in.len())?;
        let r = norms(x, d);
        let mut gr = vec![T::zero(); batch];
        self.inner.forward_backward(&r, batch, head, &mut gr)?;
        for (((dst, row), &n), &g) in grad_in
            .chunks_exact_mut(d)
            .zip(x.chunks_exact(d))
            .zip(&r)
            .zip(&gr)
        {
            for (o, &v) in dst.iter_mut().zip(row) {
                *o = if n > T::zero() { g * v / n } else { T::zero() };
            }
        }
        Ok(())
    }
}

/// `f_P(x) = f(P(x))` for a core [`OrbitMap`] `P` (a canonical orbit representative or invariant features):
/// invariant whenever `P` is. The input gradient is `J_P(x)ᵀ ∇f(P(x))` through the map's VJP. The training
/// path maps the batch on the CPU and feeds constants to the network (no gradient flows to the input there,
/// and none is needed for `∇θ`).
#[derive(Clone)]
pub struct CanonicalInput<N, M> {
    inner: N,
    map: Arc<M>,
}

impl<N, M> CanonicalInput<N, M> {
    /// Wraps `inner`, whose input dimension must equal the map's output dimension.
    pub fn new<T: Float>(inner: N, map: M) -> Result<Self>
    where
        N: Network<T>,
        M: OrbitMap<T>,
    {
        ensure_dim(
            "canonical input (inner input dimension)",
            map.output_dim(),
            inner.in_dim(),
        )?;
        Ok(CanonicalInput {
            inner,
            map: Arc::new(map),
        })
    }
}

fn map_rows<T: Float, M: OrbitMap<T> + ?Sized>(map: &M, x: &[T]) -> Vec<T> {
    let (d, p) = (map.input_dim(), map.output_dim());
    let mut out = vec![T::zero(); x.len() / d * p];
    for (row, o) in x.chunks_exact(d).zip(out.chunks_exact_mut(p)) {
        map.map(row, o);
    }
    out
}

impl<T: Float, N: Network<T>, M: OrbitMap<T> + Send + Sync + 'static> Network<T>
    for CanonicalInput<N, M>
{
    fn in_dim(&self) -> usize {
        self.map.input_dim()
    }
    fn out_dim(&self) -> usize {
        self.inner.out_dim()
    }
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let (b, _) = x.dims2()?;
        let flat = x.flatten_all()?.to_vec1::<T>()?;
        let mapped = map_rows(&*self.map, &flat);
        let t = Tensor::from_vec(mapped, (b, self.map.output_dim()), &Device::Cpu)?;
        self.inner.forward(&t.to_device(x.device())?)
    }
    fn parameters(&self) -> Vec<(String, Var)> {
        self.inner.parameters()
    }
    fn detached(&self) -> Result<Box<dyn FastNet<T>>> {
        Ok(Box::new(FastCanonical {
            inner: self.inner.detached()?,
            map: self.map.clone(),
        }))
    }
}

struct FastCanonical<T, M> {
    inner: Box<dyn FastNet<T>>,
    map: Arc<M>,
}

impl<T: Float, M: OrbitMap<T> + Send + Sync> FastNet<T> for FastCanonical<T, M> {
    fn in_dim(&self) -> usize {
        self.map.input_dim()
    }
    fn out_dim(&self) -> usize {
        self.inner.out_dim()
    }
    fn forward(&self, x: &[T], batch: usize, out: &mut [T]) -> Result<()> {
        ensure_dim("network input", batch * self.map.input_dim(), x.len())?;
        self.inner.forward(&map_rows(&*self.map, x), batch, out)
    }
    fn forward_backward(
        &self,
        x: &[T],
        batch: usize,
        head: &mut HeadFn<'_, T>,
        grad_in: &mut [T],
    ) -> Result<()> {
        let (d, p) = (self.map.input_dim(), self.map.output_dim());
        ensure_dim("network input", batch * d, x.len())?;
        ensure_dim("input gradient", batch * d, grad_in.len())?;
        let mapped = map_rows(&*self.map, x);
        let mut gp = vec![T::zero(); batch * p];
        self.inner.forward_backward(&mapped, batch, head, &mut gp)?;
        for ((dst, row), g) in grad_in
            .chunks_exact_mut(d)
            .zip(x.chunks_exact(d))
            .zip(gp.chunks_exact(p))
        {
            self.map.vjp(row, g, dst);
        }
        Ok(())
    }
}
