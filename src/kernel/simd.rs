//! Explicit SIMD vectors for the source-sweep loops of [`super::sweep`]: `f64 × 8` and `f32 × 16` (AVX-512),
//! `f64 × 4` and `f32 × 8` (AVX2 + FMA).
//!
//! Each type wraps one register and offers the few operations the Stein sums need: loads, broadcasts, the four
//! arithmetic operations, fused multiply–add, square root, the exponential of a non-positive argument (the same
//! algorithm and constants as the scalar [`super::exp`], operation for operation, so a lane computes exactly
//! what `exp_f64::<true>` / `exp_f32::<true>` computes) and a horizontal sum in a fixed lane order.
//!
//! Every method is `unsafe`: it may only run on a CPU with the type's features (the callers check with
//! `is_x86_feature_detected!` and call these inside functions compiled with `#[target_feature]`, where they
//! inline to single instructions).

#![allow(clippy::missing_safety_doc)]

use super::exp::{ExpConsts, EXP_F32, EXP_F64};
use crate::real::Real;
use core::arch::x86_64::*;

/// Reinterprets a mutable slice of `T` as one of `U` (for dispatching generic code to the `f64` / `f32` vectors).
///
/// # Safety
/// `T` and `U` must be the same type.
pub(crate) unsafe fn cast_mut<T, U>(x: &mut [T]) -> &mut [U] {
    &mut *(x as *mut [T] as *mut [U])
}

/// One SIMD register of `W` lanes of `T`.
pub(crate) trait Vector: Copy {
    /// The lane type.
    type T: Real;
    /// Lanes per register.
    const W: usize;
    /// The exponential's constants for `T`.
    const EXP: ExpConsts<Self::T>;
    unsafe fn splat(x: Self::T) -> Self;
    /// Loads `W` values (no alignment needed).
    unsafe fn load(p: *const Self::T) -> Self;
    /// Stores the `W` lanes (no alignment needed).
    unsafe fn store(self, p: *mut Self::T);
    unsafe fn add(self, b: Self) -> Self;
    unsafe fn sub(self, b: Self) -> Self;
    unsafe fn mul(self, b: Self) -> Self;
    unsafe fn div(self, b: Self) -> Self;
    /// `self · b + c`, rounded once.
    unsafe fn fma(self, b: Self, c: Self) -> Self;
    unsafe fn sqrt(self) -> Self;
    /// `max(self, b)` (no NaN inputs).
    unsafe fn max(self, b: Self) -> Self;
    /// `2^(k−1)` (an exact power of two) from `t = k + shift` as produced by the exponential's rounding step.
    unsafe fn pow2_from_shifted(t: Self) -> Self;
    /// `self` where `x ≥ lo`, `0` where `x < lo`.
    unsafe fn zero_where_below(self, x: Self, lo: Self) -> Self;
    /// `1` in the first `k` lanes, `0` in the others.
    unsafe fn first_lanes(k: usize) -> Self;
    /// The sum of the lanes, `((l₀ + l₁) + l₂) + …`.
    unsafe fn sum(self) -> Self::T;

    /// `exp(x)` for `x ∈ [−∞, 0]` (not NaN): equal, lane by lane, to the scalar exponential of [`super::exp`]
    /// with fused multiply–adds.
    #[inline(always)]
    unsafe fn exp_nonpos(x: Self) -> Self {
        let e = Self::EXP;
        let lo = Self::splat(e.lo);
        let xc = x.max(lo);
        let shift = Self::splat(e.shift);
        let t = xc.fma(Self::splat(e.log2e), shift);
        let kf = t.sub(shift);
        let r = kf.fma(Self::splat(-e.ln2_hi), xc);
        let r = kf.fma(Self::splat(-e.ln2_lo), r);
        let mut p = Self::splat(e.poly[0]);
        for &c in &e.poly[1..] {
            p = p.fma(r, Self::splat(c));
        }
        let y = p
            .mul(Self::pow2_from_shifted(t))
            .mul(Self::splat(Self::T::c(2.0)));
        y.zero_where_below(x, lo)
    }
}

macro_rules! lanes_common {
    ($t:ty, $w:literal, $store:ident) => {
        #[inline(always)]
        unsafe fn first_lanes(k: usize) -> Self {
            let mut a = [0.0 as $t; $w];
            for v in a.iter_mut().take(k) {
                *v = 1.0;
            }
            Self::load(a.as_ptr())
        }
        #[inline(always)]
        unsafe fn store(self, p: *mut $t) {
            $store(p, self.0)
        }
        #[inline(always)]
        unsafe fn sum(self) -> $t {
            let mut a = [0.0 as $t; $w];
            $store(a.as_mut_ptr(), self.0);
            a.iter().fold(0.0, |s, &v| s + v)
        }
    };
}

/// Eight `f64` lanes (AVX-512 F).
#[derive(Clone, Copy)]
pub(crate) struct F64x8(__m512d);

impl Vector for F64x8 {
    type T = f64;
    const W: usize = 8;
    const EXP: ExpConsts<f64> = EXP_F64;
    #[inline(always)]
    unsafe fn splat(x: f64) -> Self {
        Self(_mm512_set1_pd(x))
    }
    #[inline(always)]
    unsafe fn load(p: *const f64) -> Self {
        Self(_mm512_loadu_pd(p))
    }
    #[inline(always)]
    unsafe fn add(self, b: Self) -> Self {
        Self(_mm512_add_pd(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn sub(self, b: Self) -> Self {
        Self(_mm512_sub_pd(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn mul(self, b: Self) -> Self {
        Self(_mm512_mul_pd(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn div(self, b: Self) -> Self {
        Self(_mm512_div_pd(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn fma(self, b: Self, c: Self) -> Self {
        Self(_mm512_fmadd_pd(self.0, b.0, c.0))
    }
    #[inline(always)]
    unsafe fn sqrt(self) -> Self {
        Self(_mm512_sqrt_pd(self.0))
    }
    #[inline(always)]
    unsafe fn max(self, b: Self) -> Self {
        Self(_mm512_max_pd(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn pow2_from_shifted(t: Self) -> Self {
        let k = _mm512_sub_epi64(
            _mm512_castpd_si512(t.0),
            _mm512_set1_epi64(EXP_F64.shift.to_bits() as i64),
        );
        let e = _mm512_slli_epi64::<52>(_mm512_add_epi64(k, _mm512_set1_epi64(EXP_F64.bias)));
        Self(_mm512_castsi512_pd(e))
    }
    #[inline(always)]
    unsafe fn zero_where_below(self, x: Self, lo: Self) -> Self {
        let below = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(x.0, lo.0);
        Self(_mm512_maskz_mov_pd(!below, self.0))
    }
    lanes_common!(f64, 8, _mm512_storeu_pd);
}

/// Sixteen `f32` lanes (AVX-512 F).
#[derive(Clone, Copy)]
pub(crate) struct F32x16(__m512);

impl Vector for F32x16 {
    type T = f32;
    const W: usize = 16;
    const EXP: ExpConsts<f32> = EXP_F32;
    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        Self(_mm512_set1_ps(x))
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        Self(_mm512_loadu_ps(p))
    }
    #[inline(always)]
    unsafe fn add(self, b: Self) -> Self {
        Self(_mm512_add_ps(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn sub(self, b: Self) -> Self {
        Self(_mm512_sub_ps(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn mul(self, b: Self) -> Self {
        Self(_mm512_mul_ps(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn div(self, b: Self) -> Self {
        Self(_mm512_div_ps(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn fma(self, b: Self, c: Self) -> Self {
        Self(_mm512_fmadd_ps(self.0, b.0, c.0))
    }
    #[inline(always)]
    unsafe fn sqrt(self) -> Self {
        Self(_mm512_sqrt_ps(self.0))
    }
    #[inline(always)]
    unsafe fn max(self, b: Self) -> Self {
        Self(_mm512_max_ps(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn pow2_from_shifted(t: Self) -> Self {
        let k = _mm512_sub_epi32(
            _mm512_castps_si512(t.0),
            _mm512_set1_epi32(EXP_F32.shift.to_bits() as i32),
        );
        let e =
            _mm512_slli_epi32::<23>(_mm512_add_epi32(k, _mm512_set1_epi32(EXP_F32.bias as i32)));
        Self(_mm512_castsi512_ps(e))
    }
    #[inline(always)]
    unsafe fn zero_where_below(self, x: Self, lo: Self) -> Self {
        let below = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(x.0, lo.0);
        Self(_mm512_maskz_mov_ps(!below, self.0))
    }
    lanes_common!(f32, 16, _mm512_storeu_ps);
}

/// Four `f64` lanes (AVX2 + FMA).
#[derive(Clone, Copy)]
pub(crate) struct F64x4(__m256d);

impl Vector for F64x4 {
    type T = f64;
    const W: usize = 4;
    const EXP: ExpConsts<f64> = EXP_F64;
    #[inline(always)]
    unsafe fn splat(x: f64) -> Self {
        Self(_mm256_set1_pd(x))
    }
    #[inline(always)]
    unsafe fn load(p: *const f64) -> Self {
        Self(_mm256_loadu_pd(p))
    }
    #[inline(always)]
    unsafe fn add(self, b: Self) -> Self {
        Self(_mm256_add_pd(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn sub(self, b: Self) -> Self {
        Self(_mm256_sub_pd(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn mul(self, b: Self) -> Self {
        Self(_mm256_mul_pd(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn div(self, b: Self) -> Self {
        Self(_mm256_div_pd(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn fma(self, b: Self, c: Self) -> Self {
        Self(_mm256_fmadd_pd(self.0, b.0, c.0))
    }
    #[inline(always)]
    unsafe fn sqrt(self) -> Self {
        Self(_mm256_sqrt_pd(self.0))
    }
    #[inline(always)]
    unsafe fn max(self, b: Self) -> Self {
        Self(_mm256_max_pd(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn pow2_from_shifted(t: Self) -> Self {
        let k = _mm256_sub_epi64(
            _mm256_castpd_si256(t.0),
            _mm256_set1_epi64x(EXP_F64.shift.to_bits() as i64),
        );
        let e = _mm256_slli_epi64::<52>(_mm256_add_epi64(k, _mm256_set1_epi64x(EXP_F64.bias)));
        Self(_mm256_castsi256_pd(e))
    }
    #[inline(always)]
    unsafe fn zero_where_below(self, x: Self, lo: Self) -> Self {
        let below = _mm256_cmp_pd::<_CMP_LT_OQ>(x.0, lo.0);
        Self(_mm256_andnot_pd(below, self.0))
    }
    lanes_common!(f64, 4, _mm256_storeu_pd);
}

/// Eight `f32` lanes (AVX2 + FMA).
#[derive(Clone, Copy)]
pub(crate) struct F32x8(__m256);

impl Vector for F32x8 {
    type T = f32;
    const W: usize = 8;
    const EXP: ExpConsts<f32> = EXP_F32;
    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        Self(_mm256_set1_ps(x))
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        Self(_mm256_loadu_ps(p))
    }
    #[inline(always)]
    unsafe fn add(self, b: Self) -> Self {
        Self(_mm256_add_ps(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn sub(self, b: Self) -> Self {
        Self(_mm256_sub_ps(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn mul(self, b: Self) -> Self {
        Self(_mm256_mul_ps(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn div(self, b: Self) -> Self {
        Self(_mm256_div_ps(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn fma(self, b: Self, c: Self) -> Self {
        Self(_mm256_fmadd_ps(self.0, b.0, c.0))
    }
    #[inline(always)]
    unsafe fn sqrt(self) -> Self {
        Self(_mm256_sqrt_ps(self.0))
    }
    #[inline(always)]
    unsafe fn max(self, b: Self) -> Self {
        Self(_mm256_max_ps(self.0, b.0))
    }
    #[inline(always)]
    unsafe fn pow2_from_shifted(t: Self) -> Self {
        let k = _mm256_sub_epi32(
            _mm256_castps_si256(t.0),
            _mm256_set1_epi32(EXP_F32.shift.to_bits() as i32),
        );
        let e =
            _mm256_slli_epi32::<23>(_mm256_add_epi32(k, _mm256_set1_epi32(EXP_F32.bias as i32)));
        Self(_mm256_castsi256_ps(e))
    }
    #[inline(always)]
    unsafe fn zero_where_below(self, x: Self, lo: Self) -> Self {
        let below = _mm256_cmp_ps::<_CMP_LT_OQ>(x.0, lo.0);
        Self(_mm256_andnot_ps(below, self.0))
    }
    lanes_common!(f32, 8, _mm256_storeu_ps);
}
