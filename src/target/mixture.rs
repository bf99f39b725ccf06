//! Gaussian mixtures `π(x) = Σ_k w_k N(x; μ_k, Σ_k)`, with the C_N-symmetric constructor of the toy targets.

use super::lse::{ascending, log_sum_exp};
use super::{ExactSample, Gaussian};
use crate::energy::Energy;
use crate::error::{ensure_dim, ensure_positive, Error, Result};
use crate::group::CyclicRotation;
use crate::particles::Particles;
use crate::random::uniform01;
use crate::real::Real;
use alloc::vec;
use alloc::vec::Vec;
use rand_core::RngCore;

/// A mixture of normals, as the energy
///
/// `E(x) = −log π(x) = −logsumexp_k (log w_k − E_k(x))`, `E_k = −log N(·; μ_k, Σ_k)`,
///
/// computed stably (the largest term factored out), with the gradient weighted by the responsibilities
/// `∇E(x) = Σ_k ρ_k(x) ∇E_k(x)`, `ρ_k = w_k N_k(x) / π(x)`. The weights are normalised to sum to 1.
/// The components are summed in ascending order of their terms, so that a symmetry which permutes the
/// components leaves `E` and `∇E` unchanged bit for bit whenever the component terms are computed exactly
/// (as for the C4 target under quarter turns).
///
/// ```
/// use equistein::target::GaussianMixture;
/// use equistein::Energy;
/// // The C4 toy target (ESVGD.md §3, §8).
/// let t = GaussianMixture::<f64>::c_n_symmetric(4, 3.0, 1.0, 0.2).unwrap();
/// assert!((t.log_prob(&[3.0, 0.0]).unwrap() - (-2.419452)).abs() < 1e-6);
/// assert!((t.log_prob(&[0.0, -3.0]).unwrap() - (-2.419452)).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianMixture<T: Real> {
    weights: Vec<T>,
    log_weights: Vec<T>,
    components: Vec<Gaussian<T>>,
}

impl<T: Real> GaussianMixture<T> {
    /// The mixture `Σ_k w_k N_k` with `weights` (positive and finite, normalised here to sum to 1) and
    /// `components` (at least one, all of the same dimension).
    pub fn new(weights: Vec<T>, components: Vec<Gaussian<T>>) -> Result<Self> {
        if components.is_empty() {
            return Err(Error::InvalidParameter {
                name: "components",
                reason: "a mixture needs at least one component".into(),
            });
        }
        ensure_dim(
            "mixture weights (one per component)",
            components.len(),
            weights.len(),
        )?;
        for &w in &weights {
            ensure_positive("weights", w.to_f64_lossy())?;
        }
        let d = components[0].dim();
        for c in &components {
            ensure_dim("mixture components (all the same dimension)", d, c.dim())?;
        }
        let total: T = weights.iter().copied().sum();
        let weights: Vec<T> = weights.iter().map(|&w| w / total).collect();
        let log_weights = weights.iter().map(|w| w.ln()).collect();
        Ok(GaussianMixture {
            weights,
            log_weights,
            components,
        })
    }

    /// The C_N-symmetric mixture of the toy targets (ESVGD.md §3): `n` equally weighted components; component 0
    /// has mean `(radius, 0)` and covariance `diag(radial_var, tangential_var)`, and component `k` is
    /// component 0 rotated by `θ_k = −2πk/n`: mean `R(θ_k) (radius, 0)`, covariance
    /// `R(θ_k) diag(radial_var, tangential_var) R(θ_k)ᵀ`. With `n = 4` and radius 3 the means are, in order,
    /// (3, 0), (0, −3), (−3, 0), (0, 3), as listed in the paper (the set of components, hence the density, is
    /// the same for either sense of rotation). Rotations by multiples of 90° are exact.
    ///
    /// Errors unless `n ≥ 1` and `radius`, `radial_var`, `tangential_var` are positive and finite.
    pub fn c_n_symmetric(n: usize, radius: T, radial_var: T, tangential_var: T) -> Result<Self> {
        let group = CyclicRotation::new(n)?;
        ensure_positive("radius", radius.to_f64_lossy())?;
        ensure_positive("radial_var", radial_var.to_f64_lossy())?;
        ensure_positive("tangential_var", tangential_var.to_f64_lossy())?;
        let mut components = Vec::with_capacity(n);
        for k in 0..n {
            // R(−2πk/n) is the group's element (n − k) mod n.
            let (c, s): (T, T) = group.cos_sin((n - k) % n);
            let mean = vec![c * radius, s * radius];
            let off = c * s * (radial_var - tangential_var);
            let cov = vec![
                c * c * radial_var + s * s * tangential_var,
                off,
                off,
                s * s * radial_var + c * c * tangential_var,
            ];
            components.push(Gaussian::new(mean, cov)?);
        }
        Self::new(vec![T::one(); n], components)
    }

    /// The normalised weights `w_k`.
    pub fn weights(&self) -> &[T] {
        &self.weights
    }

    /// The components `N(μ_k, Σ_k)`.
    pub fn components(&self) -> &[Gaussian<T>] {
        &self.components
    }

    /// The component means `μ_k` (the modes of a well-separated mixture), in component order.
    pub fn means(&self) -> Vec<Vec<T>> {
        self.components.iter().map(|c| c.mean().to_vec()).collect()
    }

    /// The responsibilities `ρ_k(x) = w_k N_k(x) / π(x)` (they sum to 1).
    pub fn responsibilities(&self, x: &[T]) -> Result<Vec<T>> {
        ensure_dim("mixture input", self.dim(), x.len())?;
        let terms = self.terms(x, None);
        let order = ascending(&terms);
        let lse = log_sum_exp(&terms, &order);
        Ok(terms.iter().map(|&t| (t - lse).exp()).collect())
    }

    /// The terms `log w_k − E_k(x)`, and the component gradients into `grads` (`K × d`) when given.
    fn terms(&self, x: &[T], mut grads: Option<&mut [T]>) -> Vec<T> {
        let d = self.dim();
        self.components
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let g = grads.as_deref_mut().map(|g| &mut g[k * d..(k + 1) * d]);
                self.log_weights[k] - c.eval(x, g)
            })
            .collect()
    }
}

impl<T: Real> Energy<T> for GaussianMixture<T> {
    fn dim(&self) -> usize {
        self.components[0].dim()
    }

    fn energy(&self, x: &[T]) -> Result<T> {
        ensure_dim("mixture input", self.dim(), x.len())?;
        let terms = self.terms(x, None);
        Ok(-log_sum_exp(&terms, &ascending(&terms)))
    }

    fn energy_grad(&self, x: &[T], grad: &mut [T]) -> Result<T> {
        let d = self.dim();
        ensure_dim("mixture input", d, x.len())?;
        ensure_dim("mixture gradient", d, grad.len())?;
        let mut grads = vec![T::zero(); self.components.len() * d];
        let terms = self.terms(x, Some(&mut grads));
        let order = ascending(&terms);
        let lse = log_sum_exp(&terms, &order);
        grad.iter_mut().for_each(|g| *g = T::zero());
        for &k in &order {
            let rho = (terms[k] - lse).exp();
            for (g, &gk) in grad.iter_mut().zip(&grads[k * d..(k + 1) * d]) {
                *g += rho * gk;
            }
        }
        Ok(-lse)
    }
}

impl<T: Real> ExactSample<T> for GaussianMixture<T> {
    /// Each draw picks component `k` with probability `w_k`, then draws from it exactly.
    fn sample_exact<R: RngCore + ?Sized>(&self, rng: &mut R, n: usize) -> Particles<T> {
        let d = self.dim();
        let mut out = Particles::zeros(d, n);
        let mut xi = vec![T::zero(); d];
        let cumulative: Vec<f64> = self
            .weights
            .iter()
            .scan(0.0, |acc, w| {
                *acc += w.to_f64_lossy();
                Some(*acc)
            })
            .collect();
        let total = cumulative.last().copied().unwrap_or(1.0);
        for p in out.iter_mut() {
            let u = uniform01(rng) * total;
            let k = cumulative
                .iter()
                .position(|&c| u < c)
                .unwrap_or(self.components.len() - 1);
            self.components[k].draw(rng, &mut xi, p);
        }
        out
    }
}
