//! The inverse multiquadric kernel `k(x, y) = (c² + ‖x − y‖²/h²)^β`, β ∈ (−1, 0).

use super::{pointwise_stein_direction, Kernel, ScalarKernel, SteinInput};
use crate::error::{ensure_dim, ensure_positive, Error, Result};
use crate::particles::Particles;
use crate::real::{sq_dist, Real};
use alloc::format;

/// The inverse multiquadric (IMQ) kernel `k(x, y) = (c² + ‖x − y‖²/h²)^β` with `β ∈ (−1, 0)`, `c > 0`, `h > 0`
/// (defaults `β = −1/2`, `c = 1`). Its gradient is `∇_x k = 2β/h² · (c² + ‖x − y‖²/h²)^(β−1) · (x − y)`.
///
/// Heavy-tailed where the RBF kernel decays like a Gaussian; the kernel of the kernelized Stein discrepancy
/// (Gorham & Mackey 2017).
///
/// ```
/// use equistein::kernel::{Imq, ScalarKernel};
/// let k = Imq::new(1.0).unwrap();
/// // (1 + 3² + 4²)^(−1/2) = 1/√26
/// assert!((k.eval(&[0.0, 0.0], &[3.0, 4.0]) - 1.0 / 26f64.sqrt()).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Imq<T> {
    h: T,
    c: T,
    beta: T,
}

impl<T: Real> Imq<T> {
    /// The IMQ kernel with length scale `h`, `c = 1` and `β = −1/2`; errors unless `h` is positive and finite.
    pub fn new(h: T) -> Result<Self> {
        Self::with_params(h, T::one(), -T::c(0.5))
    }

    /// The IMQ kernel with every parameter given; errors unless `h > 0` and `c > 0` (both finite) and
    /// `−1 < β < 0`.
    pub fn with_params(h: T, c: T, beta: T) -> Result<Self> {
        ensure_positive("bandwidth", h.to_f64_lossy())?;
        ensure_positive("c", c.to_f64_lossy())?;
        if !(beta > -T::one() && beta < T::zero()) {
            return Err(Error::InvalidParameter {
                name: "beta",
                reason: format!("the IMQ exponent must lie in (−1, 0), got {beta}"),
            });
        }
        Ok(Imq { h, c, beta })
    }

    /// The length scale `h`.
    pub fn h(&self) -> T {
        self.h
    }

    /// The offset `c`.
    pub fn c(&self) -> T {
        self.c
    }

    /// The exponent `β`.
    pub fn beta(&self) -> T {
        self.beta
    }

    fn radial_profile(&self) -> super::Radial<T> {
        super::Radial::Imq {
            h: self.h,
            c: self.c,
            beta: self.beta,
        }
    }

    #[inline]
    fn base(&self, x: &[T], y: &[T]) -> T {
        self.c * self.c + sq_dist(x, y) / (self.h * self.h)
    }
}

impl<T: Real> ScalarKernel<T> for Imq<T> {
    fn radial(&self) -> Option<super::Radial<T>> {
        Some(self.radial_profile())
    }

    #[inline]
    fn eval(&self, x: &[T], y: &[T]) -> T {
        self.base(x, y).powf(self.beta)
    }

    #[inline]
    fn grad_first(&self, x: &[T], y: &[T], grad: &mut [T]) -> T {
        let b = self.base(x, y);
        let k = b.powf(self.beta);
        // d/dx b^β = β b^(β−1) · 2(x − y)/h² = (2β k / (b h²)) (x − y)
        let s = T::c(2.0) * self.beta * k / (b * self.h * self.h);
        for ((g, &a), &bb) in grad.iter_mut().zip(x).zip(y) {
            *g = s * (a - bb);
        }
        k
    }
}

impl<T: Real> Kernel<T> for Imq<T> {
    /// The fused fast path of [`super::Radial`]: per target, `Σ_j k s_j`, `Σ_j w` and `Σ_j w z̃_j` with
    /// `w = (c² + r²/h²)^(β−1)`, computed directly in one sweep (`O(n·d)` memory), then
    /// `φ(x_i) = (γ Σ_j k s_j + c' (x̃_i Σ_j w − Σ_j w z̃_j)) / N` with `c' = −2β/h²` (Liu–Wang) or `−4β/h²`
    /// (code form). The reference is [`pointwise_stein_direction`].
    fn stein_direction(&self, input: &SteinInput<'_, T>, out: &mut Particles<T>) -> Result<()> {
        input.validate()?;
        ensure_dim("output (count)", input.targets.len(), out.len())?;
        ensure_dim("output (dimension)", input.targets.dim(), out.dim())?;
        if input.targets.dim() == 0 {
            return pointwise_stein_direction(self, input, out);
        }
        super::radial::stationary(self.radial_profile(), input, out);
        Ok(())
    }
}
