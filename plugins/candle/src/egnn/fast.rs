//! The EGNN's sampling path: energy and `∇ₓ` with the parameters held fixed, by hand.
//!
//! Per layer and molecule (`n` atoms, `E = n (n − 1)` ordered edges, width `H`):
//!
//! - per node, one product `[P | Q] = h [A; B]ᵀ` (`n × 2H`, `b_1` added to `P`); the first layer's is the same
//!   for every molecule (`h⁰` does not depend on `x`) and is computed once;
//! - per edge, `z_1 = P_i + Q_j + w d_ij`, `u = SiLU(z_1)`, then the one per-edge product `z_2 = u W_2ᵀ + b_2`
//!   (`E × H × H`, `gemm`), `m = SiLU(z_2)`, `s = σ(wₐ · m + bₐ)`, `m_i = Σ_j s m`;
//! - per node, the node MLP (two products, the residual accumulated in place).
//!
//! The backward pass reverses it, keeping `SiLU'` of every pre-activation from the forward pass: per layer one
//! per-edge product (`∂z_2 W_2`) and three per-node products, the edge sums `Σ_j ∂z_1` and `Σ_i ∂z_1` taken before
//! multiplying by `A` and `B`. `∂o/∂d_ij` is summed over the layers and turned into `∇ₓ` at the end. The first
//! layer's input `h⁰` is constant, so its node-level backward stops at the edges.
//!
//! The training pass ([`FastEgnn::train_forward`] / [`FastEgnn::train_backward`], behind the fused candle op of
//! [`crate::Network::forward`]) also keeps each layer's inputs (`u`, `[h, m_i]`, `SiLU(n_1)`) and accumulates
//! every weight gradient as `Σ_rows δ ⊗ input` (one product per weight, the per-edge `∂W_2` the largest), the first
//! layer's node-level backward included (down to the embedding).
//!
//! Molecules are processed in chunks, in parallel on rayon; each chunk has a workspace (every buffer of its
//! forward and backward pass) taken from a pool that lives as long as the network, so repeated calls allocate
//! nothing. The elementwise loops are compiled a second time with AVX2 and chosen at run time where the CPU has it.

// Index loops over the width `H` mirror the formulas and the row layout.
#![allow(clippy::needless_range_loop)]

use super::kernels::{gemm, gemm_at, sigmoid, silu};
use super::{Egnn, Values};
use crate::fast::{FastNet, HeadFn};
use crate::float::Float;
use equistein::error::ensure_dim;
use equistein::Result;
use rayon::prelude::*;
use std::sync::Mutex;

/// Molecules per parallel task.
const CHUNK: usize = 2;

struct FastLayer<T> {
    /// `[A; B]`, `2H × H` (rows `out`, columns `in`), and its transpose.
    ab: Vec<T>,
    abt: Vec<T>,
    /// The transposes (`in × out`) of `W_2`, `V_1`, `V_2`, for the forward products.
    w2t: Vec<T>,
    v1t: Vec<T>,
    v2t: Vec<T>,
    b1: Vec<T>,
    /// The `d_ij` column of `W_1`.
    w: Vec<T>,
    w2: Vec<T>,
    b2: Vec<T>,
    att: Vec<T>,
    att_b: T,
    /// `H × 2H`.
    v1: Vec<T>,
    c1: Vec<T>,
    v2: Vec<T>,
    c2: Vec<T>,
}

/// Every buffer of one chunk's forward and backward pass (sized for [`CHUNK`] molecules).
struct Workspace<T> {
    diff: Vec<T>,
    dist: Vec<T>,
    h: Vec<T>,
    pq: Vec<T>,
    v: Vec<T>,
    n1: Vec<T>,
    u: Vec<T>,
    /// Per layer (stride `cap_e · H`, or `cap_e`, `cap_n · H`): `SiLU'(z_1)`, `m`, `SiLU'(z_2)`, `s`, and
    /// `SiLU'` of the node MLP's hidden pre-activation.
    d1: Vec<T>,
    m: Vec<T>,
    d2: Vec<T>,
    s: Vec<T>,
    dn: Vec<T>,
    q: Vec<T>,
    dq: Vec<T>,
    sum: Vec<T>,
    g: Vec<T>,
    r: Vec<T>,
    dr: Vec<T>,
    out: Vec<T>,
    gh: Vec<T>,
    gn: Vec<T>,
    gv: Vec<T>,
    gz: Vec<T>,
    gu: Vec<T>,
    gij: Vec<T>,
    gd: Vec<T>,
    gc: Vec<T>,
    gc2: Vec<T>,
    /// Training only (empty otherwise): per layer `u = SiLU(z_1)`, `v = [h, m_i]`, `SiLU(n_1)`; the final `h`.
    uu: Vec<T>,
    vv: Vec<T>,
    nn: Vec<T>,
    /// Training only: this chunk's parameter gradient.
    gtheta: Vec<T>,
}

impl<T: Float> Workspace<T> {
    fn new(n: usize, h: usize, layers: usize) -> Self {
        let cap_n = CHUNK * n;
        let cap_e = CHUNK * n * (n - 1);
        let z = |len: usize| vec![T::zero(); len];
        Workspace {
            diff: z(3 * cap_e),
            dist: z(cap_e),
            h: z(cap_n * h),
            pq: z(cap_n * 2 * h),
            v: z(cap_n * 2 * h),
            n1: z(cap_n * h),
            u: z(cap_e * h),
            d1: z(layers * cap_e * h),
            m: z(layers * cap_e * h),
            d2: z(layers * cap_e * h),
            s: z(layers * cap_e),
            dn: z(layers * cap_n * h),
            q: z(cap_n * h),
            dq: z(cap_n * h),
            sum: z(CHUNK * h),
            g: z(CHUNK * h),
            r: z(CHUNK * h),
            dr: z(CHUNK * h),
            out: z(CHUNK),
            gh: z(cap_n * h),
            gn: z(cap_n * h),
            gv: z(cap_n * 2 * h),
            gz: z(cap_e * h),
            gu: z(cap_e * h),
            gij: z(cap_n * 2 * h),
            gd: z(cap_e),
            gc: z(CHUNK * h),
            gc2: z(CHUNK * h),
            uu: Vec::new(),
            vv: Vec::new(),
            nn: Vec::new(),
            gtheta: Vec::new(),
        }
    }
}

/// An [`Egnn`]'s parameters copied out of candle, evaluated by hand (see the module docs): the sampling path of
/// [`crate::Network::detached`].
pub struct FastEgnn<T> {
    n: usize,
    h: usize,
    /// Layer 0's `[P | Q]` (`n × 2H`), the same for every molecule.
    pq0: Vec<T>,
    h0: Vec<T>,
    layers: Vec<FastLayer<T>>,
    /// `[D_1, e_1, D_2, e_2, G_1, g_1, G_2, g_2]`.
    dec: [Vec<T>; 8],
    /// `D_1ᵀ, D_2ᵀ, G_1ᵀ`.
    dec_t: [Vec<T>; 3],
    width: usize,
    /// The atom features (`n × width`), for the embedding's gradient.
    features: Vec<T>,
    pool: Mutex<Vec<Workspace<T>>>,
}

/// `row[k] += bias[k]` for every row.
#[inline(always)]
fn add_bias<T: Float>(rows: &mut [T], bias: &[T], stride: usize) {
    for row in rows.chunks_exact_mut(stride) {
        for (v, &b) in row.iter_mut().zip(bias) {
            *v += b;
        }
    }
}

/// The transpose (`cols × rows`) of a row-major `rows × cols` matrix.
fn transpose<T: Float>(rows: usize, cols: usize, src: &[T]) -> Vec<T> {
    let mut t = vec![T::zero(); rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = src[r * cols + c];
        }
    }
    t
}

/// `dst[k] += scale Σ_rows rows[r][k]`.
#[inline(always)]
fn add_rows<T: Float>(dst: &mut [T], rows: &[T], width: usize, scale: T) {
    for row in rows.chunks_exact(width) {
        for (a, &b) in dst.iter_mut().zip(row) {
            *a += scale * b;
        }
    }
}

#[inline(always)]
fn dot<T: Float>(a: &[T], b: &[T]) -> T {
    // Eight partial sums, so the loop vectorises (the order of additions differs from a plain sum).
    let b = &b[..a.len()];
    let mut acc = [T::zero(); 8];
    let ra = a.len() / 8 * 8;
    for (xa, xb) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        let xa: &[T; 8] = xa.try_into().expect("chunk of 8");
        let xb: &[T; 8] = xb.try_into().expect("chunk of 8");
        for k in 0..8 {
            acc[k] += xa[k] * xb[k];
        }
    }
    let mut s = (acc[0] + acc[4]) + (acc[1] + acc[5]) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (&x, &y) in a[ra..].iter().zip(&b[ra..]) {
        s += x * y;
    }
    s
}

impl<T: Float> FastEgnn<T> {
    pub(crate) fn from_network(net: &Egnn<T>) -> Result<Self> {
        Ok(Self::from_values(net.values()?))
    }

    pub(crate) fn from_values(values: Values<T>) -> Self {
        let Values {
            n,
            hidden: h,
            width,
            features,
            h0,
            layers,
            dec,
        } = values;
        let mut fast = Vec::with_capacity(layers.len());
        for l in layers {
            let mut ab = vec![T::zero(); 2 * h * h];
            let mut w = vec![T::zero(); h];
            for k in 0..h {
                let row = &l.w1[k * (2 * h + 1)..(k + 1) * (2 * h + 1)];
                ab[k * h..(k + 1) * h].copy_from_slice(&row[..h]);
                ab[(h + k) * h..(h + k + 1) * h].copy_from_slice(&row[h..2 * h]);
                w[k] = row[2 * h];
            }
            fast.push(FastLayer {
                abt: transpose(2 * h, h, &ab),
                ab,
                w2t: transpose(h, h, &l.w2),
                v1t: transpose(h, 2 * h, &l.v1),
                v2t: transpose(h, h, &l.v2),
                b1: l.b1,
                w,
                w2: l.w2,
                b2: l.b2,
                att: l.att_w,
                att_b: l.att_b,
                v1: l.v1,
                c1: l.c1,
                v2: l.v2,
                c2: l.c2,
            });
        }
        let mut pq0 = vec![T::zero(); n * 2 * h];
        gemm(
            n,
            2 * h,
            h,
            &h0,
            h,
            &fast[0].abt,
            2 * h,
            false,
            &mut pq0,
            false,
        );
        add_bias(&mut pq0, &fast[0].b1, 2 * h);
        let dec_t = [
            transpose(h, h, &dec[0]),
            transpose(h, h, &dec[2]),
            transpose(h, h, &dec[4]),
        ];
        FastEgnn {
            dec_t,
            n,
            h,
            width,
            features,
            pq0,
            h0,
            layers: fast,
            dec,
            pool: Mutex::new(Vec::new()),
        }
    }

    /// The number of parameters (the length of the flat parameter vector).
    pub(crate) fn parameter_count(&self) -> usize {
        let h = self.h;
        h * self.width
            + h
            + self.layers.len()
                * (h * (2 * h + 1) + h + h * h + h + h + 1 + 2 * h * h + h + h * h + h)
            + 3 * (h * h + h)
            + h
            + 1
    }

    /// The number of atoms per molecule.
    pub fn n_atoms(&self) -> usize {
        self.n
    }

    /// Workspaces for `tasks` chunks, from the pool.
    fn take(&self, tasks: usize) -> Vec<Workspace<T>> {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        let keep = pool.len().saturating_sub(tasks);
        let mut ws: Vec<Workspace<T>> = pool.drain(keep..).collect();
        drop(pool);
        while ws.len() < tasks {
            ws.push(Workspace::new(self.n, self.h, self.layers.len()));
        }
        ws
    }

    fn give(&self, ws: Vec<Workspace<T>>) {
        self.pool
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(ws);
    }

    /// The forward pass of `c ≤ CHUNK` molecules; `keep`: store what the backward pass needs.
    #[inline(always)]
    fn forward_chunk(&self, ws: &mut Workspace<T>, x: &[T], c: usize, keep: bool, train: bool) {
        let (n, h) = (self.n, self.h);
        let (e, h2) = (n * (n - 1), 2 * h);
        let (nc, ec) = (c * n, c * e);
        let (cap_n, cap_e) = (CHUNK * n, CHUNK * e);
        let keep = keep || train;
        let nl = self.layers.len();
        if train && ws.uu.len() < nl * cap_e * h {
            ws.uu = vec![T::zero(); nl * cap_e * h];
            ws.vv = vec![T::zero(); nl * cap_n * h2];
            ws.nn = vec![T::zero(); nl * cap_n * h];
        }
        // Geometry: x_i − x_j and d_ij of every ordered edge.
        let mut ed = 0;
        for xm in x.chunks_exact(3 * n).take(c) {
            for i in 0..n {
                for j in (0..n).filter(|&j| j != i) {
                    let mut d = T::zero();
                    for a in 0..3 {
                        let t = xm[3 * i + a] - xm[3 * j + a];
                        ws.diff[3 * ed + a] = t;
                        d += t * t;
                    }
                    ws.dist[ed] = d;
                    ed += 1;
                }
            }
        }
        for hm in ws.h[..nc * h].chunks_exact_mut(n * h) {
            hm.copy_from_slice(&self.h0);
        }
        for (l, layer) in self.layers.iter().enumerate() {
            let sl = if keep { l } else { 0 };
            let (eo, no) = (sl * cap_e, sl * cap_n);
            if l == 0 {
                for pm in ws.pq[..nc * h2].chunks_exact_mut(n * h2) {
                    pm.copy_from_slice(&self.pq0);
                }
            } else {
                gemm(
                    nc, h2, h, &ws.h, h, &layer.abt, h2, false, &mut ws.pq, false,
                );
                add_bias(&mut ws.pq[..nc * h2], &layer.b1, h2);
            }
            // z_1 = P_i + Q_j + w d_ij, then SiLU.
            let mut ed = 0;
            let w = &layer.w[..h];
            for mol in 0..c {
                let pm = &ws.pq[mol * n * h2..(mol + 1) * n * h2];
                for i in 0..n {
                    let p = &pm[i * h2..i * h2 + h];
                    for j in (0..n).filter(|&j| j != i) {
                        let q = &pm[j * h2 + h..(j + 1) * h2];
                        let dd = ws.dist[ed];
                        let z = &mut ws.u[ed * h..(ed + 1) * h];
                        for (((zv, &pv), &qv), &wv) in z.iter_mut().zip(p).zip(q).zip(w) {
                            *zv = pv + qv + wv * dd;
                        }
                        ed += 1;
                    }
                }
            }
            let u = &mut ws.u[..ec * h];
            silu(u, keep.then(|| &mut ws.d1[eo * h..(eo + ec) * h]));
            if train {
                ws.uu[eo * h..(eo + ec) * h].copy_from_slice(u);
            }
            // m = SiLU(u W_2ᵀ + b_2).
            let m = &mut ws.m[eo * h..(eo + ec) * h];
            gemm(ec, h, h, u, h, &layer.w2t, h, false, m, false);
            add_bias(m, &layer.b2, h);
            silu(m, keep.then(|| &mut ws.d2[eo * h..(eo + ec) * h]));
            // Gate and aggregation: v = [h_i, Σ_j s m].
            let s = &mut ws.s[eo..eo + ec];
            for (sv, mrow) in s.iter_mut().zip(m.chunks_exact(h)) {
                *sv = dot(mrow, &layer.att) + layer.att_b;
            }
            sigmoid(s);
            for node in 0..nc {
                let vrow = &mut ws.v[node * h2..(node + 1) * h2];
                vrow[..h].copy_from_slice(&ws.h[node * h..(node + 1) * h]);
                let agg = &mut vrow[h..];
                agg.iter_mut().for_each(|a| *a = T::zero());
                for ed in node * (n - 1)..(node + 1) * (n - 1) {
                    let sv = s[ed];
                    for (a, &mv) in agg.iter_mut().zip(&m[ed * h..(ed + 1) * h]) {
                        *a += sv * mv;
                    }
                }
            }
            if train {
                ws.vv[no * h2..(no + nc) * h2].copy_from_slice(&ws.v[..nc * h2]);
            }
            // h ← h + V_2 SiLU(V_1 v + c_1) + c_2.
            gemm(
                nc, h, h2, &ws.v, h2, &layer.v1t, h, false, &mut ws.n1, false,
            );
            add_bias(&mut ws.n1[..nc * h], &layer.c1, h);
            silu(
                &mut ws.n1[..nc * h],
                keep.then(|| &mut ws.dn[no * h..(no + nc) * h]),
            );
            if train {
                ws.nn[no * h..(no + nc) * h].copy_from_slice(&ws.n1[..nc * h]);
            }
            gemm(nc, h, h, &ws.n1, h, &layer.v2t, h, false, &mut ws.h, true);
            add_bias(&mut ws.h[..nc * h], &layer.c2, h);
        }
        // Decoders.
        let [_, e1, _, e2, _, gb1, g2w, gb2] = &self.dec;
        let [d1t, d2t, g1t] = &self.dec_t;
        gemm(nc, h, h, &ws.h, h, d1t, h, false, &mut ws.q, false);
        add_bias(&mut ws.q[..nc * h], e1, h);
        silu(&mut ws.q[..nc * h], keep.then(|| &mut ws.dq[..nc * h]));
        for mol in 0..c {
            let sm = &mut ws.sum[mol * h..(mol + 1) * h];
            sm.iter_mut().for_each(|v| *v = T::zero());
            for row in ws.q[mol * n * h..(mol + 1) * n * h].chunks_exact(h) {
                for (a, &b) in sm.iter_mut().zip(row) {
                    *a += b;
                }
            }
        }
        gemm(c, h, h, &ws.sum, h, d2t, h, false, &mut ws.g, false);
        let nf = T::c(n as f64);
        for row in ws.g[..c * h].chunks_exact_mut(h) {
            for (v, &b) in row.iter_mut().zip(e2.iter()) {
                *v += nf * b;
            }
        }
        gemm(c, h, h, &ws.g, h, g1t, h, false, &mut ws.r, false);
        add_bias(&mut ws.r[..c * h], gb1, h);
        silu(&mut ws.r[..c * h], keep.then(|| &mut ws.dr[..c * h]));
        for mol in 0..c {
            ws.out[mol] = dot(&ws.r[mol * h..(mol + 1) * h], g2w) + gb2[0];
        }
    }

    /// The backward pass of the chunk's last `forward_chunk(…, keep = true)`: `gx = (∂o/∂x)ᵀ go`.
    #[inline(always)]
    fn backward_chunk(&self, ws: &mut Workspace<T>, c: usize, go: &[T], gx: &mut [T], train: bool) {
        let (n, h) = (self.n, self.h);
        let (e, h2) = (n * (n - 1), 2 * h);
        let (nc, ec) = (c * n, c * e);
        let (cap_n, cap_e) = (CHUNK * n, CHUNK * e);
        let [d1w, _, d2w, _, g1w, _, g2w, _] = &self.dec;
        let nl = self.layers.len();
        // Where each parameter starts in the flat vector (`Network::parameters`' order).
        let mut starts = Vec::with_capacity(2 + 10 * nl + 8);
        if train {
            let mut sizes = vec![h * self.width, h];
            for _ in 0..nl {
                sizes.extend([h * (h2 + 1), h, h * h, h, h, 1, h2 * h, h, h * h, h]);
            }
            sizes.extend([h * h, h, h * h, h, h * h, h, h, 1]);
            let mut at = 0;
            for sz in sizes {
                starts.push(at);
                at += sz;
            }
            ws.gtheta.clear();
            ws.gtheta.resize(at, T::zero());
        }
        let dec_at = |q: usize| starts[2 + 10 * nl + q];
        let layer_at = |l: usize, p: usize| starts[2 + 10 * l + p];
        let mut tmp = if train {
            vec![T::zero(); h * h]
        } else {
            Vec::new()
        };
        if train {
            // graph_dec.2: o = G_2 r + g_2.
            let (gw, gb) = (dec_at(6), dec_at(7));
            for (mol, &gov) in go.iter().enumerate().take(c) {
                for k in 0..h {
                    ws.gtheta[gw + k] += gov * ws.r[mol * h + k];
                }
                ws.gtheta[gb] += gov;
            }
        }
        // Graph decoder, sum over nodes, node decoder.
        for ((gc, dr), &gov) in ws.gc[..c * h]
            .chunks_exact_mut(h)
            .zip(ws.dr.chunks_exact(h))
            .zip(go)
        {
            for ((g, &w), &d) in gc.iter_mut().zip(g2w.iter()).zip(dr) {
                *g = gov * w * d;
            }
        }
        if train {
            // graph_dec.0: r = SiLU(G_1 g + g_1).
            let (gw, gb) = (dec_at(4), dec_at(5));
            gemm_at(
                h,
                h,
                c,
                &ws.gc,
                h,
                &ws.g,
                h,
                &mut ws.gtheta[gw..gw + h * h],
                true,
            );
            add_rows(&mut ws.gtheta[gb..gb + h], &ws.gc[..c * h], h, T::one());
        }
        gemm(c, h, h, &ws.gc, h, g1w, h, false, &mut ws.gc2, false);
        if train {
            // node_dec.2, applied to the sum over nodes: g = D_2 Σ_i SiLU(…) + n e_2.
            let (gw, gb) = (dec_at(2), dec_at(3));
            gemm_at(
                h,
                h,
                c,
                &ws.gc2,
                h,
                &ws.sum,
                h,
                &mut ws.gtheta[gw..gw + h * h],
                true,
            );
            let nf = T::c(n as f64);
            add_rows(&mut ws.gtheta[gb..gb + h], &ws.gc2[..c * h], h, nf);
        }
        gemm(c, h, h, &ws.gc2, h, d2w, h, false, &mut ws.gc, false);
        for mol in 0..c {
            let gs = &ws.gc[mol * h..(mol + 1) * h];
            let rows = mol * n * h..(mol + 1) * n * h;
            for (qr, dr) in ws.q[rows.clone()]
                .chunks_exact_mut(h)
                .zip(ws.dq[rows].chunks_exact(h))
            {
                for ((q, &g), &d) in qr.iter_mut().zip(gs).zip(dr) {
                    *q = g * d;
                }
            }
        }
        if train {
            // node_dec.0: SiLU(D_1 h_i + e_1).
            let (gw, gb) = (dec_at(0), dec_at(1));
            gemm_at(
                h,
                h,
                nc,
                &ws.q,
                h,
                &ws.h,
                h,
                &mut ws.gtheta[gw..gw + h * h],
                true,
            );
            add_rows(&mut ws.gtheta[gb..gb + h], &ws.q[..nc * h], h, T::one());
        }
        gemm(nc, h, h, &ws.q, h, d1w, h, false, &mut ws.gh, false);
        ws.gd[..ec].iter_mut().for_each(|v| *v = T::zero());
        for (l, layer) in self.layers.iter().enumerate().rev() {
            let (eo, no) = (l * cap_e, l * cap_n);
            if train {
                // node_mlp.2: h ← h + V_2 SiLU(n_1) + c_2.
                let (gw, gb) = (layer_at(l, 8), layer_at(l, 9));
                let nn = &ws.nn[no * h..(no + nc) * h];
                gemm_at(
                    h,
                    h,
                    nc,
                    &ws.gh,
                    h,
                    nn,
                    h,
                    &mut ws.gtheta[gw..gw + h * h],
                    true,
                );
                add_rows(&mut ws.gtheta[gb..gb + h], &ws.gh[..nc * h], h, T::one());
            }
            // Node MLP: ∂n_1 = (∂h V_2) ⊙ SiLU', ∂v = ∂n_1 V_1.
            gemm(nc, h, h, &ws.gh, h, &layer.v2, h, false, &mut ws.gn, false);
            for (g, &d) in ws.gn[..nc * h]
                .iter_mut()
                .zip(&ws.dn[no * h..(no + nc) * h])
            {
                *g *= d;
            }
            if train {
                // node_mlp.0 on v = [h, m_i].
                let (gw, gb) = (layer_at(l, 6), layer_at(l, 7));
                let vv = &ws.vv[no * h2..(no + nc) * h2];
                gemm_at(
                    h,
                    h2,
                    nc,
                    &ws.gn,
                    h,
                    vv,
                    h2,
                    &mut ws.gtheta[gw..gw + h * h2],
                    true,
                );
                add_rows(&mut ws.gtheta[gb..gb + h], &ws.gn[..nc * h], h, T::one());
            }
            gemm(
                nc, h2, h, &ws.gn, h, &layer.v1, h2, false, &mut ws.gv, false,
            );
            // Gate and edge MLP's second layer: ∂z_2 = (s ∂m_i + (∂m_i · m) s (1 − s) wₐ) ⊙ SiLU'(z_2).
            let m = &ws.m[eo * h..(eo + ec) * h];
            let d2 = &ws.d2[eo * h..(eo + ec) * h];
            let s = &ws.s[eo..eo + ec];
            let att = &layer.att[..h];
            for node in 0..nc {
                let gm = &ws.gv[node * h2 + h..(node + 1) * h2];
                for ed in node * (n - 1)..(node + 1) * (n - 1) {
                    let (mrow, drow) = (&m[ed * h..(ed + 1) * h], &d2[ed * h..(ed + 1) * h]);
                    let sv = s[ed];
                    let coef = dot(gm, mrow) * sv * (T::one() - sv);
                    if train {
                        // att_mlp.0: s = σ(wₐ · m + bₐ).
                        let (gw, gb) = (layer_at(l, 4), layer_at(l, 5));
                        for (a, &mv) in ws.gtheta[gw..gw + h].iter_mut().zip(mrow) {
                            *a += coef * mv;
                        }
                        ws.gtheta[gb] += coef;
                    }
                    let gz = &mut ws.gz[ed * h..(ed + 1) * h];
                    for (((g, &gmv), &av), &dv) in gz.iter_mut().zip(gm).zip(att).zip(drow) {
                        *g = (sv * gmv + coef * av) * dv;
                    }
                }
            }
            if train {
                // edge_mlp.2 on u = SiLU(z_1).
                let (gw, gb) = (layer_at(l, 2), layer_at(l, 3));
                let uu = &ws.uu[eo * h..(eo + ec) * h];
                gemm_at(
                    h,
                    h,
                    ec,
                    &ws.gz,
                    h,
                    uu,
                    h,
                    &mut ws.gtheta[gw..gw + h * h],
                    true,
                );
                add_rows(&mut ws.gtheta[gb..gb + h], &ws.gz[..ec * h], h, T::one());
            }
            gemm(ec, h, h, &ws.gz, h, &layer.w2, h, false, &mut ws.gu, false);
            // ∂z_1 = ∂u ⊙ SiLU'(z_1); ∂d_ij += w · ∂z_1; Σ_j ∂z_1 and Σ_i ∂z_1 per node.
            let d1 = &ws.d1[eo * h..(eo + ec) * h];
            for (g, &d) in ws.gu[..ec * h].iter_mut().zip(d1) {
                *g *= d;
            }
            let w = &layer.w[..h];
            for (gd, row) in ws.gd[..ec].iter_mut().zip(ws.gu.chunks_exact(h)) {
                *gd += dot(row, w);
            }
            if l == 0 && !train {
                break;
            }
            ws.gij[..nc * h2].iter_mut().for_each(|v| *v = T::zero());
            let mut ed = 0;
            for mol in 0..c {
                for i in 0..n {
                    for j in (0..n).filter(|&j| j != i) {
                        let row = &ws.gu[ed * h..(ed + 1) * h];
                        let bi = (mol * n + i) * h2;
                        for (a, &r) in ws.gij[bi..bi + h].iter_mut().zip(row) {
                            *a += r;
                        }
                        let bj = (mol * n + j) * h2 + h;
                        for (a, &r) in ws.gij[bj..bj + h].iter_mut().zip(row) {
                            *a += r;
                        }
                        ed += 1;
                    }
                }
            }
            if train {
                // edge_mlp.0: W_1 = [A | B | w] on [h_i, h_j, d_ij].
                let (gw, gb) = (layer_at(l, 0), layer_at(l, 1));
                let vv = &ws.vv[no * h2..(no + nc) * h2];
                for half in 0..2 {
                    gemm_at(h, h, nc, &ws.gij[half * h..], h2, vv, h2, &mut tmp, false);
                    for o in 0..h {
                        let row = gw + o * (h2 + 1) + half * h;
                        for (a, &t) in ws.gtheta[row..row + h]
                            .iter_mut()
                            .zip(&tmp[o * h..(o + 1) * h])
                        {
                            *a += t;
                        }
                    }
                }
                for (row, &dd) in ws.gu[..ec * h].chunks_exact(h).zip(&ws.dist[..ec]) {
                    for (o, &g) in row.iter().enumerate() {
                        ws.gtheta[gw + o * (h2 + 1) + h2] += g * dd;
                    }
                }
                add_rows(&mut ws.gtheta[gb..gb + h], &ws.gu[..ec * h], h, T::one());
            }
            // ∂h ← ∂h (residual) + ∂v[:, :H] + [Σ_j ∂z_1, Σ_i ∂z_1] [A; B].
            for (gh, gv) in ws.gh[..nc * h]
                .chunks_exact_mut(h)
                .zip(ws.gv.chunks_exact(h2))
            {
                for (a, &b) in gh.iter_mut().zip(&gv[..h]) {
                    *a += b;
                }
            }
            gemm(
                nc, h, h2, &ws.gij, h2, &layer.ab, h, false, &mut ws.gh, true,
            );
        }
        if train {
            // embedding: h⁰_i = W_e a_i + b_e.
            let (gw, gb) = (starts[0], starts[1]);
            let wd = self.width;
            for (node, gh) in ws.gh[..nc * h].chunks_exact(h).enumerate() {
                let a = &self.features[(node % n) * wd..(node % n + 1) * wd];
                for (o, &g) in gh.iter().enumerate() {
                    for (t, &av) in ws.gtheta[gw + o * wd..gw + (o + 1) * wd].iter_mut().zip(a) {
                        *t += g * av;
                    }
                }
            }
            add_rows(&mut ws.gtheta[gb..gb + h], &ws.gh[..nc * h], h, T::one());
        }
        // ∇ₓ: d_ij = ‖x_i − x_j‖².
        gx.iter_mut().for_each(|v| *v = T::zero());
        let two = T::c(2.0);
        let mut ed = 0;
        for gm in gx.chunks_exact_mut(3 * n).take(c) {
            for i in 0..n {
                for j in (0..n).filter(|&j| j != i) {
                    let t = two * ws.gd[ed];
                    for a in 0..3 {
                        let v = t * ws.diff[3 * ed + a];
                        gm[3 * i + a] += v;
                        gm[3 * j + a] -= v;
                    }
                    ed += 1;
                }
            }
        }
    }

    fn forward_dispatch(&self, ws: &mut Workspace<T>, x: &[T], c: usize, keep: bool, train: bool) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has AVX2 and FMA (checked just above).
            unsafe { forward_avx2(self, ws, x, c, keep, train) };
            return;
        }
        self.forward_chunk(ws, x, c, keep, train);
    }

    fn backward_dispatch(
        &self,
        ws: &mut Workspace<T>,
        c: usize,
        go: &[T],
        gx: &mut [T],
        train: bool,
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has AVX2 and FMA (checked just above).
            unsafe { backward_avx2(self, ws, c, go, gx, train) };
            return;
        }
        self.backward_chunk(ws, c, go, gx, train);
    }

    /// The forward pass of the whole batch in parallel chunks; the outputs in `out`.
    fn forward_all(&self, x: &[T], batch: usize, keep: bool, out: &mut [T]) -> Vec<Workspace<T>> {
        self.forward_all_mode(x, batch, keep, false, out)
    }

    fn forward_all_mode(
        &self,
        x: &[T],
        batch: usize,
        keep: bool,
        train: bool,
        out: &mut [T],
    ) -> Vec<Workspace<T>> {
        let d = 3 * self.n;
        let tasks = batch.div_ceil(CHUNK);
        let mut wss = self.take(tasks);
        wss.par_iter_mut()
            .zip(x.par_chunks(CHUNK * d))
            .zip(out.par_chunks_mut(CHUNK))
            .for_each(|((ws, xc), oc)| {
                let c = xc.len() / d;
                self.forward_dispatch(ws, xc, c, keep, train);
                oc.copy_from_slice(&ws.out[..c]);
            });
        wss
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn forward_avx2<T: Float>(
    net: &FastEgnn<T>,
    ws: &mut Workspace<T>,
    x: &[T],
    c: usize,
    keep: bool,
    train: bool,
) {
    net.forward_chunk(ws, x, c, keep, train);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn backward_avx2<T: Float>(
    net: &FastEgnn<T>,
    ws: &mut Workspace<T>,
    c: usize,
    go: &[T],
    gx: &mut [T],
    train: bool,
) {
    net.backward_chunk(ws, c, go, gx, train);
}

/// The training pass's state between its forward and backward halves ([`FastEgnn::train_forward`]).
pub(crate) struct TrainState<T> {
    wss: Vec<Workspace<T>>,
    batch: usize,
}

impl<T: Float> FastEgnn<T> {
    /// The forward pass of a training step: the outputs, and what the backward pass needs.
    pub(crate) fn train_forward(&self, x: &[T], batch: usize) -> (Vec<T>, TrainState<T>) {
        let mut out = vec![T::zero(); batch];
        let wss = self.forward_all_mode(x, batch, true, true, &mut out);
        (out, TrainState { wss, batch })
    }

    /// The backward pass of a training step for `go = ∂L/∂o`: `(∂L/∂x, ∂L/∂θ)`, θ flat in
    /// [`crate::Network::parameters`]' order.
    pub(crate) fn train_backward(&self, mut state: TrainState<T>, go: &[T]) -> (Vec<T>, Vec<T>) {
        let d = 3 * self.n;
        let mut gx = vec![T::zero(); state.batch * d];
        state
            .wss
            .par_iter_mut()
            .zip(go.par_chunks(CHUNK))
            .zip(gx.par_chunks_mut(CHUNK * d))
            .for_each(|((ws, gc), gxc)| {
                self.backward_dispatch(ws, gc.len(), gc, gxc, true);
            });
        let mut gtheta = vec![T::zero(); self.parameter_count()];
        for ws in &state.wss {
            for (a, &b) in gtheta.iter_mut().zip(&ws.gtheta) {
                *a += b;
            }
        }
        self.give(state.wss);
        (gx, gtheta)
    }
}

impl<T: Float> FastNet<T> for FastEgnn<T> {
    fn in_dim(&self) -> usize {
        3 * self.n
    }
    fn out_dim(&self) -> usize {
        1
    }
    fn forward(&self, x: &[T], batch: usize, out: &mut [T]) -> Result<()> {
        ensure_dim("EGNN input", batch * 3 * self.n, x.len())?;
        ensure_dim("EGNN output", batch, out.len())?;
        let wss = self.forward_all(x, batch, false, out);
        self.give(wss);
        Ok(())
    }
    fn forward_backward(
        &self,
        x: &[T],
        batch: usize,
        head: &mut HeadFn<'_, T>,
        grad_in: &mut [T],
    ) -> Result<()> {
        let d = 3 * self.n;
        ensure_dim("EGNN input", batch * d, x.len())?;
        ensure_dim("EGNN input gradient", batch * d, grad_in.len())?;
        let mut out = vec![T::zero(); batch];
        let mut wss = self.forward_all(x, batch, true, &mut out);
        let mut g = vec![T::zero(); batch];
        if let Err(err) = head(&out, &mut g) {
            self.give(wss);
            return Err(err);
        }
        wss.par_iter_mut()
            .zip(g.par_chunks(CHUNK))
            .zip(grad_in.par_chunks_mut(CHUNK * d))
            .for_each(|((ws, gc), gx)| {
                self.backward_dispatch(ws, gc.len(), gc, gx, false);
            });
        self.give(wss);
        Ok(())
    }
}
