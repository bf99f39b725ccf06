//! Energies `E(x) = −log π(x) + const` and their gradients, for one point and for a batch.

use crate::error::{ensure_dim, Error, Result};
use crate::particles::Particles;
use crate::real::Real;
use alloc::vec;

/// An energy on `R^d`: the target density is `π(x) ∝ exp(−E(x))` and the score is `∇ log π = −∇E`.
///
/// Implement [`Energy::energy`] and [`Energy::energy_grad`]; the batched forms loop over particles unless a
/// model (a neural network) evaluates a batch at once. Evaluation may fail (a plugin's model); non-finite
/// values are reported by the caller with the particle's index.
pub trait Energy<T: Real> {
    /// The dimension `d`.
    fn dim(&self) -> usize;

    /// `E(x)`.
    fn energy(&self, x: &[T]) -> Result<T>;

    /// Fills `grad` with `∇E(x)` and returns `E(x)`.
    fn energy_grad(&self, x: &[T], grad: &mut [T]) -> Result<T>;

    /// `out[i] = E(x_i)` for every particle.
    fn energy_batch(&self, xs: &Particles<T>, out: &mut [T]) -> Result<()> {
        ensure_dim("energy batch (dimension)", self.dim(), xs.dim())?;
        ensure_dim("energy batch (output length)", xs.len(), out.len())?;
        for (o, x) in out.iter_mut().zip(xs.iter()) {
            *o = self.energy(x)?;
        }
        Ok(())
    }

    /// `energies[i] = E(x_i)` and `grads_i = ∇E(x_i)` for every particle.
    fn energy_grad_batch(
        &self,
        xs: &Particles<T>,
        energies: &mut [T],
        grads: &mut Particles<T>,
    ) -> Result<()> {
        ensure_dim("gradient batch (dimension)", self.dim(), xs.dim())?;
        ensure_dim("gradient batch (output length)", xs.len(), energies.len())?;
        ensure_dim("gradient batch (output count)", xs.len(), grads.len())?;
        for (i, x) in xs.iter().enumerate() {
            energies[i] = self.energy_grad(x, grads.particle_mut(i))?;
        }
        Ok(())
    }

    /// `log π(x)` up to the constant the energy leaves out: `−E(x)`.
    fn log_prob(&self, x: &[T]) -> Result<T> {
        Ok(-self.energy(x)?)
    }
}

impl<T: Real, E: Energy<T> + ?Sized> Energy<T> for &E {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn energy(&self, x: &[T]) -> Result<T> {
        (**self).energy(x)
    }
    fn energy_grad(&self, x: &[T], grad: &mut [T]) -> Result<T> {
        (**self).energy_grad(x, grad)
    }
    fn energy_batch(&self, xs: &Particles<T>, out: &mut [T]) -> Result<()> {
        (**self).energy_batch(xs, out)
    }
    fn energy_grad_batch(
        &self,
        xs: &Particles<T>,
        energies: &mut [T],
        grads: &mut Particles<T>,
    ) -> Result<()> {
        (**self).energy_grad_batch(xs, energies, grads)
    }
}

/// An energy made of two closures: `E(x)` and `(E(x), ∇E(x))`.
///
/// ```
/// use equistein::{Energy, EnergyFn};
/// // E(x) = ‖x‖²/2, the standard normal.
/// let e = EnergyFn::new(
///     2,
///     |x: &[f64]| x.iter().map(|v| v * v).sum::<f64>() / 2.0,
///     |x: &[f64], g: &mut [f64]| {
///         g.copy_from_slice(x);
///         x.iter().map(|v| v * v).sum::<f64>() / 2.0
///     },
/// );
/// assert_eq!(e.energy(&[1.0, 1.0]).unwrap(), 1.0);
/// ```
#[derive(Clone)]
pub struct EnergyFn<F, G> {
    dim: usize,
    f: F,
    g: G,
}

impl<F, G> EnergyFn<F, G> {
    /// An energy on `R^dim` from `f(x) = E(x)` and `g(x, grad) = E(x)` filling `grad = ∇E(x)`.
    pub fn new(dim: usize, f: F, g: G) -> Self {
        EnergyFn { dim, f, g }
    }
}

impl<T: Real, F: Fn(&[T]) -> T, G: Fn(&[T], &mut [T]) -> T> Energy<T> for EnergyFn<F, G> {
    fn dim(&self) -> usize {
        self.dim
    }
    fn energy(&self, x: &[T]) -> Result<T> {
        ensure_dim("energy input", self.dim, x.len())?;
        Ok((self.f)(x))
    }
    fn energy_grad(&self, x: &[T], grad: &mut [T]) -> Result<T> {
        ensure_dim("energy input", self.dim, x.len())?;
        ensure_dim("energy gradient", self.dim, grad.len())?;
        Ok((self.g)(x, grad))
    }
}

/// Scores `s_i = −∇E(x_i)` of a particle set, checked for non-finite values (the error names the particle).
pub fn scores<T: Real, E: Energy<T> + ?Sized>(
    energy: &E,
    xs: &Particles<T>,
    out: &mut Particles<T>,
) -> Result<()> {
    let mut e = vec![T::zero(); xs.len()];
    energy.energy_grad_batch(xs, &mut e, out)?;
    out.as_mut_slice().iter_mut().for_each(|v| *v = -*v);
    out.check_finite("score")?;
    if let Some(i) = e.iter().position(|v| v.is_nan()) {
        return Err(Error::NonFinite {
            what: "energy",
            particle: i,
            coordinate: 0,
        });
    }
    Ok(())
}
