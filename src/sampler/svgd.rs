//! Stein variational gradient descent, generic over the kernel (E-SVGD is SVGD with an invariant kernel).

use super::schedule::{Annealing, StepSchedule};
use super::update::{Update, UpdateState};
use super::{Sampler, StepInfo};
use crate::energy::Energy;
use crate::error::{ensure_dim, Error, Result};
use crate::kernel::{Kernel, Repulsion, SteinInput};
use crate::particles::Particles;
use crate::random::standard_normal;
use crate::real::Real;
use alloc::vec::Vec;
use rand_core::RngCore;

/// Stein variational gradient descent (Liu & Wang 2016) with any [`Kernel`]; with an invariant kernel
/// ([`crate::kernel::GroupAveraged`], [`crate::kernel::InvariantMap`]) or the matrix-valued
/// [`crate::kernel::MatrixValued`] it is equivariant SVGD (Jaini, Holdijk & Welling 2021).
///
/// One step, from the snapshot `X` (all particles move at once):
/// 1. scores `s_j = −∇E(z_j)` of the sources `Z = X ∪ Y` (`Y` the optional fixed positives, whose scores are
///    recomputed at every step because in contrastive-divergence training the energy changes between runs);
/// 2. the Stein direction `φ(x_i)` of the kernel for the chosen [`Repulsion`] with driving weight `γ(t)`
///    ([`Annealing`], 1 without it), normalised by `N = n + m`;
/// 3. the move `x_i ← x_i + Δ_i + √(2 ε_t T) ξ_i`, with `Δ = ε_t φ` for [`Update::Plain`] (Adagrad and Adam
///    rescale it), `ε_t` from the [`StepSchedule`], `T ≥ 0` the noise temperature and `ξ_i ~ N(0, I)`.
///
/// Buffers (sources, scores, directions, optimizer moments) are kept between steps and reallocated only when
/// the shape changes.
///
/// ```
/// use equistein::kernel::Rbf;
/// use equistein::{EnergyFn, Particles, RunLimits, Sampler, Svgd};
/// use rand_chacha::ChaCha8Rng;
/// use rand_core::SeedableRng;
/// // Standard normal target in 1-D, E(x) = x²/2.
/// let energy = EnergyFn::new(1, |x: &[f64]| x[0] * x[0] / 2.0, |x: &[f64], g: &mut [f64]| {
///     g[0] = x[0];
///     x[0] * x[0] / 2.0
/// });
/// let mut svgd = Svgd::builder(Rbf::median()).step_size(0.1).build().unwrap();
/// let mut x = Particles::from_fn(1, 50, |i, _| 3.0 + i as f64 / 50.0);
/// let mut rng = ChaCha8Rng::seed_from_u64(0);
/// svgd.run(&energy, &mut x, &mut rng, RunLimits::steps(500), &mut ()).unwrap();
/// assert!(x.mean()[0].abs() < 0.1);
/// ```
#[derive(Debug, Clone)]
pub struct Svgd<T: Real, K> {
    kernel: K,
    schedule: StepSchedule<T>,
    repulsion: Repulsion,
    update: Update<T>,
    noise: T,
    annealing: Option<Annealing<T>>,
    positives: Option<Particles<T>>,
    step: usize,
    sources: Particles<T>,
    scores: Particles<T>,
    energies: Vec<T>,
    phi: Particles<T>,
    state: UpdateState<T>,
}

/// The validated builder of [`Svgd`]; see [`Svgd::builder`].
#[derive(Debug, Clone)]
pub struct SvgdBuilder<T: Real, K> {
    kernel: K,
    schedule: StepSchedule<T>,
    repulsion: Repulsion,
    update: Update<T>,
    noise: T,
    annealing: Option<Annealing<T>>,
    positives: Option<Particles<T>>,
}

impl<T: Real, K: Kernel<T>> Svgd<T, K> {
    /// A builder with the defaults: constant step size 0.01, Liu–Wang repulsion, plain update, no noise, no
    /// annealing, no positives.
    pub fn builder(kernel: K) -> SvgdBuilder<T, K> {
        SvgdBuilder {
            kernel,
            schedule: StepSchedule::Constant(T::c(0.01)),
            repulsion: Repulsion::LiuWang,
            update: Update::Plain,
            noise: T::zero(),
            annealing: None,
            positives: None,
        }
    }

    /// The kernel.
    pub fn kernel(&self) -> &K {
        &self.kernel
    }

    /// The repulsion form.
    pub fn repulsion(&self) -> Repulsion {
        self.repulsion
    }

    /// The number of steps taken since the last reset.
    pub fn steps_taken(&self) -> usize {
        self.step
    }

    /// The fixed repulsive particles, if any.
    pub fn positives(&self) -> Option<&Particles<T>> {
        self.positives.as_ref()
    }

    /// Replaces the fixed repulsive particles (for example with the next minibatch of data); `None` removes
    /// them. Errors on a non-finite value (naming the particle). Their dimension is checked at step time.
    pub fn set_positives(&mut self, positives: Option<Particles<T>>) -> Result<()> {
        if let Some(p) = &positives {
            p.check_finite("positive particles")?;
        }
        self.positives = positives.filter(|p| !p.is_empty());
        Ok(())
    }

    /// The driving weight `γ(t)` of step `t`.
    fn drive_weight(&self, t: usize) -> T {
        self.annealing.map_or(T::one(), |a| a.gamma(t))
    }

    /// The Stein direction `φ(x_i)` of every particle at the current step (with its annealing weight), without
    /// moving anything: what [`Sampler::step`] would scale by the step size.
    pub fn direction<E: Energy<T> + ?Sized>(
        &mut self,
        energy: &E,
        particles: &Particles<T>,
    ) -> Result<&Particles<T>> {
        self.compute_direction(energy, particles)?;
        Ok(&self.phi)
    }

    fn compute_direction<E: Energy<T> + ?Sized>(
        &mut self,
        energy: &E,
        particles: &Particles<T>,
    ) -> Result<()> {
        let n = particles.len();
        let d = particles.dim();
        if n < 2 {
            return Err(Error::TooFewParticles { found: n, min: 2 });
        }
        ensure_dim("particles (energy dimension)", energy.dim(), d)?;
        particles.check_finite("particles")?;
        let m = match &self.positives {
            Some(y) => {
                ensure_dim("positive particles (dimension)", d, y.dim())?;
                y.len()
            }
            None => 0,
        };
        let total = n + m;
        reshape(&mut self.scores, d, total);
        reshape(&mut self.phi, d, n);
        self.energies.resize(total, T::zero());
        let sources: &Particles<T> = match &self.positives {
            Some(y) => {
                reshape(&mut self.sources, d, total);
                let buf = self.sources.as_mut_slice();
                buf[..n * d].copy_from_slice(particles.as_slice());
                buf[n * d..].copy_from_slice(y.as_slice());
                &self.sources
            }
            None => particles,
        };
        energy.energy_grad_batch(sources, &mut self.energies, &mut self.scores)?;
        self.scores.as_mut_slice().iter_mut().for_each(|v| *v = -*v);
        if let Err(Error::NonFinite {
            particle,
            coordinate,
            ..
        }) = self.scores.check_finite("score")
        {
            return Err(if particle < n {
                Error::NonFinite {
                    what: "score",
                    particle,
                    coordinate,
                }
            } else {
                Error::NonFinite {
                    what: "score of a positive particle",
                    particle: particle - n,
                    coordinate,
                }
            });
        }
        let input = SteinInput {
            targets: particles,
            sources,
            scores: &self.scores,
            repulsion: self.repulsion,
            drive_weight: self.drive_weight(self.step),
        };
        self.kernel.stein_direction(&input, &mut self.phi)?;
        self.phi.check_finite("SVGD direction")
    }
}

/// Makes `buf` a `d × n` set, reallocating only if the shape differs.
fn reshape<T: Real>(buf: &mut Particles<T>, d: usize, n: usize) {
    if buf.dim() != d || buf.len() != n {
        *buf = Particles::zeros(d, n);
    }
}

impl<T: Real, K: Kernel<T>> SvgdBuilder<T, K> {
    /// A constant step size `ε > 0`.
    pub fn step_size(mut self, eps: T) -> Self {
        self.schedule = StepSchedule::Constant(eps);
        self
    }

    /// A step-size schedule (replaces [`SvgdBuilder::step_size`]).
    pub fn schedule(mut self, schedule: StepSchedule<T>) -> Self {
        self.schedule = schedule;
        self
    }

    /// The repulsion form (default Liu–Wang).
    pub fn repulsion(mut self, repulsion: Repulsion) -> Self {
        self.repulsion = repulsion;
        self
    }

    /// The update rule (default [`Update::Plain`]).
    pub fn update(mut self, update: Update<T>) -> Self {
        self.update = update;
        self
    }

    /// The noise temperature `T ≥ 0` of noisy SVGD, `x ← x + εφ + √(2εT) ξ` (default 0).
    ///
    /// The noise is independent per particle while the drift `φ` is kernel-smoothed, so `T` is not a calibrated
    /// temperature: at `T = 0.1` on a standard normal the particles' variance settles near 3.9, not 1. Use it as
    /// a small anti-collapse perturbation (ESVGD.md §1, appendix B), not to sample at a temperature.
    pub fn noise(mut self, temperature: T) -> Self {
        self.noise = temperature;
        self
    }

    /// Cyclical annealing of the driving term.
    pub fn annealing(mut self, annealing: Annealing<T>) -> Self {
        self.annealing = Some(annealing);
        self
    }

    /// Fixed extra repulsive particles `Y`: the sums run over `X ∪ Y`, divided by `n + m`; only `X` moves.
    pub fn positives(mut self, positives: Particles<T>) -> Self {
        self.positives = Some(positives);
        self
    }

    /// Validates and builds: the schedule's sizes positive and finite, the noise finite and ≥ 0, the annealing
    /// and update constants in range, the positives finite.
    pub fn build(self) -> Result<Svgd<T, K>> {
        self.schedule.validate()?;
        if !(self.noise >= T::zero() && self.noise.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "noise",
                reason: alloc::format!(
                    "the temperature must be finite and ≥ 0, got {}",
                    self.noise
                ),
            });
        }
        if let Some(a) = &self.annealing {
            a.validate()?;
        }
        self.update.validate()?;
        let mut svgd = Svgd {
            kernel: self.kernel,
            schedule: self.schedule,
            repulsion: self.repulsion,
            update: self.update,
            noise: self.noise,
            annealing: self.annealing,
            positives: None,
            step: 0,
            sources: Particles::zeros(0, 0),
            scores: Particles::zeros(0, 0),
            energies: Vec::new(),
            phi: Particles::zeros(0, 0),
            state: UpdateState::default(),
        };
        svgd.set_positives(self.positives)?;
        Ok(svgd)
    }
}

impl<T: Real, K: Kernel<T>> Sampler<T> for Svgd<T, K> {
    fn step<E: Energy<T> + ?Sized, R: RngCore + ?Sized>(
        &mut self,
        energy: &E,
        particles: &mut Particles<T>,
        rng: &mut R,
    ) -> Result<StepInfo<T>> {
        self.compute_direction(energy, particles)?;
        let eps = self.schedule.size_at(self.step);
        self.state
            .displacement(&self.update, eps, self.phi.as_mut_slice());
        let sigma = (T::c(2.0) * eps * self.noise).sqrt();
        let noisy = self.noise > T::zero();
        let d = particles.dim();
        let mut total = T::zero();
        for (x, delta) in particles
            .as_mut_slice()
            .chunks_exact_mut(d)
            .zip(self.phi.as_slice().chunks_exact(d))
        {
            let mut sq = T::zero();
            for (xv, &dv) in x.iter_mut().zip(delta) {
                let old = *xv;
                let mut step = dv;
                if noisy {
                    step += sigma * standard_normal::<T, R>(rng);
                }
                *xv = old + step;
                let moved = *xv - old;
                sq += moved * moved;
            }
            total += sq.sqrt();
        }
        let info = StepInfo {
            step: self.step,
            mean_displacement: total / T::c(particles.len() as f64),
            step_size: eps,
        };
        self.step += 1;
        Ok(info)
    }

    fn reset(&mut self) {
        self.step = 0;
        self.state.reset();
    }
}
