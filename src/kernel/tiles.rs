//! The RBF Stein direction for large `d` with register-tiled matrix products and the kernel fused into the
//! first one: the fast engine behind [`super::gram::rbf_gram`] on x86-64 with AVX-512 or AVX2 + FMA.
//!
//! Same quantities as [`super::gram`]: with centred targets `X̃`, centred sources `Z̃`, `W = γS − cZ̃` and a
//! block of targets `b`,
//!
//! 1. `G = Z̃ᵀ X̃_b`, and in the same pass `K[j, i] = exp(−max(0, ‖z̃_j‖² + ‖x̃_i‖² − 2G[j, i]) / (2h²))` and
//!    `Σ_j K[j, i]`: each `NC × 2W` tile of `G` (`NC` sources, two vectors of targets) is accumulated in
//!    registers over all `d` features and turned into kernel values before it is stored;
//! 2. `Φ_b = (W K + c X̃_b diag(1ᵀK)) / N`, tiled the same way (`NC` features × `2W` targets, over all sources).
//!
//! Both products run one micro-kernel: `2W` targets in two vector registers times `NC` broadcast values (12
//! with AVX-512's 32 registers, 6 with AVX2's 16), `2·NC` fused multiply–adds per step with no shuffles. The
//! operands are laid out once so that every load is contiguous: the sources packed in panels of `NC`, `W`
//! padded to a multiple of `NC` features, the targets of a block in panels of `2W`, and `K` written directly in
//! the layout the second product reads. Per step: `O(N·d)` for the packed sources, per thread `O(N·B + B·d)`
//! for a block of `B` targets; the `n × N` matrix is never formed.
//!
//! Blocks are fixed (`4 · 2W` targets) and each is computed the same way on any thread, so the result does not
//! depend on the thread count.

use super::fused::{Isa, Sources, Targets};
use super::pool::{give, take, Pooled};
use super::simd::{cast_mut, F32x16, F32x8, F64x4, F64x8, Vector};
use crate::real::Real;
use alloc::vec;
use alloc::vec::Vec;
use core::any::TypeId;

/// Target panels (of `2W` targets) per block.
const PANELS: usize = 4;

/// Length of the slices of the inner dimension (features in the first product, sources in the second): a
/// target panel's slice is `KC · 2W` values, 16 KiB in `f64` and `f32`, which stays in L1.
const KC: usize = 128;

/// The inputs of [`gram_tiles`], as slices (column-major, one particle after another).
pub(crate) struct TileInput<'a, T> {
    /// Dimension `d`.
    pub d: usize,
    /// Targets, `d × n`.
    pub x: &'a [T],
    /// Sources, `d × N`.
    pub z: &'a [T],
    /// Scores of the sources, `d × N`.
    pub s: &'a [T],
    /// The centre subtracted from every point (the mean of the sources).
    pub centre: &'a [T],
    /// `γ`.
    pub gamma: T,
    /// `−1/(2h²)`.
    pub neg_half: T,
    /// `c = r/h²`.
    pub c: T,
    /// `1/N`.
    pub inv_n: T,
}

/// One problem for the tiled products: per target `i` (features `y_i ∈ R^p`) the sums over the sources (features
/// `f_j ∈ R^p`, payloads `u_j ∈ R^q`) `Σ_j k_ij u_j` and `Σ_j k_ij`, `k_ij = exp(nh·‖y_i − f_j‖²)` (computed as
/// `nh·max(0, ‖f_j‖² + ‖y_i‖² − 2f_jᵀy_i)`), written as `mode` says.
struct Problem<'a, U> {
    p: usize,
    q: usize,
    n_src: usize,
    /// Writes source `j`'s features.
    feat: &'a (dyn Fn(usize, &mut [U]) + Sync),
    /// Writes source `j`'s payload.
    payload: &'a (dyn Fn(usize, &mut [U]) + Sync),
    /// Writes target `i`'s features.
    target: &'a (dyn Fn(usize, &mut [U]) + Sync),
    /// `−1/(2h²)`.
    nh: U,
    mode: Mode<U>,
}

/// What a block writes per target.
#[derive(Clone, Copy)]
enum Mode<U> {
    /// The RBF Stein direction (`p = q = d`): `inv_n · Σ_j k_ij u_j + ci · (Σ_j k_ij) · y_i` (`d` values).
    Direction { inv_n: U, ci: U },
    /// The raw sums `[Σ_j k_ij u_j, Σ_j k_ij]` (`q + 1` values), as [`super::fused::fused_sums`] writes them.
    Sums,
}

impl<U> Problem<'_, U> {
    /// Output values per target.
    fn out_stride(&self) -> usize {
        match self.mode {
            Mode::Direction { .. } => self.q,
            Mode::Sums => self.q + 1,
        }
    }
}

/// What every block reads: the problem and the packed sources.
struct Prepared<'a, T> {
    pb: &'a Problem<'a, T>,
    /// Source panels of `NC`.
    panels: usize,
    /// `zpack[s·p·NC + a·NC + c] = f_(s·NC + c)[a]` (zero past `N`).
    zpack: Vec<T>,
    /// `‖f_j‖²`.
    zn: Vec<T>,
    /// The payloads, each padded to `qpad` values: `wpad[j·qpad + a]`.
    wpad: Vec<T>,
    qpad: usize,
}

/// Packs the sources (in parallel with the `parallel` feature: panels and columns are independent).
fn prepare<'a, T: Pooled>(pb: &'a Problem<'a, T>, nc: usize) -> Prepared<'a, T> {
    let (p, q, n_src) = (pb.p, pb.q, pb.n_src);
    let panels = n_src.div_ceil(nc);
    let qpad = q.div_ceil(nc) * nc;
    let mut zpack = take::<T>(panels * p * nc);
    let mut zn = take::<T>(panels * nc);
    let mut wpad = take::<T>(n_src * qpad);
    let pack_panel = |s: usize, zp: &mut [T], ns: &mut [T]| {
        let mut f = take::<T>(p);
        for c in 0..nc {
            let j = s * nc + c;
            if j < n_src {
                (pb.feat)(j, &mut f);
                let mut sq = T::zero();
                for (a, &v) in f.iter().enumerate() {
                    zp[a * nc + c] = v;
                    sq += v * v;
                }
                ns[c] = sq;
            } else {
                for a in 0..p {
                    zp[a * nc + c] = T::zero();
                }
                ns[c] = T::zero();
            }
        }
        give(f);
    };
    let pack_w = |j: usize, wj: &mut [T]| {
        (pb.payload)(j, &mut wj[..q]);
        for v in &mut wj[q..] {
            *v = T::zero();
        }
    };
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        zpack
            .par_chunks_mut(p * nc)
            .zip(zn.par_chunks_mut(nc))
            .enumerate()
            .for_each(|(s, (zp, ns))| pack_panel(s, zp, ns));
        wpad.par_chunks_mut(qpad)
            .enumerate()
            .with_min_len(64)
            .for_each(|(j, wj)| pack_w(j, wj));
    }
    #[cfg(not(feature = "parallel"))]
    {
        for (s, (zp, ns)) in zpack.chunks_mut(p * nc).zip(zn.chunks_mut(nc)).enumerate() {
            pack_panel(s, zp, ns);
        }
        for (j, wj) in wpad.chunks_mut(qpad).enumerate() {
            pack_w(j, wj);
        }
    }
    Prepared {
        pb,
        panels,
        zpack,
        zn,
        wpad,
        qpad,
    }
}

/// `acc[c][v] = Σ_k a[k·2W + v·W .. +W] · b[k·ldk + c]` for `k < len`: the micro-kernel of both products.
#[inline(always)]
unsafe fn tile<V: Vector, const NC: usize>(
    a: *const V::T,
    b: *const V::T,
    ldk: usize,
    len: usize,
) -> [[V; 2]; NC] {
    let zero = V::splat(<V::T as Real>::c(0.0));
    let mut acc = [[zero; 2]; NC];
    let pw = 2 * V::W;
    for k in 0..len {
        let a0 = V::load(a.add(k * pw));
        let a1 = V::load(a.add(k * pw + V::W));
        let bk = b.add(k * ldk);
        for (c, acc_c) in acc.iter_mut().enumerate() {
            let bc = V::splat(*bk.add(c));
            acc_c[0] = a0.fma(bc, acc_c[0]);
            acc_c[1] = a1.fma(bc, acc_c[1]);
        }
    }
    acc
}

/// Per-block scratch (from the thread's pool): packed targets, their norms, the kernel panels, the partial
/// products.
struct Scratch<T> {
    y: Vec<T>,
    x: Vec<T>,
    xn: Vec<T>,
    k: Vec<T>,
    phi: Vec<T>,
}

/// One block of targets `i0 ..`, `out` its slice of the output (`out_stride` values per target).
#[inline(always)]
#[allow(clippy::needless_range_loop)]
unsafe fn block<V: Vector, const NC: usize>(
    pr: &Prepared<'_, V::T>,
    i0: usize,
    out: &mut [V::T],
    s: &mut Scratch<V::T>,
) {
    let pb = pr.pb;
    let (d, w) = (pb.p, V::W);
    let pw = 2 * w;
    let os = pb.out_stride();
    let nb = out.len() / os;
    let np = nb.div_ceil(pw);
    let zero_t = <V::T as Real>::c(0.0);
    let zero = V::splat(zero_t);
    // Target features in panels: x[p·d·2W + a·2W + l] (padding lanes zero).
    let y = &mut s.y;
    for i in 0..np * pw {
        let (p, l) = (i / pw, i % pw);
        let mut sq = zero_t;
        if i < nb {
            (pb.target)(i0 + i, y);
            for (a, &v) in y.iter().enumerate() {
                s.x[p * d * pw + a * pw + l] = v;
                sq += v * v;
            }
        } else {
            for a in 0..d {
                s.x[p * d * pw + a * pw + l] = zero_t;
            }
        }
        s.xn[i] = sq;
    }
    // First product fused with the kernel: K panels k[p·npad·2W + j·2W + l], and Σ_j K per target. The
    // features are taken KC at a time so that a target panel's slice stays in L1 while the source panels
    // stream past; the partial G is kept in the K panels between slices.
    let n_src = pb.n_src;
    let npad = pr.panels * NC;
    let mut sums = [[zero; 2]; PANELS];
    let nh = V::splat(pb.nh);
    let mut k0 = 0;
    while k0 < d {
        let len = KC.min(d - k0);
        let (first, last) = (k0 == 0, k0 + len == d);
        for p in 0..np {
            let ap = s.x.as_ptr().add(p * d * pw + k0 * pw);
            let xn = [
                V::load(s.xn.as_ptr().add(p * pw)),
                V::load(s.xn.as_ptr().add(p * pw + w)),
            ];
            for q in 0..pr.panels {
                let bq = pr.zpack.as_ptr().add(q * d * NC + k0 * NC);
                let acc = tile::<V, NC>(ap, bq, NC, len);
                for c in 0..NC {
                    let j = q * NC + c;
                    if j >= n_src {
                        break;
                    }
                    let kp = s.k.as_mut_ptr().add(p * npad * pw + j * pw);
                    for v in 0..2 {
                        let mut g = acc[c][v];
                        if !first {
                            g = V::load(kp.add(v * w)).add(g);
                        }
                        if last {
                            let zj = V::splat(pr.zn[j]);
                            let d2 = zj.add(xn[v]).sub(g.add(g)).max(zero);
                            let kv = V::exp_nonpos(d2.mul(nh));
                            kv.store(kp.add(v * w));
                            sums[p][v] = sums[p][v].add(kv);
                        } else {
                            g.store(kp.add(v * w));
                        }
                    }
                }
            }
        }
        k0 += len;
    }
    let mut sum = [zero_t; PANELS * 32];
    for p in 0..np {
        sums[p][0].store(sum.as_mut_ptr().add(p * pw));
        sums[p][1].store(sum.as_mut_ptr().add(p * pw + w));
    }
    // Second product, KC sources at a time (a K panel's slice stays in L1 while the payload tiles stream
    // past), partial sums in `phi[p·qpad·2W + a·2W + l]`.
    let qpad = pr.qpad;
    let mut j0 = 0;
    while j0 < n_src {
        let len = KC.min(n_src - j0);
        let first = j0 == 0;
        for p in 0..np {
            let ap = s.k.as_ptr().add(p * npad * pw + j0 * pw);
            for t in 0..qpad / NC {
                let acc = tile::<V, NC>(ap, pr.wpad.as_ptr().add(j0 * qpad + t * NC), qpad, len);
                for c in 0..NC {
                    let fp = s.phi.as_mut_ptr().add(p * qpad * pw + (t * NC + c) * pw);
                    for v in 0..2 {
                        let mut f = acc[c][v];
                        if !first {
                            f = V::load(fp.add(v * w)).add(f);
                        }
                        f.store(fp.add(v * w));
                    }
                }
            }
        }
        j0 += len;
    }
    let q = pb.q;
    for i in 0..nb {
        let (p, l) = (i / pw, i % pw);
        let o = &mut out[i * os..(i + 1) * os];
        let phi = |a: usize| s.phi[p * qpad * pw + a * pw + l];
        match pb.mode {
            // Φ[a, i] = (W K)[a, i] / N + (c/N) (Σ_j K[j, i]) x̃_i[a].
            Mode::Direction { inv_n, ci } => {
                for a in 0..q {
                    let mut v = inv_n * phi(a);
                    v += ci * sum[i] * s.x[p * d * pw + a * pw + l];
                    o[a] = v;
                }
            }
            Mode::Sums => {
                for a in 0..q {
                    o[a] = phi(a);
                }
                o[q] = sum[i];
            }
        }
    }
}

#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn block_avx512<V: Vector>(
    pr: &Prepared<'_, V::T>,
    i0: usize,
    out: &mut [V::T],
    s: &mut Scratch<V::T>,
) {
    block::<V, 12>(pr, i0, out, s)
}

#[target_feature(enable = "avx2,fma")]
unsafe fn block_avx2<V: Vector>(
    pr: &Prepared<'_, V::T>,
    i0: usize,
    out: &mut [V::T],
    s: &mut Scratch<V::T>,
) {
    block::<V, 6>(pr, i0, out, s)
}

/// All blocks with the vectors `V` (`wide`: AVX-512 and 12 columns, else AVX2 and 6).
fn run<V: Vector>(pb: &Problem<'_, V::T>, wide: bool, out: &mut [V::T])
where
    V::T: Pooled,
{
    let nc = if wide { 12 } else { 6 };
    let pr = prepare(pb, nc);
    let pw = 2 * V::W;
    let bt = PANELS * pw;
    let npad = pr.panels * nc;
    let one = |(b, o): (usize, &mut [V::T])| {
        let mut s = Scratch {
            y: take(pb.p),
            x: take(PANELS * pb.p * pw),
            xn: take(PANELS * pw),
            k: take(PANELS * npad * pw),
            phi: take(PANELS * pr.qpad * pw),
        };
        if wide {
            // SAFETY: `wide` is set only after AVX-512 F was detected.
            unsafe { block_avx512::<V>(&pr, b * bt, o, &mut s) }
        } else {
            // SAFETY: this path is taken only after AVX2 and FMA were detected.
            unsafe { block_avx2::<V>(&pr, b * bt, o, &mut s) }
        }
        give(s.y);
        give(s.x);
        give(s.xn);
        give(s.k);
        give(s.phi);
    };
    let os = pb.out_stride();
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(bt * os).enumerate().for_each(one);
    }
    #[cfg(not(feature = "parallel"))]
    {
        out.chunks_mut(bt * os).enumerate().for_each(one);
    }
    give(pr.zpack);
    give(pr.zn);
    give(pr.wpad);
}

/// Runs `pb` in `U` on the detected instruction set; `false` without AVX2.
fn solve<U: Pooled, V512: Vector<T = U>, V256: Vector<T = U>>(
    isa: Isa,
    pb: &Problem<'_, U>,
    out: &mut [U],
) -> bool {
    match isa {
        Isa::Avx512 => run::<V512>(pb, true, out),
        Isa::Avx2 => run::<V256>(pb, false, out),
        Isa::Portable => return false,
    }
    true
}

/// [`solve`] in `f64`: a concrete function, compiled once in this crate rather than in every crate that
/// instantiates the generic callers.
fn solve_f64(isa: Isa, pb: &Problem<'_, f64>, out: &mut [f64]) -> bool {
    solve::<f64, F64x8, F64x4>(isa, pb, out)
}

/// [`solve`] in `f32` (see [`solve_f64`]).
fn solve_f32(isa: Isa, pb: &Problem<'_, f32>, out: &mut [f32]) -> bool {
    solve::<f32, F32x16, F32x8>(isa, pb, out)
}

/// The RBF direction (`d × n`, into `out`) through the tiled products when the CPU (AVX-512, or AVX2 + FMA) and
/// the scalar type (`f32`, `f64`) allow; returns `false` (nothing written) otherwise.
pub(crate) fn gram_tiles<T: Real>(isa: Isa, inp: &TileInput<'_, T>, out: &mut [T]) -> bool {
    let d = inp.d;
    if d == 0 || inp.z.is_empty() || isa == Isa::Portable {
        return false;
    }
    let n_src = inp.z.len() / d;
    let feat = |j: usize, f: &mut [T]| {
        for ((v, &z), &m) in f.iter_mut().zip(&inp.z[j * d..(j + 1) * d]).zip(inp.centre) {
            *v = z - m;
        }
    };
    let payload = |j: usize, u: &mut [T]| {
        let (z, sj) = (&inp.z[j * d..(j + 1) * d], &inp.s[j * d..(j + 1) * d]);
        for a in 0..d {
            u[a] = inp.gamma * sj[a] - inp.c * (z[a] - inp.centre[a]);
        }
    };
    let target = |i: usize, y: &mut [T]| {
        for ((v, &x), &m) in y.iter_mut().zip(&inp.x[i * d..(i + 1) * d]).zip(inp.centre) {
            *v = x - m;
        }
    };
    macro_rules! as_type {
        ($u:ty, $solve:ident) => {{
            // SAFETY (every cast below): `T` is `$u`, checked by the `TypeId` test around this macro.
            let feat_u = |j: usize, f: &mut [$u]| feat(j, unsafe { cast_mut(f) });
            let payload_u = |j: usize, f: &mut [$u]| payload(j, unsafe { cast_mut(f) });
            let target_u = |i: usize, f: &mut [$u]| target(i, unsafe { cast_mut(f) });
            let scalar = |x: T| -> $u { unsafe { core::mem::transmute_copy(&x) } };
            let pb = Problem {
                p: d,
                q: d,
                n_src,
                feat: &feat_u,
                payload: &payload_u,
                target: &target_u,
                nh: scalar(inp.neg_half),
                mode: Mode::Direction {
                    inv_n: scalar(inp.inv_n),
                    ci: scalar(inp.c * inp.inv_n),
                },
            };
            $solve(isa, &pb, unsafe { cast_mut(out) })
        }};
    }
    if TypeId::of::<T>() == TypeId::of::<f64>() {
        as_type!(f64, solve_f64)
    } else if TypeId::of::<T>() == TypeId::of::<f32>() {
        as_type!(f32, solve_f32)
    } else {
        false
    }
}

/// The fused sums of [`super::fused::fused_sums`] for the RBF profile `exp(nh·r²)` through the tiled products:
/// sources `[f_j | u_j]` (`r = 0`), targets' features from `targets`, output `[Σ_j k u_j, Σ_j k]` per target.
/// Returns `false` (nothing written) without AVX2, for types other than `f32` / `f64`, or when
/// `‖f‖² + ‖y‖² − 2fᵀy` would lose too much to cancellation (the caller's scalar engine then runs).
pub(crate) fn sums_tiles<T: Real, Tg: Targets<T> + ?Sized>(
    isa: Isa,
    nh: T,
    src: &Sources<'_, T>,
    nt: usize,
    targets: &Tg,
    out: &mut [T],
) -> bool {
    let (p, q) = (src.p, src.q);
    if isa == Isa::Portable || src.r != 0 || p == 0 || q == 0 {
        return false;
    }
    let stride = p + q;
    let n_src = src.data.len() / stride;
    let sq = |v: &[T]| v.iter().fold(T::zero(), |a, &x| a + x * x);
    let max_f = src
        .data
        .chunks_exact(stride)
        .map(|r| sq(&r[..p]))
        .fold(T::zero(), |a, b| if b > a { b } else { a });
    let mut y = vec![T::zero(); p];
    let mut max_y = T::zero();
    for t in 0..nt {
        targets.fill(t, &mut y);
        let v = sq(&y);
        if v > max_y {
            max_y = v;
        }
    }
    if !super::gram::gram_form_is_accurate(max_f + max_y, nh.abs()) {
        return false;
    }
    let feat = |j: usize, f: &mut [T]| f.copy_from_slice(&src.data[j * stride..j * stride + p]);
    let payload =
        |j: usize, u: &mut [T]| u.copy_from_slice(&src.data[j * stride + p..(j + 1) * stride]);
    macro_rules! as_type {
        ($u:ty, $solve:ident) => {{
            // SAFETY (every cast below): `T` is `$u`, checked by the `TypeId` test around this macro.
            let feat_u = |j: usize, f: &mut [$u]| feat(j, unsafe { cast_mut(f) });
            let payload_u = |j: usize, f: &mut [$u]| payload(j, unsafe { cast_mut(f) });
            let target_u = |i: usize, f: &mut [$u]| targets.fill(i, unsafe { cast_mut(f) });
            let pb = Problem {
                p,
                q,
                n_src,
                feat: &feat_u,
                payload: &payload_u,
                target: &target_u,
                nh: unsafe { core::mem::transmute_copy::<T, $u>(&nh) },
                mode: Mode::Sums,
            };
            $solve(isa, &pb, unsafe { cast_mut(&mut out[..nt * (q + 1)]) })
        }};
    }
    if TypeId::of::<T>() == TypeId::of::<f64>() {
        as_type!(f64, solve_f64)
    } else if TypeId::of::<T>() == TypeId::of::<f32>() {
        as_type!(f32, solve_f32)
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direction straight from its definition, in `f64`.
    fn reference(inp: &TileInput<'_, f64>) -> Vec<f64> {
        let d = inp.d;
        let (n, m) = (inp.x.len() / d, inp.z.len() / d);
        let mut out = vec![0.0; n * d];
        for i in 0..n {
            let x = &inp.x[i * d..(i + 1) * d];
            for j in 0..m {
                let z = &inp.z[j * d..(j + 1) * d];
                let s = &inp.s[j * d..(j + 1) * d];
                let r2: f64 = x.iter().zip(z).map(|(a, b)| (a - b) * (a - b)).sum();
                let k = (r2 * inp.neg_half).exp();
                for a in 0..d {
                    out[i * d + a] += k * (inp.gamma * s[a] + inp.c * (x[a] - z[a])) * inp.inv_n;
                }
            }
        }
        out
    }

    #[test]
    fn both_instruction_sets_match_the_definition() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        };
        // Partial panels and blocks, d past one KC slice, sources past one KC slice.
        for (d, n, m) in [(16, 1, 1), (20, 33, 29), (140, 70, 150), (17, 150, 140)] {
            let x: Vec<f64> = (0..n * d).map(|_| next()).collect();
            let z: Vec<f64> = (0..m * d).map(|_| next()).collect();
            let s: Vec<f64> = (0..m * d).map(|_| next()).collect();
            let mut centre = vec![0.0; d];
            for zj in z.chunks_exact(d) {
                for (c, &v) in centre.iter_mut().zip(zj) {
                    *c += v / m as f64;
                }
            }
            let inp = TileInput {
                d,
                x: &x,
                z: &z,
                s: &s,
                centre: &centre,
                gamma: 0.8,
                neg_half: -0.5 / (0.3 * d as f64),
                c: 1.0 / (0.3 * d as f64),
                inv_n: 1.0 / m as f64,
            };
            let want = reference(&inp);
            let scale = want.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let mut isas = vec![];
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                isas.push(Isa::Avx2);
            }
            if std::is_x86_feature_detected!("avx512f") {
                isas.push(Isa::Avx512);
            }
            for isa in isas {
                let mut got = vec![f64::NAN; n * d];
                assert!(gram_tiles(isa, &inp, &mut got));
                for (g, w) in got.iter().zip(&want) {
                    assert!(
                        (g - w).abs() <= 1e-12 * scale,
                        "{isa:?} d={d} n={n} m={m}: {g} vs {w}"
                    );
                }
                // f32 through the same path, to 1e-5 relative.
                let c32 = |v: &[f64]| v.iter().map(|&a| a as f32).collect::<Vec<f32>>();
                let (x32, z32, s32, m32) = (c32(&x), c32(&z), c32(&s), c32(&centre));
                let inp32 = TileInput {
                    d,
                    x: &x32,
                    z: &z32,
                    s: &s32,
                    centre: &m32,
                    gamma: 0.8f32,
                    neg_half: inp.neg_half as f32,
                    c: inp.c as f32,
                    inv_n: inp.inv_n as f32,
                };
                let mut got32 = vec![f32::NAN; n * d];
                assert!(gram_tiles(isa, &inp32, &mut got32));
                for (g, w) in got32.iter().zip(&want) {
                    assert!(
                        (*g as f64 - w).abs() <= 1e-5 * scale,
                        "{isa:?} f32 d={d}: {g} vs {w}"
                    );
                }
            }
            assert!(!gram_tiles(Isa::Portable, &inp, &mut vec![0.0; n * d]));
        }
    }

    #[test]
    fn sums_match_the_scalar_engine_and_decline_when_inaccurate() {
        use super::super::fused::{run_range, RbfProfile};
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        };
        for (p, q, m, nt) in [(1, 40, 150, 70), (3, 20, 13, 1), (17, 33, 140, 130)] {
            let data: Vec<f64> = (0..m * (p + q)).map(|_| next()).collect();
            let tgt: Vec<f64> = (0..nt * p).map(|_| next()).collect();
            let src = Sources {
                data: &data,
                p,
                q,
                r: 0,
            };
            let targets = |t: usize, y: &mut [f64]| y.copy_from_slice(&tgt[t * p..(t + 1) * p]);
            let pf = RbfProfile {
                neg_half_inv_h2: -0.4,
            };
            let mut want = vec![0.0; nt * (q + 1)];
            run_range(Isa::Portable, &pf, &src, &targets, 0, &mut want);
            let mut isas = vec![];
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                isas.push(Isa::Avx2);
            }
            if std::is_x86_feature_detected!("avx512f") {
                isas.push(Isa::Avx512);
            }
            for isa in isas {
                let mut got = vec![f64::NAN; nt * (q + 1)];
                assert!(sums_tiles(isa, -0.4, &src, nt, &targets, &mut got));
                for (g, w) in got.iter().zip(&want) {
                    assert!(
                        (g - w).abs() <= 1e-12 * w.abs().max(1.0),
                        "{isa:?} p={p} q={q}: {g} vs {w}"
                    );
                }
                // Far from the origin relative to h the Gram form would cancel: declined.
                let far: Vec<f64> = tgt.iter().map(|v| v + 1e4).collect();
                let far_targets =
                    |t: usize, y: &mut [f64]| y.copy_from_slice(&far[t * p..(t + 1) * p]);
                assert!(!sums_tiles(isa, -0.4, &src, nt, &far_targets, &mut got));
            }
        }
    }
}
