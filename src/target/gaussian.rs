//! The multivariate normal `N(μ, Σ)` with its full normalising constant.

use super::linalg::{cholesky, mul_lower, solve_lower, solve_lower_transpose};
use super::ExactSample;
use crate::energy::Energy;
use crate::error::{ensure_dim, ensure_positive, Error, Result};
use crate::particles::Particles;
use crate::random::fill_normal;
use crate::real::Real;
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;
use rand_core::RngCore;

/// The normal density `N(μ, Σ)` on `R^d`, as the energy
///
/// `E(x) = −log N(x; μ, Σ) = ½ (x − μ)ᵀ Σ⁻¹ (x − μ) + ½ log det Σ + (d/2) log 2π`,
///
/// `∇E(x) = Σ⁻¹ (x − μ)`, evaluated through the Cholesky factor `Σ = L Lᵀ`: with `z = L⁻¹ (x − μ)`, the
/// quadratic form is `‖z‖²`, `log det Σ = 2 Σ_i log L_ii` and `∇E = L⁻ᵀ z`. Exact samples are `μ + L ξ`,
/// `ξ ~ N(0, I)`.
///
/// ```
/// use equistein::target::Gaussian;
/// use equistein::Energy;
/// let g = Gaussian::new(vec![1.0, 0.0], vec![2.0, 0.5, 0.5, 1.0]).unwrap();
/// // At the mean: E = ½ log det Σ + log 2π, det Σ = 1.75.
/// let e = g.energy(&[1.0, 0.0]).unwrap();
/// assert!((e - (0.5 * 1.75f64.ln() + (2.0 * std::f64::consts::PI).ln())).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Gaussian<T: Real> {
    mean: Vec<T>,
    cov: Vec<T>,
    chol: Vec<T>,
    /// `½ log det Σ + (d/2) log 2π`.
    log_norm: T,
}

impl<T: Real> Gaussian<T> {
    /// `N(mean, cov)` with `cov` the `d × d` covariance, row-major (`d = mean.len() ≥ 1`). Errors when the mean
    /// is empty or not finite, or the covariance is not square, not symmetric or not positive definite.
    pub fn new(mean: Vec<T>, cov: Vec<T>) -> Result<Self> {
        let d = mean.len();
        if d == 0 {
            return Err(Error::InvalidParameter {
                name: "mean",
                reason: "the dimension must be at least 1".into(),
            });
        }
        if let Some(i) = mean.iter().position(|v| !v.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "mean",
                reason: format!("coordinate {i} is not finite"),
            });
        }
        let chol = cholesky("cov", &cov, d)?;
        let half_log_det = (0..d).fold(T::zero(), |acc, i| acc + chol[i * d + i].ln());
        let log_norm = half_log_det + T::c(0.5 * d as f64 * libm::log(core::f64::consts::TAU));
        Ok(Gaussian {
            mean,
            cov,
            chol,
            log_norm,
        })
    }

    /// `N(mean, sd² I)`; errors unless `sd` is positive and finite (and as [`Gaussian::new`]).
    pub fn isotropic(mean: Vec<T>, sd: T) -> Result<Self> {
        ensure_positive("sd", sd.to_f64_lossy())?;
        let d = mean.len();
        let mut cov = vec![T::zero(); d * d];
        for i in 0..d {
            cov[i * d + i] = sd * sd;
        }
        Self::new(mean, cov)
    }

    /// The mean `μ`.
    pub fn mean(&self) -> &[T] {
        &self.mean
    }

    /// The covariance `Σ`, `d × d` row-major.
    pub fn cov(&self) -> &[T] {
        &self.cov
    }

    /// The lower Cholesky factor `L` of `Σ = L Lᵀ`, `d × d` row-major.
    pub fn cholesky_factor(&self) -> &[T] {
        &self.chol
    }

    /// `E(x)`, and `∇E(x)` into `grad` when given; lengths are the caller's to check.
    pub(crate) fn eval(&self, x: &[T], grad: Option<&mut [T]>) -> T {
        let d = self.mean.len();
        let mut z: Vec<T> = x.iter().zip(&self.mean).map(|(&a, &m)| a - m).collect();
        solve_lower(&self.chol, d, &mut z);
        let quad = z.iter().fold(T::zero(), |acc, &v| acc + v * v);
        if let Some(g) = grad {
            solve_lower_transpose(&self.chol, d, &mut z);
            g.copy_from_slice(&z);
        }
        T::c(0.5) * quad + self.log_norm
    }

    /// One exact draw `μ + L ξ` into `out`, using `xi` (length `d`) as scratch.
    pub(crate) fn draw<R: RngCore + ?Sized>(&self, rng: &mut R, xi: &mut [T], out: &mut [T]) {
        fill_normal(rng, xi);
        mul_lower(&self.chol, self.mean.len(), xi, out);
        for (o, &m) in out.iter_mut().zip(&self.mean) {
            *o += m;
        }
    }
}

impl<T: Real> Energy<T> for Gaussian<T> {
    fn dim(&self) -> usize {
        self.mean.len()
    }
    fn energy(&self, x: &[T]) -> Result<T> {
        ensure_dim("Gaussian input", self.mean.len(), x.len())?;
        Ok(self.eval(x, None))
    }
    fn energy_grad(&self, x: &[T], grad: &mut [T]) -> Result<T> {
        ensure_dim("Gaussian input", self.mean.len(), x.len())?;
        ensure_dim("Gaussian gradient", self.mean.len(), grad.len())?;
        Ok(self.eval(x, Some(grad)))
    }
}

impl<T: Real> ExactSample<T> for Gaussian<T> {
    fn sample_exact<R: RngCore + ?Sized>(&self, rng: &mut R, n: usize) -> Particles<T> {
        let d = self.mean.len();
        let mut out = Particles::zeros(d, n);
        let mut xi = vec![T::zero(); d];
        for p in out.iter_mut() {
            self.draw(rng, &mut xi, p);
        }
        out
    }
}
