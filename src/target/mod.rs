//! Analytic targets with normalised log-densities, each an [`Energy`](crate::Energy) with `E = −log π`:
//!
//! | type | density |
//! |---|---|
//! | [`Gaussian`] | `N(μ, Σ)` on `R^d` |
//! | [`GaussianMixture`] | `Σ_k w_k N(μ_k, Σ_k)`, with the C_N-symmetric constructor of the toy experiments |
//! | [`RadialMixture`] | `Σ_k w_k N(‖x‖; r_k, σ_k²)`, a density on the radius (concentric circles, spheres) |
//!
//! Every target can also draw exact samples ([`ExactSample`]), the reference that diagnostics compare SVGD
//! particles against.

mod gaussian;
mod linalg;
mod lse;
mod mixture;
mod radial;

pub use gaussian::Gaussian;
pub use mixture::GaussianMixture;
pub use radial::RadialMixture;

use crate::particles::Particles;
use crate::real::Real;
use rand_core::RngCore;

/// Exact (independent, unbiased) samples from a target density.
pub trait ExactSample<T: Real> {
    /// `n` independent draws from the target, as a particle set of the target's dimension. The same RNG state
    /// gives the same samples.
    fn sample_exact<R: RngCore + ?Sized>(&self, rng: &mut R, n: usize) -> Particles<T>;
}
