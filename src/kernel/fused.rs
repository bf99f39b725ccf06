//! The fused, tiled Stein sums of a radial kernel: the engine behind every fast batched direction.
//!
//! For virtual targets `y_t` (features in `R^p`) and sources with features `f_j ∈ R^p` and payloads
//! `u_j ∈ R^q`, `v_j ∈ R^r`, and a radial profile giving `k_tj = κ(‖y_t − f_j‖²)` and a second weight `w_tj`
//! (for RBF `w = k`; for IMQ `w = k / b`), it computes per target
//!
//! `[ Σ_j k_tj u_j  (q values),  Σ_j w_tj v_j  (r values),  Σ_j w_tj ]`
//!
//! without forming any matrix: a block of `L` targets (one per SIMD lane, their coordinates transposed into
//! registers) sweeps over the sources one at a time; per source it computes `L` squared distances directly
//! (no `‖y‖² + ‖f‖² − 2yᵀf` cancellation), `L` kernel values with the vectorised [`super::exp`] and `L` fused
//! multiply–adds per payload value. Memory is `O(L·(p + q + r))` per block on top of the inputs.
//!
//! Each target's sums run over the sources in order, in its own lane, so results do not depend on how the
//! targets are split into blocks or threads (with the `parallel` feature the targets are split across rayon
//! threads; the result is bit-identical for any thread count). The instruction set is chosen at run time with
//! `std` on x86-64 (AVX-512, else AVX2 + FMA, else SSE2), and small `(p, q, r)` get code with the dimensions
//! fixed at compile time so the accumulators live in registers.

use super::exp::{exp_one, fma};
use crate::real::Real;
use alloc::vec;
use alloc::vec::Vec;

/// A radial kernel profile: `k` and `w` from a squared distance (called per lane inside vectorised loops).
pub(crate) trait Profile<T: Real>: Copy + Send + Sync {
    /// Whether `w = k` (then callers fold everything into the `u` payload and use `r = 0`).
    const MERGED: bool;
    /// `(k, w)` at squared distance `r2`.
    fn one<const F: bool>(&self, r2: T) -> (T, T);
    /// The same profile for the SIMD sweep, if it has one there.
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), allow(dead_code))]
    fn lanes(&self) -> Option<LaneProfile<T>>;
}

/// A profile in the form the SIMD sweep evaluates (on other targets, only the scalar engine exists).
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), allow(dead_code))]
pub(crate) enum LaneProfile<T> {
    /// `k = w = exp(c·r²)`, `c = −1/(2h²)`.
    Rbf { neg_half_inv_h2: T },
    /// `b = c² + r²/h²`, `k = b^(−1/2)`, `w = k/b`.
    ImqHalf { inv_h2: T, c2: T },
}

/// RBF: `k = w = exp(−r² / (2h²))`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RbfProfile<T> {
    /// `−1 / (2h²)`.
    pub neg_half_inv_h2: T,
}

impl<T: Real> Profile<T> for RbfProfile<T> {
    const MERGED: bool = true;
    #[inline(always)]
    fn one<const F: bool>(&self, r2: T) -> (T, T) {
        let k = exp_one::<T, F>(r2 * self.neg_half_inv_h2);
        (k, k)
    }
    fn lanes(&self) -> Option<LaneProfile<T>> {
        Some(LaneProfile::Rbf {
            neg_half_inv_h2: self.neg_half_inv_h2,
        })
    }
}

/// IMQ: `b = c² + r²/h²`, `k = b^β`, `w = k / b = b^(β−1)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ImqProfile<T> {
    /// `1 / h²`.
    pub inv_h2: T,
    /// `c²`.
    pub c2: T,
    /// `β`.
    pub beta: T,
}

impl<T: Real> Profile<T> for ImqProfile<T> {
    const MERGED: bool = false;
    #[inline(always)]
    fn one<const F: bool>(&self, r2: T) -> (T, T) {
        let b = fma::<T, F>(r2, self.inv_h2, self.c2);
        // β = −1/2 (the default) vectorises; other exponents call `powf`.
        let k = if self.beta == -T::c(0.5) {
            T::one() / b.sqrt()
        } else {
            b.powf(self.beta)
        };
        (k, k / b)
    }
    fn lanes(&self) -> Option<LaneProfile<T>> {
        (self.beta == -T::c(0.5)).then_some(LaneProfile::ImqHalf {
            inv_h2: self.inv_h2,
            c2: self.c2,
        })
    }
}

/// The sources of one evaluation: `n` records of `p + q + r` values each, `[f_j | u_j | v_j]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sources<'a, T> {
    pub data: &'a [T],
    pub p: usize,
    pub q: usize,
    pub r: usize,
}

impl<T> Sources<'_, T> {
    /// Values per source record.
    #[inline]
    fn stride(&self) -> usize {
        self.p + self.q + self.r
    }
    /// Values per target in the output, `q + r + 1`.
    #[inline]
    pub fn out_stride(&self) -> usize {
        self.q + self.r + 1
    }
}

/// Writes target `t`'s features (length `p`) into the slice.
pub(crate) trait Targets<T>: Sync {
    fn fill(&self, t: usize, out: &mut [T]);
}

impl<T, Fn_: Fn(usize, &mut [T]) + Sync> Targets<T> for Fn_ {
    #[inline(always)]
    fn fill(&self, t: usize, out: &mut [T]) {
        self(t, out)
    }
}

/// One block of `L` targets, dimensions fixed at compile time. The loop over the targets of the block is the
/// inner one, so that it vectorises (the accumulators are `L`-long arrays in L1).
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn block_const<
    T: Real,
    Pf: Profile<T>,
    const F: bool,
    const L: usize,
    const P: usize,
    const Q: usize,
    const R: usize,
>(
    pf: &Pf,
    src: &Sources<'_, T>,
    y: &[[T; L]; P],
    out: &mut [T],
    nvalid: usize,
) {
    let mut acc_u = [[T::zero(); L]; Q];
    let mut acc_v = [[T::zero(); L]; R];
    let mut acc_b = [T::zero(); L];
    for rec in src.data.chunks_exact(P + Q + R) {
        let mut f = [T::zero(); P];
        f.copy_from_slice(&rec[..P]);
        let mut u = [T::zero(); Q];
        u.copy_from_slice(&rec[P..P + Q]);
        let mut v = [T::zero(); R];
        v.copy_from_slice(&rec[P + Q..]);
        for l in 0..L {
            let mut r2 = T::zero();
            for a in 0..P {
                let dd = y[a][l] - f[a];
                r2 = fma::<T, F>(dd, dd, r2);
            }
            let (k, w) = pf.one::<F>(r2);
            for c in 0..Q {
                acc_u[c][l] = fma::<T, F>(k, u[c], acc_u[c][l]);
            }
            acc_b[l] += w;
            for c in 0..R {
                acc_v[c][l] = fma::<T, F>(w, v[c], acc_v[c][l]);
            }
        }
    }
    let os = Q + R + 1;
    for (l, o) in out.chunks_exact_mut(os).take(nvalid).enumerate() {
        for c in 0..Q {
            o[c] = acc_u[c][l];
        }
        for c in 0..R {
            o[Q + c] = acc_v[c][l];
        }
        o[Q + R] = acc_b[l];
    }
}

/// The targets `t0 .. t0 + out.len()/out_stride` with compile-time dimensions.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn range_const<
    T: Real,
    Pf: Profile<T>,
    Tg: Targets<T> + ?Sized,
    const F: bool,
    const L: usize,
    const P: usize,
    const Q: usize,
    const R: usize,
>(
    pf: &Pf,
    src: &Sources<'_, T>,
    targets: &Tg,
    t0: usize,
    out: &mut [T],
) {
    let os = Q + R + 1;
    let mut tmp = [T::zero(); P];
    let mut y = [[T::zero(); L]; P];
    for (b, ob) in out.chunks_mut(L * os).enumerate() {
        let nvalid = ob.len() / os;
        for l in 0..L {
            // Lanes past the end repeat the last target; their sums are discarded.
            let t = t0 + b * L + l.min(nvalid - 1);
            targets.fill(t, &mut tmp);
            for a in 0..P {
                y[a][l] = tmp[a];
            }
        }
        block_const::<T, Pf, F, L, P, Q, R>(pf, src, &y, ob, nvalid);
    }
}

/// The same with run-time dimensions (accumulators in memory).
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn range_dyn<T: Real, Pf: Profile<T>, Tg: Targets<T> + ?Sized, const F: bool, const L: usize>(
    pf: &Pf,
    src: &Sources<'_, T>,
    targets: &Tg,
    t0: usize,
    out: &mut [T],
) {
    let (p, q, r) = (src.p, src.q, src.r);
    let os = src.out_stride();
    let mut tmp = vec![T::zero(); p];
    let mut y = vec![[T::zero(); L]; p];
    let mut acc = vec![[T::zero(); L]; os];
    let mut k = [T::zero(); L];
    let mut w = [T::zero(); L];
    for (b, ob) in out.chunks_mut(L * os).enumerate() {
        let nvalid = ob.len() / os;
        for l in 0..L {
            let t = t0 + b * L + l.min(nvalid - 1);
            targets.fill(t, &mut tmp);
            for (ya, &v) in y.iter_mut().zip(&tmp) {
                ya[l] = v;
            }
        }
        acc.iter_mut().for_each(|a| *a = [T::zero(); L]);
        for rec in src.data.chunks_exact(src.stride()) {
            let mut r2 = [T::zero(); L];
            for (ya, &fa) in y.iter().zip(&rec[..p]) {
                for l in 0..L {
                    let dd = ya[l] - fa;
                    r2[l] = fma::<T, F>(dd, dd, r2[l]);
                }
            }
            for l in 0..L {
                (k[l], w[l]) = pf.one::<F>(r2[l]);
            }
            let (acc_u, rest) = acc.split_at_mut(q);
            let (acc_v, acc_b) = rest.split_at_mut(r);
            for (a, &uc) in acc_u.iter_mut().zip(&rec[p..p + q]) {
                for l in 0..L {
                    a[l] = fma::<T, F>(k[l], uc, a[l]);
                }
            }
            for (a, &vc) in acc_v.iter_mut().zip(&rec[p + q..]) {
                for l in 0..L {
                    a[l] = fma::<T, F>(w[l], vc, a[l]);
                }
            }
            for l in 0..L {
                acc_b[0][l] += w[l];
            }
        }
        for (l, o) in ob.chunks_exact_mut(os).enumerate() {
            for (c, v) in o.iter_mut().enumerate() {
                *v = acc[c][l];
            }
        }
    }
}

/// Dispatches on `(p, q, r)` to compile-time dimensions for the shapes the kernels of this crate produce.
#[inline(always)]
fn range<T: Real, Pf: Profile<T>, Tg: Targets<T> + ?Sized, const F: bool, const L: usize>(
    pf: &Pf,
    src: &Sources<'_, T>,
    targets: &Tg,
    t0: usize,
    out: &mut [T],
) {
    macro_rules! go {
        ($p:literal, $q:literal, $r:literal) => {
            range_const::<T, Pf, Tg, F, L, $p, $q, $r>(pf, src, targets, t0, out)
        };
    }
    if Pf::MERGED {
        match (src.p, src.q, src.r) {
            (1, 1, 0) => go!(1, 1, 0),
            (2, 2, 0) => go!(2, 2, 0),
            (3, 3, 0) => go!(3, 3, 0),
            (4, 4, 0) => go!(4, 4, 0),
            (1, 3, 0) => go!(1, 3, 0),
            (1, 4, 0) => go!(1, 4, 0),
            (2, 4, 0) => go!(2, 4, 0),
            (2, 6, 0) => go!(2, 6, 0),
            (8, 8, 0) => go!(8, 8, 0),
            _ => range_dyn::<T, Pf, Tg, F, L>(pf, src, targets, t0, out),
        }
    } else {
        match (src.p, src.q, src.r) {
            (1, 1, 1) => go!(1, 1, 1),
            (2, 2, 2) => go!(2, 2, 2),
            (3, 3, 3) => go!(3, 3, 3),
            (1, 2, 1) => go!(1, 2, 1),
            (2, 2, 6) => go!(2, 2, 6),
            (1, 2, 4) => go!(1, 2, 4),
            _ => range_dyn::<T, Pf, Tg, F, L>(pf, src, targets, t0, out),
        }
    }
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f,avx2,fma")]
fn range_avx512<T: Real, Pf: Profile<T>, Tg: Targets<T> + ?Sized>(
    pf: &Pf,
    src: &Sources<'_, T>,
    targets: &Tg,
    t0: usize,
    out: &mut [T],
) {
    range::<T, Pf, Tg, true, 64>(pf, src, targets, t0, out)
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
fn range_avx2<T: Real, Pf: Profile<T>, Tg: Targets<T> + ?Sized>(
    pf: &Pf,
    src: &Sources<'_, T>,
    targets: &Tg,
    t0: usize,
    out: &mut [T],
) {
    range::<T, Pf, Tg, true, 32>(pf, src, targets, t0, out)
}

fn range_portable<T: Real, Pf: Profile<T>, Tg: Targets<T> + ?Sized>(
    pf: &Pf,
    src: &Sources<'_, T>,
    targets: &Tg,
    t0: usize,
    out: &mut [T],
) {
    range::<T, Pf, Tg, false, 16>(pf, src, targets, t0, out)
}

/// The instruction set the fused loops use on this CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Isa {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    Avx512,
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    Avx2,
    Portable,
}

/// Detects the best instruction set (cached by the standard library's detection macro).
pub(crate) fn isa() -> Isa {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    {
        if std::is_x86_feature_detected!("avx512f") {
            return Isa::Avx512;
        }
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            return Isa::Avx2;
        }
    }
    Isa::Portable
}

pub(crate) fn run_range<T: Real, Pf: Profile<T>, Tg: Targets<T> + ?Sized>(
    isa: Isa,
    pf: &Pf,
    src: &Sources<'_, T>,
    targets: &Tg,
    t0: usize,
    out: &mut [T],
) {
    match isa {
        // SAFETY: `isa()` returned this variant only after detecting the features.
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Isa::Avx512 => unsafe { range_avx512(pf, src, targets, t0, out) },
        // SAFETY: as above.
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Isa::Avx2 => unsafe { range_avx2(pf, src, targets, t0, out) },
        Isa::Portable => range_portable(pf, src, targets, t0, out),
    }
}

/// Targets per parallel task: a multiple of every block width, a few tasks per thread.
#[cfg(feature = "parallel")]
fn chunk_targets(nt: usize) -> usize {
    let threads = rayon::current_num_threads().max(1);
    let per = nt.div_ceil(4 * threads);
    per.div_ceil(64).max(1) * 64
}

/// From this payload length on, RBF sums go through the tiled products of [`super::tiles`] (where available).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
const TILES_MIN_PAYLOAD: usize = 16;

/// Below this many source visits (targets × sources) one thread does the work: waking the pool costs more
/// (tens of microseconds) than the loop itself.
#[cfg(feature = "parallel")]
const MIN_PARALLEL_PAIRS: usize = 1 << 16;

/// Calls `f(t0, out_chunk)` for chunks of the targets `0..nt` (`os` output values per target, `n_src` sources
/// each), in parallel with the `parallel` feature when there is enough work.
pub(crate) fn for_each_chunk<T: Send>(
    nt: usize,
    os: usize,
    n_src: usize,
    out: &mut [T],
    f: impl Fn(usize, &mut [T]) + Sync,
) {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        let chunk = chunk_targets(nt);
        if nt > chunk && nt.saturating_mul(n_src) >= MIN_PARALLEL_PAIRS {
            out.par_chunks_mut(chunk * os)
                .enumerate()
                .for_each(|(c, o)| f(c * chunk, o));
            return;
        }
    }
    let _ = (nt, os, n_src);
    f(0, out);
}

/// The fused sums for virtual targets `0..nt` (see the module documentation), written to `out`
/// (`nt · (q + r + 1)` values, target after target). Work per target is `O(N·(p + q + r))`, extra memory
/// `O(L·(p + q + r))` per thread (plus one transposed copy of the sources for the SIMD sweep).
pub(crate) fn fused_sums<T: Real, Pf: Profile<T>, Tg: Targets<T> + ?Sized>(
    pf: &Pf,
    src: &Sources<'_, T>,
    nt: usize,
    targets: &Tg,
    out: &mut [T],
) {
    let os = src.out_stride();
    debug_assert_eq!(out.len(), nt * os);
    if nt == 0 {
        return;
    }
    let isa = isa();
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    {
        if super::sweep::sweep_sums(isa, pf, src, nt, targets, out) {
            return;
        }
        // Long payloads (invariant maps carrying Jacobians) with the RBF profile: the tiled products.
        if let Some(LaneProfile::Rbf { neg_half_inv_h2 }) = pf.lanes() {
            if src.q >= TILES_MIN_PAYLOAD
                && super::tiles::sums_tiles(isa, neg_half_inv_h2, src, nt, targets, out)
            {
                return;
            }
        }
    }
    let n_src = src.data.len() / src.stride().max(1);
    for_each_chunk(nt, os, n_src, out, |t0, o| {
        run_range(isa, pf, src, targets, t0, o)
    });
}

/// Packs source records `[f_j | u_j | v_j]` from closures that fill each part.
pub(crate) fn pack_sources<T: Real>(
    n: usize,
    p: usize,
    q: usize,
    r: usize,
    mut fill: impl FnMut(usize, &mut [T], &mut [T], &mut [T]),
) -> Vec<T> {
    let stride = p + q + r;
    let mut data = vec![T::zero(); n * stride];
    for (j, rec) in data.chunks_exact_mut(stride.max(1)).enumerate() {
        let (f, rest) = rec.split_at_mut(p);
        let (u, v) = rest.split_at_mut(q);
        fill(j, f, u, v);
    }
    data
}
