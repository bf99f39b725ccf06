//! Elementwise kernels of the EGNN's sampling path: SiLU with its derivative and the logistic function over
//! slices, and a small GEMM wrapper.
//!
//! In `f32` the exponential is a branch-free polynomial (Cephes' `expf`: range reduction by `ln 2`, a degree-6
//! polynomial, the power of two built in the exponent bits; relative error about 2 · 10⁻⁷ on the clamped range
//! `[−87, 88]`), so the loops vectorise; `f64` uses the standard `exp`. The callers compile these loops inside
//! functions with AVX2 enabled where the CPU has it ([`super::fast`]).

use crate::float::Float;
use core::any::TypeId;

/// The slice as `&mut [f32]` when `T` is `f32`.
#[inline(always)]
fn as_f32<T: 'static>(s: &mut [T]) -> Option<&mut [f32]> {
    if TypeId::of::<T>() == TypeId::of::<f32>() {
        // SAFETY: T is f32 (same type id), so the cast is the identity.
        Some(unsafe { &mut *(s as *mut [T] as *mut [f32]) })
    } else {
        None
    }
}

/// The slice as `&[f32]` when `T` is `f32`.
#[inline(always)]
fn as_f32_ref<T: 'static>(s: &[T]) -> Option<&[f32]> {
    if TypeId::of::<T>() == TypeId::of::<f32>() {
        // SAFETY: T is f32 (same type id), so the cast is the identity.
        Some(unsafe { &*(s as *const [T] as *const [f32]) })
    } else {
        None
    }
}

/// Whether the AVX-512 kernels run here.
#[inline(always)]
fn avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        super::avx512::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `e^x` in `f32`, branch-free, for `x` clamped to `[−87, 88]`.
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5 · 2²³: adding it rounds to an integer held in the low mantissa bits
    let x = x.clamp(-87.0, 88.0);
    let k = x * core::f32::consts::LOG2_E + MAGIC;
    let n = k - MAGIC;
    let bits = k.to_bits().wrapping_sub(0x4B40_0000); // n as a two's-complement integer
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    y * f32::from_bits(bits.wrapping_add(127) << 23)
}

/// `z ← SiLU(z) = z σ(z)` and, with `deriv`, `deriv ← SiLU'(z) = σ(z) (1 + z (1 − σ(z)))` (of the input `z`).
#[inline(always)]
pub(crate) fn silu<T: Float>(z: &mut [T], deriv: Option<&mut [T]>) {
    #[cfg(target_arch = "x86_64")]
    if avx512() {
        if let Some(zf) = as_f32(z) {
            let df = deriv.map(|d| as_f32(d).expect("same type"));
            // SAFETY: the CPU has AVX-512F (checked by `avx512`).
            unsafe { super::avx512::silu(zf, df) };
            return;
        }
    }
    match (as_f32(z), deriv) {
        (Some(zf), Some(d)) => {
            let df = as_f32(d).expect("same type");
            for (v, dv) in zf.iter_mut().zip(df.iter_mut()) {
                let s = 1.0 / (1.0 + exp_f32(-*v));
                *dv = s * (1.0 + *v * (1.0 - s));
                *v *= s;
            }
        }
        (Some(zf), None) => {
            for v in zf.iter_mut() {
                *v /= 1.0 + exp_f32(-*v);
            }
        }
        (None, Some(d)) => {
            for (v, dv) in z.iter_mut().zip(d.iter_mut()) {
                let s = T::one() / (T::one() + (-*v).exp());
                *dv = s * (T::one() + *v * (T::one() - s));
                *v *= s;
            }
        }
        (None, None) => {
            for v in z.iter_mut() {
                *v = *v / (T::one() + (-*v).exp());
            }
        }
    }
}

/// `z ← σ(z) = 1 / (1 + e^{−z})`.
#[inline(always)]
pub(crate) fn sigmoid<T: Float>(z: &mut [T]) {
    #[cfg(target_arch = "x86_64")]
    if avx512() {
        if let Some(zf) = as_f32(z) {
            // SAFETY: the CPU has AVX-512F (checked by `avx512`).
            unsafe { super::avx512::sigmoid(zf) };
            return;
        }
    }
    if let Some(zf) = as_f32(z) {
        for v in zf.iter_mut() {
            *v = 1.0 / (1.0 + exp_f32(-*v));
        }
    } else {
        for v in z.iter_mut() {
            *v = T::one() / (T::one() + (-*v).exp());
        }
    }
}

/// `dst (m × n) ← [dst +] a · b`, row-major `dst`; `a` is `m × k` (stored `k × m` if `a_t`), `b` is `k × n`
/// (stored `n × k` if `b_t`); `lda`/`ldb` are the stored row lengths.
#[allow(clippy::too_many_arguments)]
#[inline]
pub(crate) fn gemm<T: Float>(
    m: usize,
    n: usize,
    k: usize,
    a: &[T],
    lda: usize,
    b: &[T],
    ldb: usize,
    b_t: bool,
    dst: &mut [T],
    accumulate: bool,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(k > 0 && lda >= k && a.len() >= (m - 1) * lda + k && dst.len() >= m * n);
    let (rhs_rs, rhs_cs) = if b_t {
        assert!(ldb >= k && b.len() >= (n - 1) * ldb + k);
        (1, ldb as isize)
    } else {
        assert!(ldb >= n && b.len() >= (k - 1) * ldb + n);
        (ldb as isize, 1)
    };
    #[cfg(target_arch = "x86_64")]
    if !b_t && n.is_multiple_of(16) && avx512() {
        if let (Some(af), Some(bf), Some(cf)) = (as_f32_ref(a), as_f32_ref(b), as_f32(dst)) {
            // SAFETY: the CPU has AVX-512F; the lengths are asserted above.
            unsafe { super::avx512::gemm(m, n, k, af, lda, bf, ldb, cf, accumulate) };
            return;
        }
    }
    // SAFETY: the strides describe the buffers, whose lengths are asserted above; dst aliases neither input.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.as_ptr(),
            1,
            lda as isize,
            b.as_ptr(),
            rhs_cs,
            rhs_rs,
            T::one(),
            T::one(),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// `dst (m × n, row length n) [+]= aᵀ · b` with `a` stored `k × m` (row length `lda`) and `b` stored `k × n` (row
/// length `ldb`): the weight gradients `Σ_rows δ ⊗ input` of the training path.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_at<T: Float>(
    m: usize,
    n: usize,
    k: usize,
    a: &[T],
    lda: usize,
    b: &[T],
    ldb: usize,
    dst: &mut [T],
    accumulate: bool,
) {
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    assert!(lda >= m && a.len() >= (k - 1) * lda + m);
    assert!(ldb >= n && b.len() >= (k - 1) * ldb + n && dst.len() >= m * n);
    // SAFETY: the strides describe the buffers, whose lengths are asserted above; dst aliases neither input.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.as_ptr(),
            lda as isize,
            1,
            b.as_ptr(),
            1,
            ldb as isize,
            T::one(),
            T::one(),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_f32_is_accurate() {
        let mut worst = 0.0f64;
        for i in -8700..=8800 {
            let x = i as f32 * 0.01;
            let e = f64::from(x).exp();
            worst = worst.max(((f64::from(exp_f32(x)) - e) / e).abs());
        }
        assert!(worst < 4e-7, "relative error {worst}");
        assert!(exp_f32(-200.0) > 0.0 && exp_f32(200.0).is_finite());
    }

    #[test]
    fn silu_matches_definition() {
        let mut z: Vec<f32> = (-50..50).map(|i| i as f32 * 0.37).collect();
        let orig = z.clone();
        let mut d = vec![0.0f32; z.len()];
        silu(&mut z, Some(&mut d));
        for ((&x, &y), &dy) in orig.iter().zip(&z).zip(&d) {
            let x = f64::from(x);
            let s = 1.0 / (1.0 + (-x).exp());
            assert!((f64::from(y) - x * s).abs() < 1e-6 * (1.0 + x.abs()));
            assert!((f64::from(dy) - s * (1.0 + x * (1.0 - s))).abs() < 1e-6);
        }
    }
}

#[cfg(test)]
mod dispatch_tests {
    use super::*;

    /// The dispatched kernels (AVX-512 where the CPU has it) against plain loops, odd sizes included.
    #[test]
    fn dispatched_kernels_match_plain_loops() {
        for &(m, n, k) in &[
            (1, 16, 1),
            (7, 64, 64),
            (13, 128, 64),
            (6, 48, 128),
            (5, 10, 3),
        ] {
            let a: Vec<f32> = (0..m * k)
                .map(|i| ((i * 37) % 11) as f32 / 7.0 - 0.6)
                .collect();
            let b: Vec<f32> = (0..k * n)
                .map(|i| ((i * 17) % 13) as f32 / 9.0 - 0.7)
                .collect();
            for acc in [false, true] {
                let mut c: Vec<f32> = (0..m * n).map(|i| (i % 5) as f32).collect();
                let mut expect = c.clone();
                for r in 0..m {
                    for j in 0..n {
                        let s: f64 = (0..k).map(|p| f64::from(a[r * k + p] * b[p * n + j])).sum();
                        let base = if acc {
                            f64::from(expect[r * n + j])
                        } else {
                            0.0
                        };
                        expect[r * n + j] = (base + s) as f32;
                    }
                }
                gemm(m, n, k, &a, k, &b, n, false, &mut c, acc);
                for (x, y) in c.iter().zip(&expect) {
                    assert!(
                        (x - y).abs() < 1e-4 * (1.0 + y.abs()),
                        "{m}×{n}×{k}: {x} vs {y}"
                    );
                }
            }
        }
        for len in [1usize, 15, 16, 17, 100] {
            let z0: Vec<f32> = (0..len).map(|i| (i as f32 - 50.0) * 0.9).collect();
            let (mut z, mut d, mut s) = (z0.clone(), vec![0.0f32; len], z0.clone());
            silu(&mut z, Some(&mut d));
            sigmoid(&mut s);
            for (i, &x) in z0.iter().enumerate() {
                let x64 = f64::from(x);
                let sg = 1.0 / (1.0 + (-x64).exp());
                assert!((f64::from(s[i]) - sg).abs() < 1e-6);
                assert!((f64::from(z[i]) - x64 * sg).abs() < 1e-6 * (1.0 + x64.abs()));
                assert!((f64::from(d[i]) - sg * (1.0 + x64 * (1.0 - sg))).abs() < 1e-6);
            }
        }
    }
}
