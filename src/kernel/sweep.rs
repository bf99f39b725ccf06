//! The fused Stein sums with the sources in the SIMD lanes: the fast engine behind [`super::fused::fused_sums`]
//! on x86-64 with AVX-512 or AVX2 + FMA.
//!
//! It computes the same sums as [`super::fused`] (per target `t`: `Σ_j k_tj u_j`, `Σ_j w_tj v_j`, `Σ_j w_tj`)
//! the other way round: a group of `TT` targets sits in registers (their features broadcast, their
//! `TT·(q + r + 1)` accumulators in vector registers), and the sources stream past `W` at a time from a
//! transposed, zero-padded copy (one row of `N` values per feature or payload component). Per `W` sources and
//! target: `p` subtractions and fused multiply–adds for `‖y_t − f_j‖²`, one vectorised `exp` (or the IMQ
//! power), `q + r + 1` fused multiply–adds. Nothing is stored in the inner loop, and the `TT` exponentials of a
//! step are independent, so the loop runs at the arithmetic units' rate instead of the latency of one
//! polynomial. `TT` is chosen per shape so that the accumulators fit in the register file (32 vector registers
//! with AVX-512, 16 with AVX2).
//!
//! Lane `l` of a target's accumulator sums the sources `j ≡ l (mod W)` in order, and the lanes are added in a
//! fixed order at the end: each target's result depends only on the sources, not on which other targets share
//! its group or thread, so it is bit-identical for any thread count. The last, partial group of sources is
//! zero-padded (zero payloads add nothing) and its `w` masked out of `Σ_j w_tj`.

use super::fused::{for_each_chunk, Isa, LaneProfile, Profile, Sources, Targets};
use super::pool::{give, take, Pooled};
use super::simd::{cast_mut, F32x16, F32x8, F64x4, F64x8, Vector};
use crate::real::Real;
use alloc::vec::Vec;
use core::any::TypeId;

impl<T: Real> LaneProfile<T> {
    /// The same profile in `U` (exact when `U` is `T`).
    fn cast<U: Real>(self) -> LaneProfile<U> {
        let c = |v: T| U::c(v.to_f64_lossy());
        match self {
            LaneProfile::Rbf { neg_half_inv_h2 } => LaneProfile::Rbf {
                neg_half_inv_h2: c(neg_half_inv_h2),
            },
            LaneProfile::ImqHalf { inv_h2, c2 } => LaneProfile::ImqHalf {
                inv_h2: c(inv_h2),
                c2: c(c2),
            },
        }
    }
}

/// `(k, w)` of `W` lanes at once.
trait LaneFn<V: Vector>: Copy {
    unsafe fn eval(self, r2: V) -> (V, V);
}

#[derive(Clone, Copy)]
struct RbfLanes<V>(V);

impl<V: Vector> LaneFn<V> for RbfLanes<V> {
    #[inline(always)]
    unsafe fn eval(self, r2: V) -> (V, V) {
        let k = V::exp_nonpos(r2.mul(self.0));
        (k, k)
    }
}

#[derive(Clone, Copy)]
struct ImqLanes<V> {
    inv_h2: V,
    c2: V,
    one: V,
}

impl<V: Vector> ImqLanes<V> {
    #[inline(always)]
    unsafe fn new(inv_h2: V::T, c2: V::T) -> Self {
        ImqLanes {
            inv_h2: V::splat(inv_h2),
            c2: V::splat(c2),
            one: V::splat(<V::T as Real>::c(1.0)),
        }
    }
}

impl<V: Vector> LaneFn<V> for ImqLanes<V> {
    #[inline(always)]
    unsafe fn eval(self, r2: V) -> (V, V) {
        let b = r2.fma(self.inv_h2, self.c2);
        let k = self.one.div(b.sqrt());
        (k, k.div(b))
    }
}

/// The sources transposed: row `a` (a feature or payload component) holds `data[a·npad .. a·npad + n]`, zero
/// padded to `npad`, a multiple of every vector width.
struct Transposed<'a, T> {
    data: &'a [T],
    n: usize,
    npad: usize,
}

/// The transposed, zero-padded copy of the sources (a buffer from this thread's pool) and its row length.
fn transpose<T: Pooled>(src: &Sources<'_, T>) -> (Vec<T>, usize) {
    let stride = src.p + src.q + src.r;
    let n = src.data.len() / stride.max(1);
    let npad = n.div_ceil(16) * 16;
    let mut data = take::<T>(stride * npad);
    for row in data.chunks_exact_mut(npad) {
        row[n..].fill(T::zero());
    }
    for (j, rec) in src.data.chunks_exact(stride.max(1)).enumerate() {
        for (a, &v) in rec.iter().enumerate() {
            data[a * npad + j] = v;
        }
    }
    (data, npad)
}

/// One step: `W` sources starting at `j` against the `TT` targets of the group.
#[inline(always)]
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
unsafe fn step<
    V: Vector,
    E: LaneFn<V>,
    const P: usize,
    const Q: usize,
    const R: usize,
    const TT: usize,
>(
    pf: E,
    base: *const V::T,
    npad: usize,
    j: usize,
    y: &[[V; P]; TT],
    au: &mut [[V; Q]; TT],
    av: &mut [[V; R]; TT],
    ab: &mut [V; TT],
    mask: Option<V>,
) {
    let zero = V::splat(<V::T as Real>::c(0.0));
    let mut r2 = [zero; TT];
    for a in 0..P {
        let f = V::load(base.add(a * npad + j));
        for t in 0..TT {
            let dd = f.sub(y[t][a]);
            r2[t] = dd.fma(dd, r2[t]);
        }
    }
    let mut k = [zero; TT];
    let mut w = [zero; TT];
    for t in 0..TT {
        (k[t], w[t]) = pf.eval(r2[t]);
    }
    for c in 0..Q {
        let u = V::load(base.add((P + c) * npad + j));
        for t in 0..TT {
            au[t][c] = k[t].fma(u, au[t][c]);
        }
    }
    for c in 0..R {
        let v = V::load(base.add((P + Q + c) * npad + j));
        for t in 0..TT {
            av[t][c] = w[t].fma(v, av[t][c]);
        }
    }
    for t in 0..TT {
        let wt = match mask {
            Some(m) => w[t].mul(m),
            None => w[t],
        };
        ab[t] = ab[t].add(wt);
    }
}

/// The sums of `TT` targets (features `ys`) over every source, into `out` (`TT · (q + r + 1)` values).
#[inline(always)]
#[allow(clippy::needless_range_loop)]
unsafe fn group<
    V: Vector,
    E: LaneFn<V>,
    const P: usize,
    const Q: usize,
    const R: usize,
    const TT: usize,
>(
    pf: E,
    src: &Transposed<'_, V::T>,
    ys: &[[V::T; P]; TT],
    out: &mut [V::T],
) {
    let zero = V::splat(<V::T as Real>::c(0.0));
    let mut y = [[zero; P]; TT];
    for t in 0..TT {
        for a in 0..P {
            y[t][a] = V::splat(ys[t][a]);
        }
    }
    let mut au = [[zero; Q]; TT];
    let mut av = [[zero; R]; TT];
    let mut ab = [zero; TT];
    let base = src.data.as_ptr();
    let full = src.n / V::W * V::W;
    let mut j = 0;
    while j < full {
        step::<V, E, P, Q, R, TT>(pf, base, src.npad, j, &y, &mut au, &mut av, &mut ab, None);
        j += V::W;
    }
    if full < src.n {
        let mask = V::first_lanes(src.n - full);
        step::<V, E, P, Q, R, TT>(
            pf,
            base,
            src.npad,
            j,
            &y,
            &mut au,
            &mut av,
            &mut ab,
            Some(mask),
        );
    }
    let os = Q + R + 1;
    for t in 0..TT {
        let o = &mut out[t * os..(t + 1) * os];
        for c in 0..Q {
            o[c] = au[t][c].sum();
        }
        for c in 0..R {
            o[Q + c] = av[t][c].sum();
        }
        o[Q + R] = ab[t].sum();
    }
}

/// The targets `t0 .. t0 + out.len()/(q + r + 1)` (features in `ys`, `P` per target), `TT` at a time (the last
/// group repeats its last target; the repeats' sums are discarded).
#[inline(always)]
unsafe fn range<
    V: Vector,
    E: LaneFn<V>,
    const P: usize,
    const Q: usize,
    const R: usize,
    const TT: usize,
>(
    pf: E,
    src: &Transposed<'_, V::T>,
    ys: &[V::T],
    t0: usize,
    out: &mut [V::T],
) {
    let os = Q + R + 1;
    let nt = out.len() / os;
    let mut group_ys = [[<V::T as Real>::c(0.0); P]; TT];
    // At most 6 targets × 9 sums in the shape tables.
    let mut res = [<V::T as Real>::c(0.0); 64];
    let res = &mut res[..TT * os];
    let mut g = 0;
    while g < nt {
        let cnt = TT.min(nt - g);
        for (t, y) in group_ys.iter_mut().enumerate() {
            let i = t0 + g + t.min(cnt - 1);
            y.copy_from_slice(&ys[i * P..(i + 1) * P]);
        }
        group::<V, E, P, Q, R, TT>(pf, src, &group_ys, res);
        out[g * os..(g + cnt) * os].copy_from_slice(&res[..cnt * os]);
        g += TT;
    }
}

/// Targets per group for accumulators of `acc` vectors each: about 18 accumulator registers in all with 32
/// registers (AVX-512), 8 with 16 (AVX2), at most 6 targets.
const fn targets_per_group(registers: usize, acc: usize) -> usize {
    let budget = if registers >= 32 { 18 } else { 8 };
    let t = budget / acc;
    if t < 1 {
        1
    } else if t > 6 {
        6
    } else {
        t
    }
}

/// Defines, for each `(name, registers)` pair, a function that dispatches a range to the compiled shape
/// `(p, q, r)` for a register file of that many vectors, or returns `false` for shapes without code (with an
/// empty range it only matches the shape).
macro_rules! shape_tables {
    ($(($name:ident, $regs:literal)),+; $shapes:tt) => {
        $(shape_tables!(@one $name, $regs, $shapes);)+
    };
    (@one $name:ident, $regs:literal, [$(($p:literal, $q:literal, $r:literal)),+]) => {
        #[inline(always)]
        unsafe fn $name<V: Vector, E: LaneFn<V>>(
            pf: E,
            shape: (usize, usize, usize),
            src: &Transposed<'_, V::T>,
            ys: &[V::T],
            t0: usize,
            out: &mut [V::T],
        ) -> bool {
            match shape {
                $(($p, $q, $r) => {
                    range::<V, E, $p, $q, $r, { targets_per_group($regs, $q + $r + 1) }>(
                        pf, src, ys, t0, out,
                    );
                    true
                })+
                _ => false,
            }
        }
    };
}

// RBF (`w = k`, everything in the `u` payload): the stationary kernel in d ≤ 8, the invariant-map and
// group-averaged payloads of this crate's maps.
shape_tables!((rbf_32, 32), (rbf_16, 16); [
    (1, 1, 0), (2, 2, 0), (3, 3, 0), (4, 4, 0), (5, 5, 0), (6, 6, 0), (7, 7, 0), (8, 8, 0),
    (1, 3, 0), (1, 4, 0), (2, 4, 0), (2, 6, 0)
]);
// IMQ (`u` weighted by `k`, `v` by `w = k/b`).
shape_tables!((imq_32, 32), (imq_16, 16); [
    (1, 1, 1), (2, 2, 2), (3, 3, 3), (4, 4, 4), (1, 2, 1), (2, 2, 6), (1, 2, 4)
]);

#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn range_avx512<V: Vector>(
    pf: LaneProfile<V::T>,
    shape: (usize, usize, usize),
    src: &Transposed<'_, V::T>,
    ys: &[V::T],
    t0: usize,
    out: &mut [V::T],
) -> bool {
    match pf {
        LaneProfile::Rbf { neg_half_inv_h2 } => {
            let e = RbfLanes(V::splat(neg_half_inv_h2));
            rbf_32::<V, _>(e, shape, src, ys, t0, out)
        }
        LaneProfile::ImqHalf { inv_h2, c2 } => {
            imq_32::<V, _>(ImqLanes::new(inv_h2, c2), shape, src, ys, t0, out)
        }
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn range_avx2<V: Vector>(
    pf: LaneProfile<V::T>,
    shape: (usize, usize, usize),
    src: &Transposed<'_, V::T>,
    ys: &[V::T],
    t0: usize,
    out: &mut [V::T],
) -> bool {
    match pf {
        LaneProfile::Rbf { neg_half_inv_h2 } => {
            let e = RbfLanes(V::splat(neg_half_inv_h2));
            rbf_16::<V, _>(e, shape, src, ys, t0, out)
        }
        LaneProfile::ImqHalf { inv_h2, c2 } => {
            imq_16::<V, _>(ImqLanes::new(inv_h2, c2), shape, src, ys, t0, out)
        }
    }
}

/// Runs the sweep in `U` with the vectors `V512` / `V256` for the detected instruction set; `false` (nothing
/// done) for shapes without compiled code. The targets' features are gathered once (`nt · p` values), so the
/// compiled kernels do not depend on how the caller produces them.
fn run<U: Pooled, V512: Vector<T = U>, V256: Vector<T = U>>(
    isa: Isa,
    pf: LaneProfile<U>,
    src: &Sources<'_, U>,
    nt: usize,
    targets: &(dyn Fn(usize, &mut [U]) + Sync),
    out: &mut [U],
) -> bool {
    let shape = (src.p, src.q, src.r);
    let call = |t: &Transposed<'_, U>, ys: &[U], t0: usize, o: &mut [U]| -> bool {
        match isa {
            // SAFETY: `isa()` returned this variant only after detecting the features.
            Isa::Avx512 => unsafe { range_avx512::<V512>(pf, shape, t, ys, t0, o) },
            // SAFETY: as above.
            Isa::Avx2 => unsafe { range_avx2::<V256>(pf, shape, t, ys, t0, o) },
            Isa::Portable => false,
        }
    };
    // An empty range only matches the shape table.
    let empty = Transposed {
        data: &[],
        n: 0,
        npad: 0,
    };
    if !call(&empty, &[], 0, &mut []) {
        return false;
    }
    let p = src.p;
    let mut ys = take::<U>(nt * p);
    for (t, y) in ys.chunks_exact_mut(p).enumerate() {
        targets(t, y);
    }
    let (data, npad) = transpose(src);
    let n = src.data.len() / (src.p + src.q + src.r);
    let tr = Transposed {
        data: &data,
        n,
        npad,
    };
    for_each_chunk(nt, src.out_stride(), n, out, |t0, o| {
        call(&tr, &ys, t0, o);
    });
    give(ys);
    give(data);
    true
}

/// [`run`] in `f64`: a concrete function, compiled once in this crate rather than in every crate that
/// instantiates the generic callers.
fn run_f64(
    isa: Isa,
    pf: LaneProfile<f64>,
    src: &Sources<'_, f64>,
    nt: usize,
    targets: &(dyn Fn(usize, &mut [f64]) + Sync),
    out: &mut [f64],
) -> bool {
    run::<f64, F64x8, F64x4>(isa, pf, src, nt, targets, out)
}

/// [`run`] in `f32` (see [`run_f64`]).
fn run_f32(
    isa: Isa,
    pf: LaneProfile<f32>,
    src: &Sources<'_, f32>,
    nt: usize,
    targets: &(dyn Fn(usize, &mut [f32]) + Sync),
    out: &mut [f32],
) -> bool {
    run::<f32, F32x16, F32x8>(isa, pf, src, nt, targets, out)
}

/// The fused sums of [`super::fused::fused_sums`] through the SIMD sweep, when the CPU (AVX-512, or AVX2 + FMA),
/// the scalar type (`f32`, `f64`), the profile (RBF, IMQ with `β = −1/2`) and the shape allow; returns `false`
/// (nothing written) otherwise.
pub(crate) fn sweep_sums<T: Real, Pf: Profile<T>, Tg: Targets<T> + ?Sized>(
    isa: Isa,
    pf: &Pf,
    src: &Sources<'_, T>,
    nt: usize,
    targets: &Tg,
    out: &mut [T],
) -> bool {
    let Some(lp) = pf.lanes() else {
        return false;
    };
    if src.p + src.q + src.r == 0 {
        return false;
    }
    macro_rules! as_type {
        ($u:ty, $run:ident) => {{
            // SAFETY (all three casts): `T` is `$u`, checked by the caller's `TypeId` test.
            let data: &[$u] = unsafe { &*(src.data as *const [T] as *const [$u]) };
            let src_u = Sources {
                data,
                p: src.p,
                q: src.q,
                r: src.r,
            };
            let out_u: &mut [$u] = unsafe { cast_mut(out) };
            let tg = |t: usize, y: &mut [$u]| targets.fill(t, unsafe { cast_mut::<$u, T>(y) });
            $run(isa, lp.cast(), &src_u, nt, &tg, out_u)
        }};
    }
    if TypeId::of::<T>() == TypeId::of::<f64>() {
        as_type!(f64, run_f64)
    } else if TypeId::of::<T>() == TypeId::of::<f32>() {
        as_type!(f32, run_f32)
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::super::fused::{run_range, ImqProfile, RbfProfile};
    use super::*;

    /// Sources and targets with a deterministic spread; `p`, `q`, `r` as in [`Sources`].
    fn make(p: usize, q: usize, r: usize, n: usize) -> (Vec<f64>, Vec<f64>) {
        let mut s = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64 * 4.0 - 2.0
        };
        let src = (0..n * (p + q + r)).map(|_| next()).collect();
        let tgt = (0..37 * p).map(|_| next()).collect();
        (src, tgt)
    }

    fn compare<Pf: Profile<f64>>(pf: &Pf, p: usize, q: usize, r: usize, n: usize) {
        let (data, tgt) = make(p, q, r, n);
        let src = Sources {
            data: &data,
            p,
            q,
            r,
        };
        let nt = tgt.len() / p;
        let targets = |t: usize, y: &mut [f64]| y.copy_from_slice(&tgt[t * p..(t + 1) * p]);
        let os = src.out_stride();
        let mut reference = vec![0.0; nt * os];
        run_range(Isa::Portable, pf, &src, &targets, 0, &mut reference);
        let mut isas = vec![];
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            isas.push(Isa::Avx2);
        }
        if std::is_x86_feature_detected!("avx512f") {
            isas.push(Isa::Avx512);
        }
        for isa in isas {
            let mut out = vec![0.0; nt * os];
            assert!(sweep_sums(isa, pf, &src, nt, &targets, &mut out));
            for (a, b) in out.iter().zip(&reference) {
                assert!(
                    (a - b).abs() <= 1e-13 * b.abs().max(1.0),
                    "{isa:?} ({p}, {q}, {r}) n={n}: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn every_instruction_set_matches_the_scalar_engine() {
        let rbf = RbfProfile {
            neg_half_inv_h2: -0.3,
        };
        let imq = ImqProfile {
            inv_h2: 0.7,
            c2: 0.64,
            beta: -0.5,
        };
        for n in [1, 5, 16, 17, 63] {
            compare(&rbf, 2, 2, 0, n);
            compare(&rbf, 8, 8, 0, n);
            compare(&rbf, 1, 4, 0, n);
            compare(&imq, 2, 2, 2, n);
            compare(&imq, 1, 2, 4, n);
        }
    }

    #[test]
    fn unsupported_shapes_and_profiles_are_declined() {
        let (data, _) = make(9, 9, 0, 4);
        let src = Sources {
            data: &data,
            p: 9,
            q: 9,
            r: 0,
        };
        let rbf = RbfProfile {
            neg_half_inv_h2: -0.3,
        };
        let targets = |_: usize, _: &mut [f64]| {};
        let mut out = vec![0.0; 10];
        if std::is_x86_feature_detected!("avx2") {
            assert!(!sweep_sums(Isa::Avx2, &rbf, &src, 1, &targets, &mut out));
        }
        let imq = ImqProfile {
            inv_h2: 1.0,
            c2: 1.0,
            beta: -0.3,
        };
        let (data, _) = make(2, 2, 2, 4);
        let src = Sources {
            data: &data,
            p: 2,
            q: 2,
            r: 2,
        };
        assert!(!sweep_sums(
            Isa::Portable,
            &rbf,
            &src,
            1,
            &targets,
            &mut out
        ));
        assert!(!sweep_sums(Isa::Avx2, &imq, &src, 1, &targets, &mut out));
    }
}
