//! A branch-free, vectorisable `exp` for the fused kernel loops.
//!
//! `exp(x) = 2^k · p(r)` with `k = round(x / ln 2)` and `r = x − k·ln2_hi − k·ln2_lo` (Cody–Waite range
//! reduction, `|r| ≤ ln 2 / 2`), `p` the Taylor polynomial of `e^r` (degree 13 in `f64`, 7 in `f32`, Horner),
//! `k` found by the round-to-nearest "magic shift" `x/ln 2 + 1.5·2^52` and `2^k` built from its exponent bits.
//! Every step is a plain arithmetic operation or a select, so the per-lane loops compile to SIMD code inside
//! the `target_feature` functions of [`super::fused`] (AVX-512 or AVX2 + FMA, chosen at run time), and to
//! scalar or SSE2 code elsewhere.
//!
//! Accuracy (tested in `tests/fast_paths.rs` against `libm` over `[−700, 700]` and `[−80, 80]`): relative error
//! below `4·10⁻¹⁶` in `f64` and `4·10⁻⁷` in `f32` (a few units in the last place). Below `−708` (`f64`) or
//! `−86.5` (`f32`) it returns 0 (an absolute error
//! below `3.3·10⁻³⁰⁸` / `2.8·10⁻³⁸`); above `709.78` / `88.72` it returns `+∞`; NaN stays NaN.

use crate::real::Real;
use core::any::TypeId;

/// `a·b + c`, fused when `F` (only inside functions compiled with the `fma` target feature, where it is one
/// instruction; the portable build never sets `F`).
#[inline(always)]
pub(crate) fn fma<T: Real, const F: bool>(a: T, b: T, c: T) -> T {
    #[cfg(feature = "std")]
    {
        if F {
            return a.mul_add(b, c);
        }
    }
    a * b + c
}

#[inline(always)]
fn fma64<const F: bool>(a: f64, b: f64, c: f64) -> f64 {
    fma::<f64, F>(a, b, c)
}

#[inline(always)]
fn fma32<const F: bool>(a: f32, b: f32, c: f32) -> f32 {
    fma::<f32, F>(a, b, c)
}

/// The constants of the exponential for one floating-point type, shared by the scalar lanes here and the
/// explicit SIMD vectors of [`super::simd`] (so both compute the same value, operation for operation).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExpConsts<T: 'static> {
    /// Below this the result is 0.
    pub lo: T,
    /// Above this the result is `+∞`.
    pub hi: T,
    /// `1.5 · 2^m` (`m` mantissa bits): adding it rounds to an integer in the low bits.
    pub shift: T,
    /// `log₂ e`.
    pub log2e: T,
    /// `ln 2` split in a high part (exact products with small integers) and the rest.
    pub ln2_hi: T,
    pub ln2_lo: T,
    /// The Taylor coefficients of `e^r`, `1/k!` from the highest degree down to `k = 0` (Horner order).
    pub poly: &'static [T],
    /// Exponent bias minus one: `2^k = 2 · bits((k + bias) << m)`.
    pub bias: i64,
    /// Mantissa bits `m`.
    pub mant: u32,
}

/// `f64`: degree 13.
#[allow(clippy::excessive_precision)]
pub(crate) const EXP_F64: ExpConsts<f64> = ExpConsts {
    lo: -708.0,
    hi: 709.78,
    shift: 6_755_399_441_055_744.0,
    log2e: core::f64::consts::LOG2_E,
    ln2_hi: 6.931_471_803_691_238_2e-1,
    ln2_lo: 1.908_214_929_270_587_7e-10,
    poly: &[
        1.0 / 6_227_020_800.0,
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ],
    bias: 1022,
    mant: 52,
};

/// `f32`: degree 7.
#[allow(clippy::excessive_precision)]
pub(crate) const EXP_F32: ExpConsts<f32> = ExpConsts {
    lo: -86.5,
    hi: 88.72,
    shift: 12_582_912.0,
    log2e: core::f32::consts::LOG2_E,
    ln2_hi: 0.693_359_4,
    ln2_lo: -2.121_944_4e-4,
    poly: &[
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ],
    bias: 126,
    mant: 23,
};

/// `exp(x)` for one `f64` lane (see the module documentation).
#[inline(always)]
pub(crate) fn exp_f64<const F: bool>(x: f64) -> f64 {
    let e = &EXP_F64;
    let xc = if x < e.lo { e.lo } else { x };
    let xc = if xc > e.hi { e.hi } else { xc };
    let t = fma64::<F>(xc, e.log2e, e.shift);
    let kf = t - e.shift;
    let r = fma64::<F>(kf, -e.ln2_hi, xc);
    let r = fma64::<F>(kf, -e.ln2_lo, r);
    let mut p = e.poly[0];
    for &c in &e.poly[1..] {
        p = fma64::<F>(p, r, c);
    }
    // k ∈ [−1021, 1024]: split 2^k = 2^(k−1) · 2 so that k = 1024 (x just below ln(MAX)) stays finite.
    let k = (t.to_bits() as i64).wrapping_sub(e.shift.to_bits() as i64);
    let scale = f64::from_bits(((k + e.bias) as u64) << e.mant);
    let y = p * scale * 2.0;
    let y = if x < e.lo { 0.0 } else { y };
    let y = if x > e.hi { f64::INFINITY } else { y };
    if x.is_nan() {
        x
    } else {
        y
    }
}

/// `exp(x)` for one `f32` lane (see the module documentation).
#[inline(always)]
pub(crate) fn exp_f32<const F: bool>(x: f32) -> f32 {
    let e = &EXP_F32;
    let xc = if x < e.lo { e.lo } else { x };
    let xc = if xc > e.hi { e.hi } else { xc };
    let t = fma32::<F>(xc, e.log2e, e.shift);
    let kf = t - e.shift;
    let r = fma32::<F>(kf, -e.ln2_hi, xc);
    let r = fma32::<F>(kf, -e.ln2_lo, r);
    let mut p = e.poly[0];
    for &c in &e.poly[1..] {
        p = fma32::<F>(p, r, c);
    }
    // k ∈ [−125, 128], so k + 126 ∈ [1, 254]: a normal power of two.
    let k = (t.to_bits() as i32).wrapping_sub(e.shift.to_bits() as i32);
    let scale = f32::from_bits(((k + e.bias as i32) as u32) << e.mant);
    let y = p * scale * 2.0;
    let y = if x < e.lo { 0.0 } else { y };
    let y = if x > e.hi { f32::INFINITY } else { y };
    if x.is_nan() {
        x
    } else {
        y
    }
}

/// `exp(x)` of one lane: the polynomial above for `f32` and `f64` (the type test folds away), otherwise
/// [`num_traits::Float::exp`].
#[inline(always)]
pub(crate) fn exp_one<T: Real, const F: bool>(x: T) -> T {
    if TypeId::of::<T>() == TypeId::of::<f64>() {
        // SAFETY: T is f64 (same type, same layout).
        let v: f64 = unsafe { core::mem::transmute_copy(&x) };
        let y = exp_f64::<F>(v);
        // SAFETY: as above.
        unsafe { core::mem::transmute_copy(&y) }
    } else if TypeId::of::<T>() == TypeId::of::<f32>() {
        // SAFETY: T is f32 (same type, same layout).
        let v: f32 = unsafe { core::mem::transmute_copy(&x) };
        let y = exp_f32::<F>(v);
        // SAFETY: as above.
        unsafe { core::mem::transmute_copy(&y) }
    } else {
        x.exp()
    }
}

/// Applies `exp` to every lane, in place: the polynomial above for `f32` and `f64`, [`num_traits::Float::exp`]
/// for any other `Real`.
#[inline(always)]
pub(crate) fn exp_lanes<T: Real, const F: bool>(x: &mut [T]) {
    if TypeId::of::<T>() == TypeId::of::<f64>() {
        // SAFETY: T is f64 (same type, same layout).
        let x = unsafe { &mut *(x as *mut [T] as *mut [f64]) };
        for v in x.iter_mut() {
            *v = exp_f64::<F>(*v);
        }
    } else if TypeId::of::<T>() == TypeId::of::<f32>() {
        // SAFETY: T is f32 (same type, same layout).
        let x = unsafe { &mut *(x as *mut [T] as *mut [f32]) };
        for v in x.iter_mut() {
            *v = exp_f32::<F>(*v);
        }
    } else {
        for v in x.iter_mut() {
            *v = v.exp();
        }
    }
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f,avx2,fma")]
fn exp_slice_avx512<T: Real>(x: &mut [T]) {
    exp_lanes::<T, true>(x)
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
fn exp_slice_avx2<T: Real>(x: &mut [T]) {
    exp_lanes::<T, true>(x)
}

/// `x ← exp(x)` elementwise with the vectorised exponential of this module (AVX-512 or AVX2 + FMA when the CPU
/// has them, detected at run time with `std` on x86-64; portable code otherwise). Error bounds in the module
/// documentation.
///
/// ```
/// let mut x = [0.0f64, 1.0, -2.5];
/// equistein::kernel::exp_slice(&mut x);
/// assert!((x[1] - std::f64::consts::E).abs() < 1e-15);
/// assert!((x[2] - (-2.5f64).exp()).abs() < 1e-16);
/// ```
pub fn exp_slice<T: Real>(x: &mut [T]) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    {
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports the enabled features (checked just above).
            return unsafe { exp_slice_avx512(x) };
        }
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: as above.
            return unsafe { exp_slice_avx2(x) };
        }
    }
    exp_lanes::<T, false>(x)
}
