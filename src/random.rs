//! Random variates from any [`rand_core::RngCore`]: uniform and standard normal draws, without `std`.
//!
//! The RNG is always passed in explicitly; the same seed gives the same numbers on every platform.

use crate::real::Real;
use rand_core::RngCore;

/// A uniform draw from `[0, 1)` with 53 random bits.
#[inline]
pub fn uniform01<R: RngCore + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform draw from `[lo, hi)`.
#[inline]
pub fn uniform<T: Real, R: RngCore + ?Sized>(rng: &mut R, lo: T, hi: T) -> T {
    lo + (hi - lo) * T::c(uniform01(rng))
}

/// A uniform index in `0..n` (`n > 0`), by rejection so that there is no modulo bias.
pub fn index<R: RngCore + ?Sized>(rng: &mut R, n: usize) -> usize {
    let n = n as u64;
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let v = rng.next_u64();
        if v < zone {
            return (v % n) as usize;
        }
    }
}

/// A standard normal draw (Box–Muller, one of the pair used).
pub fn standard_normal<T: Real, R: RngCore + ?Sized>(rng: &mut R) -> T {
    // u1 in (0, 1] so that ln(u1) is finite.
    let u1 = 1.0 - uniform01(rng);
    let u2 = uniform01(rng);
    let r = libm::sqrt(-2.0 * libm::log(u1));
    T::c(r * libm::cos(core::f64::consts::TAU * u2))
}

/// Fills `out` with independent standard normal draws.
pub fn fill_normal<T: Real, R: RngCore + ?Sized>(rng: &mut R, out: &mut [T]) {
    for v in out {
        *v = standard_normal(rng);
    }
}

/// A uniformly random unit vector in `R^d` (`d ≥ 1`).
pub fn unit_vector<T: Real, R: RngCore + ?Sized>(rng: &mut R, out: &mut [T]) {
    loop {
        fill_normal(rng, out);
        let n = crate::real::norm(out);
        if n > T::c(1e-12) {
            out.iter_mut().for_each(|v| *v = *v / n);
            return;
        }
    }
}
