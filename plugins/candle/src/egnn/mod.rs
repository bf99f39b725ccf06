//! The E(n)-equivariant graph neural network of Satorras, Hoogeboom & Welling (2021) in its QM9 setting, as an
//! E(3)-invariant scalar network on molecules of one formula (ESVGD.md §4, the paper's appendix E.2).
//!
//! A particle is one molecule of `n` atoms, its coordinates row-major (`x = (x_1, …, x_n)`, `x_i ∈ R³`, so
//! `d = 3n`); the atom types are fixed per model, one feature row `a_i` per atom (QM9: 15 numbers, the one-hot
//! over H, C, N, O, F times `(Z / Z_max)^{0,1,2}`). The graph is fully connected without self-loops, and with
//! `d_ij = ‖x_i − x_j‖²`, hidden width `H` (64) and `L` layers (4):
//!
//! ```text
//! h_i⁰     = W_e a_i + b_e                                          (embedding, width → H)
//! m_ij     = SiLU(W_2 SiLU(W_1 [h_i, h_j, d_ij] + b_1) + b_2)        (edge MLP, 2H + 1 → H → H)
//! s_ij     = σ(wₐ · m_ij + bₐ)                                      (attention gate)
//! m_i      = Σ_{j ≠ i} s_ij m_ij                                     (sum aggregation)
//! h_i^{l+1} = h_i^l + V_2 SiLU(V_1 [h_i^l, m_i] + c_1) + c_2         (node MLP, residual)
//! o        = G_2 SiLU(G_1 Σ_i (D_2 SiLU(D_1 h_i^L + e_1) + e_2) + g_1) + g_2   (node and graph decoders)
//! ```
//!
//! There are no coordinate updates: `x` enters only through the `d_ij`, so `o` is invariant under rotations,
//! reflections and translations of the molecule and under permutations of atoms of the same type. With
//! [`crate::ScalarHead`] the energy is `E = log(1 + o²)`.
//!
//! The sampling path ([`crate::Network::detached`], [`FastEgnn`]) is written by hand. The training path
//! ([`crate::Network::forward`]) is, on the CPU, one fused candle op running the same kernels with a hand-written
//! backward pass for `x` and every parameter (`θ` enters as the parameters concatenated, so candle's autograd
//! hands `∂L/∂θ` back to each `Var`); off the CPU, and as the reference in the tests, [`Egnn::forward_graph`] is the
//! same function as a graph of candle tensor ops. All split the edge MLP's first layer into
//! per-node products, `W_1 [h_i, h_j, d_ij] = A h_i + B h_j + w d_ij` (`W_1 = [A | B | w]`), so the only
//! per-edge matrix product is `W_2`'s; the input gradient then runs back through `d_ij`:
//! `∇_{x_i} o = Σ_{j ≠ i} 2 (∂o/∂d_ij + ∂o/∂d_ji) (x_i − x_j)`.
//!
//! ```
//! use equistein_candle::{Egnn, EgnnConfig, FastNet, Network};
//! use rand_core::SeedableRng;
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! // Water: O, H, H (features: any numbers, here one-hot types).
//! let mut o = [0.0f32; 15];
//! o[3] = 1.0;
//! let mut h = [0.0f32; 15];
//! h[0] = 1.0;
//! let config = EgnnConfig { hidden: 16, layers: 2 };
//! let net = Egnn::<f64>::new(config, &[o, h, h], &mut rng).unwrap();
//! assert_eq!((net.in_dim(), net.out_dim()), (9, 1));
//! let x = [0.0, 0.0, 0.0, 0.96, 0.0, 0.0, -0.24, 0.93, 0.0];
//! // The same molecule with its two hydrogens swapped and shifted by (1, 2, 3).
//! let y = [1.0, 2.0, 3.0, 0.76, 2.93, 3.0, 1.96, 2.0, 3.0];
//! let fast = net.detached().unwrap();
//! let (mut a, mut b) = ([0.0], [0.0]);
//! fast.forward(&x, 1, &mut a).unwrap();
//! fast.forward(&y, 1, &mut b).unwrap();
//! assert!((a[0] - b[0]).abs() < 1e-12);
//! ```

#[cfg(target_arch = "x86_64")]
mod avx512;
mod fast;
mod kernels;

pub use fast::FastEgnn;

use fast::TrainState;
use std::sync::Mutex;

use crate::conv::{uniform_var, values};
use crate::fast::FastNet;
use crate::float::Float;
use crate::network::Network;
use candle_core::{Tensor, Var, D};
use equistein::{Error, Result};
use rand_core::RngCore;

/// The number of atom features of the QM9 setting: one-hot over H, C, N, O, F times `(Z / Z_max)^{0,1,2}`.
pub const ATOM_FEATURES: usize = 15;

/// The EGNN's widths: `hidden` (the node, edge and decoder width `H`) and the number of message-passing
/// `layers`. [`Default`]: the paper's 64 and 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EgnnConfig {
    /// The hidden width `H`.
    pub hidden: usize,
    /// The number of layers `L`.
    pub layers: usize,
}

impl Default for EgnnConfig {
    fn default() -> Self {
        EgnnConfig {
            hidden: 64,
            layers: 4,
        }
    }
}

/// One `nn.Linear`: `weight` (`out × in`) and `bias` (`out`).
#[derive(Clone)]
struct Linear {
    w: Var,
    b: Var,
}

impl Linear {
    /// PyTorch's `nn.Linear` start: `W, b ~ U(−1/√fan_in, 1/√fan_in)`, the weight drawn first.
    fn new<T: Float, R: RngCore + ?Sized>(
        fan_in: usize,
        fan_out: usize,
        rng: &mut R,
    ) -> Result<Self> {
        let bound = 1.0 / (fan_in as f64).sqrt();
        let w = uniform_var::<T, _, _>((fan_out, fan_in), bound, rng)?;
        let b = uniform_var::<T, _, _>(fan_out, bound, rng)?;
        Ok(Linear { w, b })
    }

    /// `x Wᵀ + b` of a 2-D input.
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.matmul(&self.w.as_tensor().t()?)?
            .broadcast_add(self.b.as_tensor())
    }

    fn push(&self, prefix: &str, out: &mut Vec<(String, Var)>) {
        out.push((format!("{prefix}.weight"), self.w.clone()));
        out.push((format!("{prefix}.bias"), self.b.clone()));
    }
}

/// One message-passing layer (Satorras et al.'s `E_GCL` without the coordinate model).
#[derive(Clone)]
struct Gcl {
    /// `2H + 1 → H`, input `[h_i, h_j, d_ij]`.
    edge0: Linear,
    edge1: Linear,
    /// `H → 1`.
    att: Linear,
    /// `2H → H`, input `[h_i, m_i]`.
    node0: Linear,
    node1: Linear,
}

/// The EGNN energy network on molecules of one formula (see the [module docs](self) for the formulas).
///
/// Inputs `B × 3n` (one molecule a row, atom `i` at columns `3i..3i + 3`), output `B × 1` (`o`; use it with
/// [`crate::ScalarHead`] for `E = log(1 + o²)`). Parameters as PyTorch names them in Satorras et al.'s code
/// (`embedding`, `gcl{l}.edge_mlp.{0,2}`, `gcl{l}.att_mlp.0`, `gcl{l}.node_mlp.{0,2}`, `node_dec.{0,2}`,
/// `graph_dec.{0,2}`, each `.weight` `out × in` and `.bias`), drawn as PyTorch's `nn.Linear` does,
/// `U(±1/√fan_in)`, in that order from the RNG passed in (so a seed fixes them). `edge_mlp.0.weight` is
/// `H × (2H + 1)`, its columns `[A | B | w]` for `[h_i, h_j, d_ij]`.
#[derive(Clone)]
pub struct Egnn<T: Float> {
    config: EgnnConfig,
    n_atoms: usize,
    width: usize,
    /// `n × width`, row-major.
    features: Vec<T>,
    embedding: Linear,
    layers: Vec<Gcl>,
    node_dec: [Linear; 2],
    graph_dec: [Linear; 2],
}

impl<T: Float> Egnn<T> {
    /// The network for molecules whose atom `i` has the feature row `atom_features[i]` (QM9's 15 numbers, e.g.
    /// from `equistein-molecules`), parameters drawn from `rng`. Errors with fewer than two atoms, a zero width
    /// or layer count, or a non-finite feature.
    pub fn new<F, R>(
        config: EgnnConfig,
        atom_features: &[[F; ATOM_FEATURES]],
        rng: &mut R,
    ) -> Result<Self>
    where
        F: Copy + Into<f64>,
        R: RngCore + ?Sized,
    {
        let flat: Vec<f64> = atom_features
            .iter()
            .flat_map(|row| row.iter().map(|&v| v.into()))
            .collect();
        Self::from_flat(config, atom_features.len(), ATOM_FEATURES, &flat, rng)
    }

    /// As [`Egnn::new`] with any number of features per atom: `features` is `n_atoms × width`, row-major.
    pub fn from_flat<R: RngCore + ?Sized>(
        config: EgnnConfig,
        n_atoms: usize,
        width: usize,
        features: &[f64],
        rng: &mut R,
    ) -> Result<Self> {
        let bad = |reason: String| Error::InvalidParameter {
            name: "EGNN",
            reason,
        };
        if n_atoms < 2 {
            return Err(bad(format!("needs at least two atoms, got {n_atoms}")));
        }
        if config.hidden == 0 || config.layers == 0 || width == 0 {
            return Err(bad(format!(
                "hidden width, layer count and feature width must be positive, got {config:?} and {width} \
                 features"
            )));
        }
        if features.len() != n_atoms * width {
            return Err(bad(format!(
                "{n_atoms} atoms × {width} features need {} numbers, got {}",
                n_atoms * width,
                features.len()
            )));
        }
        if let Some(i) = features.iter().position(|v| !v.is_finite()) {
            return Err(bad(format!(
                "feature {} of atom {} is not finite",
                i % width,
                i / width
            )));
        }
        let h = config.hidden;
        let embedding = Linear::new::<T, _>(width, h, rng)?;
        let mut layers = Vec::with_capacity(config.layers);
        for _ in 0..config.layers {
            layers.push(Gcl {
                edge0: Linear::new::<T, _>(2 * h + 1, h, rng)?,
                edge1: Linear::new::<T, _>(h, h, rng)?,
                att: Linear::new::<T, _>(h, 1, rng)?,
                node0: Linear::new::<T, _>(2 * h, h, rng)?,
                node1: Linear::new::<T, _>(h, h, rng)?,
            });
        }
        let node_dec = [
            Linear::new::<T, _>(h, h, rng)?,
            Linear::new::<T, _>(h, h, rng)?,
        ];
        let graph_dec = [
            Linear::new::<T, _>(h, h, rng)?,
            Linear::new::<T, _>(h, 1, rng)?,
        ];
        Ok(Egnn {
            config,
            n_atoms,
            width,
            features: features.iter().map(|&v| T::c(v)).collect(),
            embedding,
            layers,
            node_dec,
            graph_dec,
        })
    }

    /// The widths.
    pub fn config(&self) -> EgnnConfig {
        self.config
    }

    /// The number of atoms `n` of every molecule.
    pub fn n_atoms(&self) -> usize {
        self.n_atoms
    }

    /// The atom features, `n × width` row-major.
    pub fn features(&self) -> &[T] {
        &self.features
    }

    /// The number of features per atom.
    pub fn feature_width(&self) -> usize {
        self.width
    }

    /// The number of trainable numbers.
    pub fn parameter_count(&self) -> usize {
        self.parameters()
            .iter()
            .map(|(_, v)| v.as_tensor().elem_count())
            .sum()
    }

    /// A detached copy of the current parameter values with the hand-written sampling path.
    pub fn fast(&self) -> Result<FastEgnn<T>> {
        FastEgnn::from_network(self)
    }

    /// The ordered edges `(i, j)`, `i ≠ j`, `i`-major: edge `i (n − 1) + k` goes to `j = k` below `i`, else
    /// `k + 1`.
    fn edge_index(&self) -> (Vec<u32>, Vec<u32>) {
        let n = self.n_atoms;
        let mut rows = Vec::with_capacity(n * (n - 1));
        let mut cols = Vec::with_capacity(n * (n - 1));
        for i in 0..n {
            for j in (0..n).filter(|&j| j != i) {
                rows.push(i as u32);
                cols.push(j as u32);
            }
        }
        (rows, cols)
    }
}

/// SiLU `z σ(z)`.
fn silu(z: &Tensor) -> candle_core::Result<Tensor> {
    z.silu()
}

impl<T: Float> Network<T> for Egnn<T> {
    fn in_dim(&self) -> usize {
        3 * self.n_atoms
    }
    fn out_dim(&self) -> usize {
        1
    }
    /// On the CPU one fused candle op ([`FastEgnn`]'s kernels with a hand-written backward pass for `∂/∂x` and
    /// `∂/∂θ`, θ the parameters concatenated in [`Network::parameters`]' order); elsewhere
    /// [`Egnn::forward_graph`].
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        if !x.device().is_cpu() {
            return self.forward_graph(x);
        }
        let (_, d) = x.dims2()?;
        if d != 3 * self.n_atoms {
            return Err(candle_core::Error::Msg(format!(
                "EGNN of {} atoms expects {} inputs per molecule, got {d}",
                self.n_atoms,
                3 * self.n_atoms
            )));
        }
        let flat: Vec<Tensor> = self
            .parameters()
            .iter()
            .map(|(_, v)| v.as_tensor().flatten_all())
            .collect::<candle_core::Result<_>>()?;
        let theta = Tensor::cat(&flat, 0)?;
        x.contiguous()?.apply_op2(
            &theta,
            EgnnOp::<T> {
                n: self.n_atoms,
                config: self.config,
                width: self.width,
                features: self.features.clone(),
                state: Mutex::new(None),
            },
        )
    }
    fn parameters(&self) -> Vec<(String, Var)> {
        self.parameters_list()
    }
    fn detached(&self) -> Result<Box<dyn FastNet<T>>> {
        Ok(Box::new(self.fast()?))
    }
}

/// The fused training op: the forward pass keeps its intermediates for the backward pass.
struct EgnnOp<T> {
    n: usize,
    config: EgnnConfig,
    width: usize,
    features: Vec<T>,
    state: Mutex<Option<(FastEgnn<T>, TrainState<T>)>>,
}

fn cpu_slice<'a, T: Float>(
    s: &'a candle_core::CpuStorage,
    l: &candle_core::Layout,
) -> candle_core::Result<&'a [T]> {
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&s.as_slice::<T>()?[a..b]),
        None => Err(candle_core::Error::Msg(
            "EGNN op: non-contiguous input".into(),
        )),
    }
}

impl<T: Float> EgnnOp<T> {
    fn run(&self, x: &[T], theta: &[T], batch: usize) -> (FastEgnn<T>, Vec<T>, TrainState<T>) {
        let fast = FastEgnn::from_values(Values::from_flat(
            self.n,
            self.config,
            self.width,
            &self.features,
            theta,
        ));
        let (out, state) = fast.train_forward(x, batch);
        (fast, out, state)
    }
}

impl<T: Float> candle_core::CustomOp2 for EgnnOp<T> {
    fn name(&self) -> &'static str {
        "egnn"
    }
    fn cpu_fwd(
        &self,
        s1: &candle_core::CpuStorage,
        l1: &candle_core::Layout,
        s2: &candle_core::CpuStorage,
        l2: &candle_core::Layout,
    ) -> candle_core::Result<(candle_core::CpuStorage, candle_core::Shape)> {
        let x = cpu_slice::<T>(s1, l1)?;
        let theta = cpu_slice::<T>(s2, l2)?;
        let batch = l1.dims()[0];
        let (fast, out, state) = self.run(x, theta, batch);
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = Some((fast, state));
        Ok((T::to_cpu_storage_owned(out), (batch, 1).into()))
    }
    fn bwd(
        &self,
        arg1: &Tensor,
        arg2: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let cached = self.state.lock().unwrap_or_else(|p| p.into_inner()).take();
        let (fast, state) = match cached {
            Some(v) => v,
            None => {
                // A second backward pass through the same graph: run the forward pass again.
                let x = arg1.flatten_all()?.to_vec1::<T>()?;
                let theta = arg2.flatten_all()?.to_vec1::<T>()?;
                let (fast, _, state) = self.run(&x, &theta, arg1.dims()[0]);
                (fast, state)
            }
        };
        let go = grad_res.flatten_all()?.to_vec1::<T>()?;
        let (gx, gtheta) = fast.train_backward(state, &go);
        Ok((
            Some(Tensor::from_vec(gx, arg1.shape(), arg1.device())?),
            Some(Tensor::from_vec(gtheta, arg2.shape(), arg2.device())?),
        ))
    }
}

impl<T: Float> Egnn<T> {
    /// The forward pass as a graph of candle tensor ops (any device; the reference for the fused op of
    /// [`Network::forward`], and the training path off the CPU).
    pub fn forward_graph(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let dev = x.device();
        let (b, d) = x.dims2()?;
        let (n, hd) = (self.n_atoms, self.config.hidden);
        if d != 3 * n {
            return Err(candle_core::Error::Msg(format!(
                "EGNN of {n} atoms expects {} inputs per molecule, got {d}",
                3 * n
            )));
        }
        let e = n * (n - 1);
        let (rows, cols) = self.edge_index();
        let rows = Tensor::from_vec(rows, e, dev)?;
        let cols = Tensor::from_vec(cols, e, dev)?;
        let xr = x.reshape((b, n, 3))?;
        // d_ij = ‖x_i − x_j‖², B × E × 1.
        let diff = (xr.index_select(&rows, 1)? - xr.index_select(&cols, 1)?)?;
        let dist = diff.sqr()?.sum_keepdim(D::Minus1)?;
        let feats = Tensor::from_slice(&self.features, (n, self.width), dev)?;
        let h0 = self.embedding.forward(&feats)?;
        let mut h = h0.unsqueeze(0)?.broadcast_as((b, n, hd))?.contiguous()?;
        for layer in &self.layers {
            let w1 = layer.edge0.w.as_tensor();
            let a = w1.narrow(1, 0, hd)?;
            let bm = w1.narrow(1, hd, hd)?;
            let w = w1.narrow(1, 2 * hd, 1)?.reshape((1, 1, hd))?;
            let h2 = h.reshape((b * n, hd))?;
            let p = h2.matmul(&a.t()?)?.reshape((b, n, hd))?;
            let q = h2.matmul(&bm.t()?)?.reshape((b, n, hd))?;
            let z1 = (p.index_select(&rows, 1)? + q.index_select(&cols, 1)?)?
                .add(&dist.broadcast_mul(&w)?)?
                .broadcast_add(layer.edge0.b.as_tensor())?;
            let u = silu(&z1)?.reshape((b * e, hd))?;
            let m = silu(&layer.edge1.forward(&u)?)?;
            let s = candle_nn::ops::sigmoid(&layer.att.forward(&m)?)?;
            let agg = m.broadcast_mul(&s)?.reshape((b, n, n - 1, hd))?.sum(2)?;
            let v = Tensor::cat(&[&h, &agg], 2)?.reshape((b * n, 2 * hd))?;
            let upd = layer
                .node1
                .forward(&silu(&layer.node0.forward(&v)?)?)?
                .reshape((b, n, hd))?;
            h = (h + upd)?;
        }
        let q = self.node_dec[1]
            .forward(&silu(&self.node_dec[0].forward(&h.reshape((b * n, hd))?)?)?)?;
        let g = q.reshape((b, n, hd))?.sum(1)?;
        self.graph_dec[1].forward(&silu(&self.graph_dec[0].forward(&g)?)?)
    }

    fn parameters_list(&self) -> Vec<(String, Var)> {
        let mut p = Vec::new();
        self.embedding.push("embedding", &mut p);
        for (l, layer) in self.layers.iter().enumerate() {
            layer.edge0.push(&format!("gcl{l}.edge_mlp.0"), &mut p);
            layer.edge1.push(&format!("gcl{l}.edge_mlp.2"), &mut p);
            layer.att.push(&format!("gcl{l}.att_mlp.0"), &mut p);
            layer.node0.push(&format!("gcl{l}.node_mlp.0"), &mut p);
            layer.node1.push(&format!("gcl{l}.node_mlp.2"), &mut p);
        }
        self.node_dec[0].push("node_dec.0", &mut p);
        self.node_dec[1].push("node_dec.2", &mut p);
        self.graph_dec[0].push("graph_dec.0", &mut p);
        self.graph_dec[1].push("graph_dec.2", &mut p);
        p
    }
}

/// The current values of one layer, for [`FastEgnn`].
pub(crate) struct LayerValues<T> {
    pub w1: Vec<T>,
    pub b1: Vec<T>,
    pub w2: Vec<T>,
    pub b2: Vec<T>,
    pub att_w: Vec<T>,
    pub att_b: T,
    pub v1: Vec<T>,
    pub c1: Vec<T>,
    pub v2: Vec<T>,
    pub c2: Vec<T>,
}

/// The current values of every parameter, for [`FastEgnn`].
pub(crate) struct Values<T> {
    pub n: usize,
    pub hidden: usize,
    /// The atom features, `n × width`.
    pub width: usize,
    pub features: Vec<T>,
    /// `h⁰`, `n × H`.
    pub h0: Vec<T>,
    pub layers: Vec<LayerValues<T>>,
    /// `[D_1, e_1, D_2, e_2, G_1, g_1, G_2, g_2]`.
    pub dec: [Vec<T>; 8],
}

impl<T: Float> Egnn<T> {
    /// Every parameter's values back to back, in [`Network::parameters`]' order.
    pub(crate) fn flat_parameters(&self) -> Result<Vec<T>> {
        let mut theta = Vec::new();
        for (_, v) in self.parameters() {
            theta.extend(values::<T>(v.as_tensor())?);
        }
        Ok(theta)
    }

    pub(crate) fn values(&self) -> Result<Values<T>> {
        Ok(Values::from_flat(
            self.n_atoms,
            self.config,
            self.width,
            &self.features,
            &self.flat_parameters()?,
        ))
    }
}

impl<T: Float> Values<T> {
    /// The values from the flat parameter vector `theta` ([`Network::parameters`]' order).
    pub(crate) fn from_flat(
        n: usize,
        config: EgnnConfig,
        width: usize,
        features: &[T],
        theta: &[T],
    ) -> Self {
        let h = config.hidden;
        let mut at = 0;
        let mut take = |len: usize| {
            let v = theta[at..at + len].to_vec();
            at += len;
            v
        };
        let we = take(h * width);
        let be = take(h);
        let mut h0 = vec![T::zero(); n * h];
        for i in 0..n {
            let a = &features[i * width..(i + 1) * width];
            for k in 0..h {
                let row = &we[k * width..(k + 1) * width];
                h0[i * h + k] = be[k] + row.iter().zip(a).map(|(&w, &v)| w * v).sum::<T>();
            }
        }
        let mut layers = Vec::with_capacity(config.layers);
        for _ in 0..config.layers {
            layers.push(LayerValues {
                w1: take(h * (2 * h + 1)),
                b1: take(h),
                w2: take(h * h),
                b2: take(h),
                att_w: take(h),
                att_b: take(1)[0],
                v1: take(h * 2 * h),
                c1: take(h),
                v2: take(h * h),
                c2: take(h),
            });
        }
        let dec = [
            take(h * h),
            take(h),
            take(h * h),
            take(h),
            take(h * h),
            take(h),
            take(h),
            take(1),
        ];
        Values {
            n,
            hidden: h,
            width,
            features: features.to_vec(),
            h0,
            layers,
            dec,
        }
    }
}
