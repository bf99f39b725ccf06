//! The mean log-density of a particle set.

use crate::energy::Energy;
use crate::error::{ensure_dim, Error, Result};
use crate::particles::Particles;
use crate::real::Real;
use alloc::vec;

/// The mean log-density `(1/n) Σ_i −E(x_i)` of the particles (for the analytic targets of
/// [`crate::target`] `−E` is the normalised `log π`; for other energies it is `log π` up to the energy's
/// constant). The energies are evaluated as one batch.
///
/// Errors on an empty set, a dimension mismatch, a failing energy, or a non-finite energy (naming the first
/// such particle).
///
/// ```
/// use equistein::diagnostics::mean_log_prob;
/// use equistein::target::Gaussian;
/// use equistein::Particles;
/// let g = Gaussian::isotropic(vec![0.0], 1.0).unwrap();
/// let p = Particles::from_rows(1, &[1.0, -1.0]).unwrap();
/// let lp = mean_log_prob(&g, &p).unwrap();
/// assert!((lp - (-0.5 - 0.5 * (2.0 * std::f64::consts::PI).ln())).abs() < 1e-12);
/// ```
pub fn mean_log_prob<T: Real, E: Energy<T> + ?Sized>(
    energy: &E,
    particles: &Particles<T>,
) -> Result<T> {
    let n = particles.len();
    if n == 0 {
        return Err(Error::TooFewParticles { found: 0, min: 1 });
    }
    ensure_dim(
        "log-density particles (dimension)",
        energy.dim(),
        particles.dim(),
    )?;
    let mut e = vec![T::zero(); n];
    energy.energy_batch(particles, &mut e)?;
    if let Some(i) = e.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            what: "log-density",
            particle: i,
            coordinate: 0,
        });
    }
    let sum = e.iter().fold(T::zero(), |acc, &v| acc - v);
    Ok(sum / T::c(n as f64))
}
