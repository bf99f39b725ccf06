//! The unadjusted Langevin algorithm: a baseline sampler.

use super::{Sampler, StepInfo};
use crate::energy::Energy;
use crate::error::{ensure_dim, ensure_positive, Error, Result};
use crate::particles::Particles;
use crate::random::standard_normal;
use crate::real::Real;
use alloc::vec::Vec;
use rand_core::RngCore;

/// The unadjusted Langevin algorithm, every particle an independent chain:
///
/// `x ← x − ε ∇E(x) + √(2ε) ξ`, `ξ ~ N(0, I)`.
///
/// Its stationary law is `exp(−E)` up to an `O(ε)` bias. No interaction between particles, so any `n ≥ 1`.
///
/// ```
/// use equistein::{EnergyFn, Langevin, Particles, RunLimits, Sampler};
/// use rand_chacha::ChaCha8Rng;
/// use rand_core::SeedableRng;
/// let energy = EnergyFn::new(1, |x: &[f64]| x[0] * x[0] / 2.0, |x: &[f64], g: &mut [f64]| {
///     g[0] = x[0];
///     x[0] * x[0] / 2.0
/// });
/// let mut ula = Langevin::new(0.05).unwrap();
/// let mut x = Particles::from_fn(1, 1000, |_, _| 5.0);
/// let mut rng = ChaCha8Rng::seed_from_u64(1);
/// ula.run(&energy, &mut x, &mut rng, RunLimits::steps(300), &mut ()).unwrap();
/// assert!(x.mean()[0].abs() < 0.2);
/// ```
#[derive(Debug, Clone)]
pub struct Langevin<T: Real> {
    step_size: T,
    step: usize,
    grads: Particles<T>,
    energies: Vec<T>,
}

impl<T: Real> Langevin<T> {
    /// Langevin with step size `ε`; errors unless `ε` is positive and finite.
    pub fn new(step_size: T) -> Result<Self> {
        ensure_positive("step size", step_size.to_f64_lossy())?;
        Ok(Langevin {
            step_size,
            step: 0,
            grads: Particles::zeros(0, 0),
            energies: Vec::new(),
        })
    }

    /// The step size.
    pub fn step_size(&self) -> T {
        self.step_size
    }
}

impl<T: Real> Sampler<T> for Langevin<T> {
    fn step<E: Energy<T> + ?Sized, R: RngCore + ?Sized>(
        &mut self,
        energy: &E,
        particles: &mut Particles<T>,
        rng: &mut R,
    ) -> Result<StepInfo<T>> {
        let n = particles.len();
        let d = particles.dim();
        if n < 1 {
            return Err(Error::TooFewParticles { found: n, min: 1 });
        }
        ensure_dim("particles (energy dimension)", energy.dim(), d)?;
        particles.check_finite("particles")?;
        if self.grads.dim() != d || self.grads.len() != n {
            self.grads = Particles::zeros(d, n);
        }
        self.energies.resize(n, T::zero());
        let at = self.step;
        energy.energy_grad_batch(particles, &mut self.energies, &mut self.grads)?;
        if let Some(i) = self.energies.iter().position(|e| !e.is_finite()) {
            return Err(Error::Diverged {
                what: "energy",
                step: at,
                particle: i,
                coordinate: 0,
            });
        }
        self.grads
            .check_finite("energy gradient")
            .map_err(|e| e.at_step(at))?;
        let eps = self.step_size;
        let sigma = (T::c(2.0) * eps).sqrt();
        let mut total = T::zero();
        let mut first_bad: Option<(usize, usize)> = None;
        for (i, (x, g)) in particles
            .as_mut_slice()
            .chunks_exact_mut(d)
            .zip(self.grads.as_slice().chunks_exact(d))
            .enumerate()
        {
            let mut sq = T::zero();
            for (c, (xv, &gv)) in x.iter_mut().zip(g).enumerate() {
                let old = *xv;
                *xv = old - eps * gv + sigma * standard_normal::<T, R>(rng);
                if first_bad.is_none() && !xv.is_finite() {
                    first_bad = Some((i, c));
                }
                let moved = *xv - old;
                sq += moved * moved;
            }
            total += sq.sqrt();
        }
        super::check_moved(at, first_bad)?;
        let info = StepInfo {
            step: self.step,
            mean_displacement: total / T::c(n as f64),
            step_size: eps,
        };
        self.step += 1;
        Ok(info)
    }

    fn reset(&mut self) {
        self.step = 0;
    }
}
