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
    batch: Option<usize>,
    step: usize,
    sources: Particles<T>,
    scores: Particles<T>,
    energies: Vec<T>,
    phi: Particles<T>,
    state: UpdateState<T>,
    perm: Vec<usize>,
    batch_targets: Particles<T>,
    batch_sources: Particles<T>,
    batch_scores: Particles<T>,
    batch_phi: Particles<T>,
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
    batch: Option<usize>,
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
            batch: None,
        }
    }

    /// The random-batch size, if random-batch SVGD is on.
    pub fn random_batch(&self) -> Option<usize> {
        self.batch
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

    /// The step-size schedule.
    pub fn schedule(&self) -> &StepSchedule<T> {
        &self.schedule
    }

    /// Replaces the step-size schedule (for example per epoch of contrastive-divergence training); validated as
    /// in [`SvgdBuilder::build`]. The step counter is kept; call [`Sampler::reset`] to start a new run.
    pub fn set_schedule(&mut self, schedule: StepSchedule<T>) -> Result<()> {
        schedule.validate()?;
        self.schedule = schedule;
        Ok(())
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
        self.scores_only(energy, particles)?;
        let sources: &Particles<T> = match &self.positives {
            Some(_) => &self.sources,
            None => particles,
        };
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

    /// Validates the particles and fills `scores` (and `sources` when there are positives).
    fn scores_only<E: Energy<T> + ?Sized>(
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
        if let Some(i) = self.energies.iter().position(|e| !e.is_finite()) {
            return Err(Error::NonFinite {
                what: if i < n {
                    "energy"
                } else {
                    "energy of a positive particle"
                },
                particle: if i < n { i } else { i - n },
                coordinate: 0,
            });
        }
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
        Ok(())
    }

    /// Random-batch SVGD (RBM-SVGD, Li, Li, Liu & Wang 2020): after the scores of all sources, the particles are
    /// shuffled and split into `⌊n/b⌋` batches `C` of `b` to `2b − 1` consecutive ones, and with `f(i, j)` the
    /// pair term of the Stein direction (self term `f(i, i)`),
    ///
    /// `φ(x_i) = (1/(n + m)) [ f(i, i) + (n − 1)/(|C| − 1) Σ_{j ∈ C, j ≠ i} f(i, j) + Σ_{y ∈ Y} f(i, y) ]`,
    ///
    /// an unbiased estimate of the full direction. The batch sums come from the kernel's own batched direction
    /// (one call per batch, plus one against the `m` positives when there are any), the self terms from a
    /// one-particle call each; a kernel that cannot be fitted on one point (median bandwidth) gets the self term
    /// `γ s_i` of a stationary kernel with `k(x, x) = 1` (exact for RBF, approximate for a group average whose
    /// `k_G(x, x) < 1`). Cost `O(n·(b + m))` kernel evaluations, memory `O((b + m)·d)` beyond the particles.
    fn batch_direction<E: Energy<T> + ?Sized, R: RngCore + ?Sized>(
        &mut self,
        energy: &E,
        particles: &Particles<T>,
        b: usize,
        rng: &mut R,
    ) -> Result<()> {
        // Scores of every particle (and positive) exactly as the full step computes them.
        self.scores_only(energy, particles)?;
        let n = particles.len();
        let d = particles.dim();
        let m = self.positives.as_ref().map_or(0, |y| y.len());
        self.perm.clear();
        self.perm.extend(0..n);
        for i in (1..n).rev() {
            let j = crate::random::index(rng, i + 1);
            self.perm.swap(i, j);
        }
        let batches = (n / b).max(1);
        let gamma = self.drive_weight(self.step);
        let inv_total = T::one() / T::c((n + m) as f64);
        let mut one_x = Particles::zeros(d, 1);
        let mut one_s = Particles::zeros(d, 1);
        let mut one_phi = Particles::zeros(d, 1);
        let positive_scores = (m > 0).then(|| self.scores_of_positives(n));
        for k in 0..batches {
            let (lo, hi) = (k * n / batches, (k + 1) * n / batches);
            let size = hi - lo;
            reshape(&mut self.batch_targets, d, size);
            reshape(&mut self.batch_scores, d, size);
            reshape(&mut self.batch_phi, d, size);
            for (slot, &i) in self.perm[lo..hi].iter().enumerate() {
                self.batch_targets
                    .particle_mut(slot)
                    .copy_from_slice(particles.particle(i));
                self.batch_scores
                    .particle_mut(slot)
                    .copy_from_slice(self.scores.particle(i));
            }
            let input = SteinInput {
                targets: &self.batch_targets,
                sources: &self.batch_targets,
                scores: &self.batch_scores,
                repulsion: self.repulsion,
                drive_weight: gamma,
            };
            self.kernel.stein_direction(&input, &mut self.batch_phi)?;
            let weight = T::c((n - 1) as f64) / T::c((size - 1) as f64);
            for (slot, &i) in self.perm[lo..hi].iter().enumerate() {
                one_x.as_mut_slice().copy_from_slice(particles.particle(i));
                one_s
                    .as_mut_slice()
                    .copy_from_slice(self.scores.particle(i));
                let single = SteinInput {
                    targets: &one_x,
                    sources: &one_x,
                    scores: &one_s,
                    repulsion: self.repulsion,
                    drive_weight: gamma,
                };
                match self.kernel.stein_direction(&single, &mut one_phi) {
                    Ok(()) => {}
                    // A data-dependent parameter (median bandwidth) cannot be fitted on one point: use the self
                    // term of a kernel with k(x, x) = 1 and ∇k(x, x) = 0 (every stationary kernel normalised so).
                    Err(Error::TooFewParticles { .. }) => {
                        for (o, &sv) in one_phi.as_mut_slice().iter_mut().zip(one_s.as_slice()) {
                            *o = gamma * sv;
                        }
                    }
                    Err(e) => return Err(e),
                }
                let own = one_phi.as_slice();
                let o = self.phi.particle_mut(i);
                for ((v, &batch), &own) in o.iter_mut().zip(self.batch_phi.particle(slot)).zip(own)
                {
                    let others = batch * T::c(size as f64) - own;
                    *v = (own + weight * others) * inv_total;
                }
            }
            if let (Some(y), Some(ys)) = (&self.positives, &positive_scores) {
                reshape(&mut self.batch_sources, d, size);
                let input = SteinInput {
                    targets: &self.batch_targets,
                    sources: y,
                    scores: ys,
                    repulsion: self.repulsion,
                    drive_weight: gamma,
                };
                self.kernel
                    .stein_direction(&input, &mut self.batch_sources)?;
                let scale = T::c(m as f64) * inv_total;
                for (slot, &i) in self.perm[lo..hi].iter().enumerate() {
                    let o = self.phi.particle_mut(i);
                    for (v, &p) in o.iter_mut().zip(self.batch_sources.particle(slot)) {
                        *v += scale * p;
                    }
                }
            }
        }
        self.phi.check_finite("SVGD direction")
    }

    /// The scores of the positives (the tail of `scores`), as their own set.
    fn scores_of_positives(&self, n: usize) -> Particles<T> {
        let d = self.scores.dim();
        Particles::from_matrix(nalgebra::DMatrix::from_column_slice(
            d,
            self.scores.len() - n,
            &self.scores.as_slice()[n * d..],
        ))
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

    /// Random-batch SVGD: at every [`Sampler::step`] the particles are shuffled and split into batches of `b` to
    /// `2b − 1`, and each particle interacts only with its own batch (plus any positives), so a step costs
    /// `O(n·b)` kernel evaluations instead of `O(n²)`. `b ≥ 2`; with `b ≥ n` it is plain SVGD.
    /// [`Svgd::direction`] always returns the full direction.
    pub fn random_batch(mut self, b: usize) -> Self {
        self.batch = Some(b);
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
        if let Some(b) = self.batch {
            if b < 2 {
                return Err(Error::InvalidParameter {
                    name: "random_batch",
                    reason: alloc::format!("the batch size must be at least 2, got {b}"),
                });
            }
        }
        let mut svgd = Svgd {
            kernel: self.kernel,
            schedule: self.schedule,
            repulsion: self.repulsion,
            update: self.update,
            noise: self.noise,
            annealing: self.annealing,
            positives: None,
            batch: self.batch,
            step: 0,
            sources: Particles::zeros(0, 0),
            scores: Particles::zeros(0, 0),
            energies: Vec::new(),
            phi: Particles::zeros(0, 0),
            state: UpdateState::default(),
            perm: Vec::new(),
            batch_targets: Particles::zeros(0, 0),
            batch_sources: Particles::zeros(0, 0),
            batch_scores: Particles::zeros(0, 0),
            batch_phi: Particles::zeros(0, 0),
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
        // Non-finite particles before the step are the caller's input; anything non-finite computed during the
        // step is a divergence at this step.
        particles.check_finite("particles")?;
        let at = self.step;
        match self.batch {
            Some(b) if b < particles.len() => self.batch_direction(energy, particles, b, rng),
            _ => self.compute_direction(energy, particles),
        }
        .map_err(|e| e.at_step(at))?;
        let eps = self.schedule.size_at(self.step);
        self.state
            .displacement(&self.update, eps, self.phi.as_mut_slice());
        let sigma = (T::c(2.0) * eps * self.noise).sqrt();
        let noisy = self.noise > T::zero();
        let d = particles.dim();
        let mut total = T::zero();
        let mut first_bad: Option<(usize, usize)> = None;
        for (i, (x, delta)) in particles
            .as_mut_slice()
            .chunks_exact_mut(d)
            .zip(self.phi.as_slice().chunks_exact(d))
            .enumerate()
        {
            let mut sq = T::zero();
            for (c, (xv, &dv)) in x.iter_mut().zip(delta).enumerate() {
                let old = *xv;
                let mut step = dv;
                if noisy {
                    step += sigma * standard_normal::<T, R>(rng);
                }
                *xv = old + step;
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
