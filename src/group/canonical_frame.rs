//! The canonical frame of a point cloud: the orbit map of E(m) × S_k (or SE(m) × S_k).

use super::permutations::total_cmp;
use super::translations::{center, check_cloud};
use super::OrbitMap;
use crate::error::{Error, Result};
use crate::real::{dot, Real};
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

/// The canonical representative of a point cloud of `k` particles in `R^m` (`m` = 2 or 3) under rigid motions
/// and permutations: the invariant map of the invariant-map kernel for DW-4 and QM9 (ESVGD.md §2). With
/// `x ∈ R^{k·m}` (particle `p` is `x[p·m..(p+1)·m]`), `P(x) ∈ R^{k·m}` is computed by
///
/// 1. centering, `y_p = x_p − (1/k) Σ_q x_q`;
/// 2. sorting the particles by radius `‖y_p‖`, ascending (exact ties keep input order): `z_j = y_{σ(j)}`;
/// 3. rotating into the frame `R = [e₁; e₂; (e₃)]` (rows), `P(x)_j = S R z_j`, where, with `a = z_{k−1}` the
///    farthest particle, `e₁ = a / ‖a‖` (so the farthest particle lies on +x), and
///    - in 2-D, `e₂ = (−e₁,y, e₁,x)` (`R` is a rotation);
///    - in 3-D, with `w_j = z_j − (e₁·z_j) e₁` the component of particle `j` orthogonal to the x-axis,
///      `b = z_B` is the particle (other than the anchor) maximising `‖z_j‖ · ‖w_j‖` (ties: the first in
///      sorted order), `w = w_B`, `e₂ = w / ‖w‖`, `e₃ = e₁ × e₂`; so `b` lies in the xy-plane with positive y.
///      This fixes the rotation about the x-axis too: unlike the paper's code, which leaves it free (making its
///      3-D kernel only partly SO(3)-invariant), this map fixes every continuous degree of freedom and is fully
///      SE(3) × S_k invariant. The score favours particles far from the axis (a well-conditioned frame) and is
///      weighted by the radius because centering forces ties in `‖w_j‖` alone: with `k = 3` the two
///      non-anchor particles always have `w₀ = −w₁`, and a rule on `‖w_j‖` would pick between them by
///      rounding noise.
/// 4. `S = I` by default (the paper's choice: invariant to SE(m) × S_k, **not** to reflections). With
///    [`CanonicalFrame::with_quotient_reflections`]`(true)`, `S = diag(1, s)` in 2-D or `diag(1, 1, s)` in
///    3-D, with `s = ±1` the sign of the radius-weighted moment `μ = Σ_j ‖z_j‖ c_j` of the last frame
///    coordinates `c_j` (`s = +1` when `μ = 0`), so that the output has `μ ≥ 0`. A reflection negates every
///    `c_j` and so `μ`; the map is then E(m) × S_k invariant. (The radius weights matter: `Σ_j c_j = 0` by
///    centering, and for `k = 4` in 3-D, or `k = 3` in 2-D, the free coordinates come in pairs `±c`, so rules
///    such as "the largest `|c_j|`" or `Σ c_j³` are always at a tie.) It is not differentiable where `μ = 0`.
///
/// Degenerate configurations: if every particle sits at the centroid the frame is the identity; if in 3-D all
/// particles are collinear with the anchor (`‖w‖ ≤ 16 ε ‖a‖`), `e₂` is the coordinate axis least aligned with
/// `e₁`, orthogonalised (the output, all on the x-axis, is invariant anyway).
///
/// **Vector–Jacobian product.** Away from ties in the sort and in the choice of `b`, from `μ = 0` (and from
/// the degenerate sets) `σ`, `B` and `S` are locally constant and the VJP is exact. With
/// `u_j = S v_j`: the direct term is `∂/∂z_j += Rᵀ u_j`; the frame term uses `g_i = Σ_j u_j^{(i)} z_j`, the
/// gradient with respect to row `e_i`, back-propagated through `e₃ = e₁ × e₂` (`∂/∂e₁ += e₂ × g₃`,
/// `∂/∂e₂ += g₃ × e₁`), `e₂ = w/‖w‖` (`ḡ_w = (I − e₂e₂ᵀ) G₂ / ‖w‖`), `w = b − (e₁·b) e₁`
/// (`∂/∂b += ḡ_w − (e₁·ḡ_w) e₁`, `∂/∂e₁ −= (e₁·ḡ_w) b + (e₁·b) ḡ_w`), and `e₁ = a/‖a‖`
/// (`∂/∂a += (I − e₁e₁ᵀ) G₁ / ‖a‖`); in 2-D `∂/∂e₁ += (g₂,y, −g₂,x)`. The sort is undone (`∂/∂y_{σ(j)} = ∂/∂z_j`)
/// and centering, a symmetric projection, is applied to the result. In the degenerate cases the frame is held
/// fixed where it is undefined.
///
/// ```
/// use equistein::group::{Group, OrbitMap, PointCloud};
/// use rand_core::SeedableRng;
/// let g = PointCloud::new(4, 3).unwrap();
/// let p = g.orbit_map();
/// let x = [0.1, 0.2, 0.3, 1.5, -0.2, 0.4, -0.7, 0.9, 0.1, 0.3, -0.4, -1.2];
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
/// // A random rotation (possibly with a reflection, which the default map does not quotient: undo it).
/// let mut e = g.sample(&mut rng);
/// let q = e.rotation().to_vec();
/// let det = q[0] * (q[4] * q[8] - q[5] * q[7]) - q[1] * (q[3] * q[8] - q[5] * q[6])
///     + q[2] * (q[3] * q[7] - q[4] * q[6]);
/// if det < 0.0 {
///     let q: Vec<f64> = q.iter().map(|v| -v).collect();
///     e = g.element(q, e.translation().to_vec(), e.permutation().to_vec()).unwrap();
/// }
/// let mut y = [0.0; 12];
/// g.act(&e, &x, &mut y);
/// let (mut px, mut py) = ([0.0; 12], [0.0; 12]);
/// p.map(&x, &mut px);
/// p.map(&y, &mut py);
/// assert!(px.iter().zip(&py).all(|(a, b)| (a - b).abs() < 1e-12));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CanonicalFrame {
    k: usize,
    m: usize,
    quotient_reflections: bool,
}

/// Values held inline (on the stack) for a cloud of up to this many coordinates: DW-4 (8) and QM9's 14 atoms
/// in 3-D (42) fit, so [`OrbitMap::map`] and [`OrbitMap::vjp`] allocate nothing there.
const INLINE: usize = 48;

/// A zero-initialised buffer of `len` values, inline when `len ≤ INLINE`.
struct Scratch<T: Copy> {
    inline: [T; INLINE],
    heap: Vec<T>,
    len: usize,
}

impl<T: Copy> Scratch<T> {
    fn filled(len: usize, v: T) -> Self {
        Scratch {
            inline: [v; INLINE],
            heap: if len > INLINE {
                vec![v; len]
            } else {
                Vec::new()
            },
            len,
        }
    }
}

impl<T: Copy> core::ops::Deref for Scratch<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        if self.len <= INLINE {
            &self.inline[..self.len]
        } else {
            &self.heap
        }
    }
}

impl<T: Copy> core::ops::DerefMut for Scratch<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        if self.len <= INLINE {
            &mut self.inline[..self.len]
        } else {
            &mut self.heap
        }
    }
}

/// The frame of one configuration.
struct Frame<T: Copy> {
    /// Centered particles in sorted order, `z_j`, `k × m`.
    z: Scratch<T>,
    /// `σ`: `order[j]` is the input particle at sorted position `j`.
    order: Scratch<usize>,
    /// Rows `e₁, e₂, (e₃)` of `R`, row-major `m × m`.
    e: [T; 9],
    /// `‖a‖` (0 when degenerate).
    na: T,
    /// The sorted position `B` of `b` and `‖w‖`, in 3-D when not collinear.
    second: Option<(usize, T)>,
    /// The sign `s` of the last frame axis.
    s: T,
}

impl CanonicalFrame {
    /// The canonical frame of `k ≥ 1` particles in `R^m`, `m ∈ {2, 3}`, not quotienting reflections.
    pub fn new(k: usize, m: usize) -> Result<Self> {
        check_cloud(k, m)?;
        if m != 2 && m != 3 {
            return Err(Error::InvalidParameter {
                name: "particle dimension",
                reason: format!("CanonicalFrame supports m = 2 or 3, got {m}"),
            });
        }
        Ok(Self::from_cloud(k, m))
    }

    /// For dimensions already validated.
    pub(crate) fn from_cloud(k: usize, m: usize) -> Self {
        CanonicalFrame {
            k,
            m,
            quotient_reflections: false,
        }
    }

    /// Whether to also fix the sign of the last axis (making the map invariant to reflections too).
    pub fn with_quotient_reflections(self, quotient_reflections: bool) -> Self {
        CanonicalFrame {
            quotient_reflections,
            ..self
        }
    }

    /// Whether reflections are quotiented.
    pub fn quotient_reflections(&self) -> bool {
        self.quotient_reflections
    }

    fn frame<T: Real>(&self, x: &[T]) -> Frame<T> {
        let (k, m) = (self.k, self.m);
        let mut y = Scratch::filled(k * m, T::zero());
        center(&x[..k * m], k, m, &mut y);
        let mut radii = Scratch::filled(k, T::zero());
        for (r, yp) in radii.iter_mut().zip(y.chunks_exact(m)) {
            *r = dot_self(yp);
        }
        let mut order = Scratch::filled(k, 0usize);
        for (p, o) in order.iter_mut().enumerate() {
            *o = p;
        }
        order.sort_by(|&p, &q| total_cmp(radii[p], radii[q]));
        let mut z = Scratch::filled(k * m, T::zero());
        for (j, &p) in order.iter().enumerate() {
            z[j * m..(j + 1) * m].copy_from_slice(&y[p * m..(p + 1) * m]);
        }
        let anchor = k - 1;
        let a = &z[anchor * m..(anchor + 1) * m];
        let na = dot_self(a).sqrt();
        let mut e = [T::zero(); 9];
        let mut second = None;
        if na.is_nan() || na <= T::zero() {
            for i in 0..m {
                e[i * m + i] = T::one();
            }
            return Frame {
                z,
                order,
                e,
                na: T::zero(),
                second,
                s: T::one(),
            };
        }
        let mut e1 = [T::zero(); 3];
        for (o, &v) in e1.iter_mut().zip(a) {
            *o = v / na;
        }
        let e1 = &e1[..m];
        if m == 2 {
            e = [
                e1[0],
                e1[1],
                -e1[1],
                e1[0],
                T::zero(),
                T::zero(),
                T::zero(),
                T::zero(),
                T::zero(),
            ];
        } else {
            // The particle maximising ‖z_j‖ · ‖w_j‖ (squared here).
            let mut best: Option<(usize, T, T)> = None;
            for j in 0..anchor {
                let zj = &z[j * m..(j + 1) * m];
                let d2 = dot_self(&perp(zj, e1));
                let score = d2 * dot_self(zj);
                if best.is_none_or(|(_, _, b)| score > b) {
                    best = Some((j, d2, score));
                }
            }
            let mut e2 = [T::zero(); 3];
            match best {
                Some((j, d2, _)) if d2.sqrt() > T::c(16.0) * T::epsilon() * na => {
                    let nw = d2.sqrt();
                    let w = perp(&z[j * m..(j + 1) * m], e1);
                    for i in 0..3 {
                        e2[i] = w[i] / nw;
                    }
                    second = Some((j, nw));
                }
                _ => {
                    // Collinear: the coordinate axis least aligned with e₁, orthogonalised.
                    let mut axis = 0;
                    for i in 1..3 {
                        if e1[i].abs() < e1[axis].abs() {
                            axis = i;
                        }
                    }
                    let mut c = [T::zero(); 3];
                    c[axis] = T::one();
                    let w = perp(&c, e1);
                    let nw = dot_self(&w).sqrt();
                    for i in 0..3 {
                        e2[i] = w[i] / nw;
                    }
                }
            }
            let e3 = cross(e1, &e2);
            e = [
                e1[0], e1[1], e1[2], e2[0], e2[1], e2[2], e3[0], e3[1], e3[2],
            ];
        }
        let mut s = T::one();
        if self.quotient_reflections {
            let last = &e[(m - 1) * m..m * m];
            let moment: T = z
                .chunks_exact(m)
                .map(|zj| dot_self(zj).sqrt() * dot(last, zj))
                .sum();
            if moment < T::zero() {
                s = -T::one();
            }
        }
        Frame {
            z,
            order,
            e,
            na,
            second,
            s,
        }
    }
}

/// `‖v‖²`.
#[inline]
fn dot_self<T: Real>(v: &[T]) -> T {
    dot(v, v)
}

/// `v − (e·v) e` in 3-D.
#[inline]
fn perp<T: Real>(v: &[T], e: &[T]) -> [T; 3] {
    let c = dot(v, e);
    [v[0] - c * e[0], v[1] - c * e[1], v[2] - c * e[2]]
}

/// `a × b`.
#[inline]
fn cross<T: Real>(a: &[T], b: &[T]) -> [T; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

impl<T: Real> OrbitMap<T> for CanonicalFrame {
    fn input_dim(&self) -> usize {
        self.k * self.m
    }
    fn output_dim(&self) -> usize {
        self.k * self.m
    }
    fn map(&self, x: &[T], out: &mut [T]) {
        let m = self.m;
        let f = self.frame(x);
        for (oj, zj) in out.chunks_exact_mut(m).zip(f.z.chunks_exact(m)) {
            for (i, o) in oj.iter_mut().enumerate() {
                *o = dot(&f.e[i * m..(i + 1) * m], zj);
            }
            oj[m - 1] = f.s * oj[m - 1];
        }
    }

    fn vjp(&self, x: &[T], v: &[T], out: &mut [T]) {
        let f = self.frame(x);
        let n = self.k * self.m;
        let (mut gz, mut gy) = (Scratch::filled(n, T::zero()), Scratch::filled(n, T::zero()));
        self.backward(&f, v, &mut gz, &mut gy, out);
    }

    /// The `p` vector–Jacobian products share one frame (centering, sort, axes): one pass of the forward map
    /// instead of `p`.
    fn jacobian_t(&self, x: &[T], out: &mut [T]) {
        let (d, p) = (self.k * self.m, self.k * self.m);
        let f = self.frame(x);
        if self.m == 2 && f.na > T::zero() {
            self.jacobian_t_2d(&f, &mut out[..d * p]);
            return;
        }
        let mut e = Scratch::filled(p, T::zero());
        let (mut gz, mut gy) = (Scratch::filled(d, T::zero()), Scratch::filled(d, T::zero()));
        for (c, col) in out[..d * p].chunks_exact_mut(d).enumerate() {
            e[c] = T::one();
            self.backward(&f, &e, &mut gz, &mut gy, col);
            e[c] = T::zero();
        }
    }
}

impl CanonicalFrame {
    /// `J_P(x)ᵀ` in the plane, in closed form. With `R = [e₁; e₂]`, `e₂ = (−e₁,y, e₁,x)`, `(p_j, q_j) = R z_j`
    /// and `∂e₁/∂a = e₂e₂ᵀ/‖a‖`, `∂e₂/∂a = −e₁e₂ᵀ/‖a‖`, the output `P_j = S R z_j` has
    /// `∂P_j/∂z_j = S R` and `∂P_j/∂a = S (q_j, −p_j)ᵀ e₂ᵀ / ‖a‖` (`a` the anchor); column `(j, i)` of `Jᵀ` is
    /// then `s_i R_i` at particle `σ(j)` plus `s_i (q_j, −p_j)_i / ‖a‖ · e₂` at the anchor's particle, centred.
    fn jacobian_t_2d<T: Real>(&self, f: &Frame<T>, out: &mut [T]) {
        let (k, d) = (self.k, 2 * self.k);
        let (e1, e2) = ([f.e[0], f.e[1]], [f.e[2], f.e[3]]);
        let inv_k = T::one() / T::c(k as f64);
        let anchor = f.order[k - 1];
        out.iter_mut().for_each(|v| *v = T::zero());
        for j in 0..k {
            let zj = &f.z[2 * j..2 * j + 2];
            let (pj, qj) = (dot(&e1, zj), dot(&e2, zj));
            let particle = f.order[j];
            for i in 0..2 {
                let (si, r, w) = if i == 0 {
                    (T::one(), e1, qj)
                } else {
                    (f.s, e2, -pj)
                };
                let w = si * w / f.na;
                let direct = [si * r[0], si * r[1]];
                let frame = [w * e2[0], w * e2[1]];
                let col = &mut out[(2 * j + i) * d..(2 * j + i + 1) * d];
                for c in 0..2 {
                    let mean = (direct[c] + frame[c]) * inv_k;
                    for q in 0..k {
                        col[2 * q + c] -= mean;
                    }
                    col[2 * particle + c] += direct[c];
                    col[2 * anchor + c] += frame[c];
                }
            }
        }
    }

    /// `out = J_P(x)ᵀ v` for the frame `f` of `x`; `gz` and `gy` are scratch space of `k·m` values.
    fn backward<T: Real>(&self, f: &Frame<T>, v: &[T], gz: &mut [T], gy: &mut [T], out: &mut [T]) {
        let (k, m) = (self.k, self.m);
        let row = |i: usize| &f.e[i * m..(i + 1) * m];
        // gz_j = Rᵀ u_j and g_i = Σ_j u_j^{(i)} z_j, with u_j = S v_j.
        gz.iter_mut().for_each(|g| *g = T::zero());
        let mut g = [[T::zero(); 3]; 3];
        for j in 0..k {
            let vj = &v[j * m..(j + 1) * m];
            if vj.iter().all(|&c| c == T::zero()) {
                // Nothing to add (the Jacobian's columns are products with unit vectors).
                continue;
            }
            let mut u = [T::zero(); 3];
            u[..m].copy_from_slice(vj);
            u[m - 1] = f.s * u[m - 1];
            let zj = &f.z[j * m..(j + 1) * m];
            for i in 0..m {
                for c in 0..m {
                    gz[j * m + c] += u[i] * row(i)[c];
                    g[i][c] += u[i] * zj[c];
                }
            }
        }
        if f.na > T::zero() {
            let e1 = row(0);
            let mut g1 = [T::zero(); 3];
            g1[..m].copy_from_slice(&g[0][..m]);
            if m == 2 {
                g1[0] += g[1][1];
                g1[1] -= g[1][0];
            } else if let Some((bj, nw)) = f.second {
                let (e2, g3) = (row(1), &g[2][..]);
                // e₃ = e₁ × e₂.
                let d1 = cross(e2, g3);
                let d2 = cross(g3, e1);
                let mut big2 = [T::zero(); 3];
                for c in 0..3 {
                    g1[c] += d1[c];
                    big2[c] = g[1][c] + d2[c];
                }
                // e₂ = w / ‖w‖.
                let p2 = dot(e2, &big2);
                let mut gw = [T::zero(); 3];
                for (c, g) in gw.iter_mut().enumerate() {
                    *g = (big2[c] - p2 * e2[c]) / nw;
                }
                // w = b − (e₁·b) e₁.
                let b = &f.z[bj * m..(bj + 1) * m];
                let (e1gw, e1b) = (dot(e1, &gw), dot(e1, b));
                for c in 0..3 {
                    gz[bj * m + c] += gw[c] - e1gw * e1[c];
                    g1[c] -= e1gw * b[c] + e1b * gw[c];
                }
            } else {
                // Collinear 3-D configuration: e₂, e₃ held fixed.
            }
            // e₁ = a / ‖a‖.
            let p1 = dot(e1, &g1[..m]);
            let anchor = k - 1;
            for c in 0..m {
                gz[anchor * m + c] += (g1[c] - p1 * e1[c]) / f.na;
            }
        }
        // Undo the sort, then the centering (a symmetric projection).
        for (j, &p) in f.order.iter().enumerate() {
            gy[p * m..(p + 1) * m].copy_from_slice(&gz[j * m..(j + 1) * m]);
        }
        center(gy, k, m, out);
    }
}
