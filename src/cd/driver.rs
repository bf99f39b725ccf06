//! The contrastive-divergence training loop.

use super::chain::PersistentChain;
use super::negatives::NegativeSampler;
use super::observer::{BatchInfo, CdObserver, EpochInfo};
use super::trainable::{CdBatch, CdLoss, TrainableEnergy};
use crate::error::{ensure_dim, Error, Result};
use crate::particles::Particles;
use crate::random::index;
use crate::real::Real;
use crate::sampler::{Control, Observer, RunLimits, StepInfo, StepSchedule};
use alloc::vec::Vec;
use rand_core::RngCore;

/// The hyperparameters of contrastive-divergence training.
#[derive(Debug, Clone, PartialEq)]
pub struct CdConfig<T> {
    /// Epochs to train (one pass over the data each).
    pub epochs: usize,
    /// Positives per minibatch `B` (each epoch reshuffles the data and drops the last incomplete batch; a data
    /// set smaller than `B` is one batch).
    pub batch_size: usize,
    /// The step limit and displacement tolerance of each batch's sampler run.
    pub sampler_limits: RunLimits<T>,
    /// The sampler's step size as a function of the epoch (`StepSchedule::size_at(epoch)`), e.g. 0.9 → 0.5
    /// (epoch 250) → 0.1 (epoch 400).
    pub step_sizes: StepSchedule<T>,
    /// Whether the positive batch acts as extra repulsive particles during sampling.
    pub positives_repel: bool,
}

impl<T: Real> CdConfig<T> {
    /// Checks `epochs` and `batch_size` positive and the step sizes valid.
    pub fn validate(&self) -> Result<()> {
        if self.batch_size == 0 {
            return Err(Error::InvalidParameter {
                name: "batch size",
                reason: "must be at least 1".into(),
            });
        }
        if let Some(tol) = self.sampler_limits.tolerance {
            if tol.is_nan() || tol < T::zero() {
                return Err(Error::InvalidParameter {
                    name: "sampler tolerance",
                    reason: alloc::format!("must be ≥ 0, got {tol}"),
                });
            }
        }
        self.step_sizes.validate()
    }
}

/// The driver's resumable state at an epoch boundary (a plugin stores it beside the model's parameters,
/// the optimizer state and the RNG state).
#[derive(Debug, Clone, PartialEq)]
pub struct CdState<T: Real> {
    /// The next epoch to train.
    pub epoch: usize,
    /// The persistent chain (`None` before the first batch).
    pub chain: Option<Particles<T>>,
}

/// How [`ContrastiveDivergence::train`] ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainSummary<T: Real> {
    /// Epochs completed in this call.
    pub epochs: usize,
    /// The last epoch's summary, if any epoch ran.
    pub last: Option<EpochInfo<T>>,
    /// Whether an observer stopped training early.
    pub stopped: bool,
}

/// Contrastive-divergence training with a persistent chain of negatives (see [`crate::cd`]).
///
/// ```
/// use equistein::cd::{CdConfig, ContrastiveDivergence, FreshStart, PersistentChain};
/// use equistein::{kernel::Rbf, Particles, RunLimits, StepSchedule, Svgd};
/// use rand_core::SeedableRng;
/// # use equistein::cd::{CdBatch, CdLoss, TrainableEnergy};
/// # use equistein::{Energy, Result};
/// # /// E(x) = (x − μ)²/2 with a learnable μ, trained by SGD.
/// # struct Shift { mu: f64, grad: f64 }
/// # impl Energy<f64> for Shift {
/// #     fn dim(&self) -> usize { 1 }
/// #     fn energy(&self, x: &[f64]) -> Result<f64> { Ok((x[0] - self.mu).powi(2) / 2.0) }
/// #     fn energy_grad(&self, x: &[f64], g: &mut [f64]) -> Result<f64> {
/// #         g[0] = x[0] - self.mu; self.energy(x)
/// #     }
/// # }
/// # impl TrainableEnergy<f64> for Shift {
/// #     type Label = ();
/// #     fn cd_gradient(&mut self, b: &CdBatch<'_, f64, ()>) -> Result<CdLoss<f64>> {
/// #         let mean = |p: &Particles<f64>| p.as_slice().iter().sum::<f64>() / p.len() as f64;
/// #         // ∂μ [mean E(x⁺) − mean E(x⁻)] = mean x⁻ − mean x⁺
/// #         self.grad = mean(b.negatives) - mean(b.positives);
/// #         Ok(CdLoss::default())
/// #     }
/// #     fn apply_gradient(&mut self, _: usize) -> Result<()> { self.mu -= 0.5 * self.grad; Ok(()) }
/// # }
/// let data = Particles::from_fn(1, 64, |i, _| 3.0 + (i as f64 / 63.0 - 0.5)); // data around 3
/// let config = CdConfig {
///     epochs: 30,
///     batch_size: 16,
///     sampler_limits: RunLimits::steps(20),
///     step_sizes: StepSchedule::Constant(0.2),
///     positives_repel: false,
/// };
/// let svgd = Svgd::builder(Rbf::fixed(0.5).unwrap()).build().unwrap();
/// let chain = PersistentChain::new(1, 16, 0.05, FreshStart::Normal { mean: 0.0, std: 1.0 }).unwrap();
/// let mut cd = ContrastiveDivergence::new(config, svgd, chain, data, vec![(); 64]).unwrap();
/// let mut model = Shift { mu: 0.0, grad: 0.0 };
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
/// cd.train(&mut model, &mut rng, &mut ()).unwrap();
/// assert!((model.mu - 3.0).abs() < 0.5, "μ = {}", model.mu);
/// ```
#[derive(Debug)]
pub struct ContrastiveDivergence<T: Real, S, L> {
    config: CdConfig<T>,
    sampler: S,
    chain: PersistentChain<T>,
    data: Particles<T>,
    labels: Vec<L>,
    epoch: usize,
    order: Vec<usize>,
}

/// Forwards sampler steps to the training observer.
struct StepForward<'a, O: ?Sized>(&'a mut O);

impl<T: Real, O: CdObserver<T> + ?Sized> Observer<T> for StepForward<'_, O> {
    fn observe(&mut self, info: &StepInfo<T>, particles: &Particles<T>) -> Control {
        self.0.sampler_step(info, particles)
    }
}

impl<T: Real, S: NegativeSampler<T>, L: Clone> ContrastiveDivergence<T, S, L> {
    /// A driver for `data` (`d × N`, finite) with one label per data point, the negatives' `sampler` and
    /// `chain` (of the data's dimension).
    pub fn new(
        config: CdConfig<T>,
        sampler: S,
        chain: PersistentChain<T>,
        data: Particles<T>,
        labels: Vec<L>,
    ) -> Result<Self> {
        config.validate()?;
        if data.is_empty() {
            return Err(Error::InvalidParameter {
                name: "data",
                reason: "needs at least one positive".into(),
            });
        }
        data.check_finite("data")?;
        ensure_dim("labels (one per data point)", data.len(), labels.len())?;
        ensure_dim("chain (data dimension)", data.dim(), chain.dim())?;
        let order = (0..data.len()).collect();
        Ok(ContrastiveDivergence {
            config,
            sampler,
            chain,
            data,
            labels,
            epoch: 0,
            order,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &CdConfig<T> {
        &self.config
    }

    /// The next epoch to train (from 0).
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// The sampler.
    pub fn sampler(&self) -> &S {
        &self.sampler
    }

    /// The sampler, mutable.
    pub fn sampler_mut(&mut self) -> &mut S {
        &mut self.sampler
    }

    /// The persistent chain.
    pub fn chain(&self) -> &PersistentChain<T> {
        &self.chain
    }

    /// The data.
    pub fn data(&self) -> &Particles<T> {
        &self.data
    }

    /// The resumable state (call it between epochs).
    pub fn state(&self) -> CdState<T> {
        CdState {
            epoch: self.epoch,
            chain: self.chain.particles().cloned(),
        }
    }

    /// Restores a state from [`ContrastiveDivergence::state`]; checks the chain's shape.
    pub fn restore(&mut self, state: CdState<T>) -> Result<()> {
        self.chain.set_particles(state.chain)?;
        self.epoch = state.epoch;
        Ok(())
    }

    /// Batches per epoch: `⌊N / B⌋`, at least 1.
    pub fn batches_per_epoch(&self) -> usize {
        (self.data.len() / self.config.batch_size).max(1)
    }

    /// Trains one epoch: reshuffles the data (a Fisher–Yates permutation from `rng`) and runs every batch.
    /// Stops after the current batch if an observer asks; the epoch then still counts as done.
    pub fn train_epoch<M, R, O>(
        &mut self,
        model: &mut M,
        rng: &mut R,
        observer: &mut O,
    ) -> Result<(EpochInfo<T>, Control)>
    where
        M: TrainableEnergy<T, Label = L> + ?Sized,
        R: RngCore + ?Sized,
        O: CdObserver<T> + ?Sized,
    {
        ensure_dim("model (data dimension)", self.data.dim(), model.dim())?;
        // A fresh permutation of 0..N each epoch, so that it depends on the RNG alone (resumable).
        let n = self.order.len();
        self.order.iter_mut().enumerate().for_each(|(i, o)| *o = i);
        for i in (1..n).rev() {
            let j = index(rng, i + 1);
            self.order.swap(i, j);
        }
        let b = self.config.batch_size.min(n);
        let batches = self.batches_per_epoch();
        let d = self.data.dim();
        let eps = self.config.step_sizes.size_at(self.epoch);
        let mut positives = Particles::zeros(d, b);
        let mut labels: Vec<L> = Vec::with_capacity(b);
        let mut sum = CdLoss::<T>::default();
        let mut steps = 0usize;
        let mut resets = 0usize;
        let mut recoveries = 0usize;
        let mut control = Control::Continue;
        let mut done = 0usize;
        for batch in 0..batches {
            labels.clear();
            for (slot, &k) in self.order[batch * b..(batch + 1) * b].iter().enumerate() {
                positives
                    .particle_mut(slot)
                    .copy_from_slice(self.data.particle(k));
                labels.push(self.labels[k].clone());
            }
            let reset = self.chain.prepare(&positives, rng)?;
            resets += usize::from(reset);
            self.sampler.set_step_size(eps)?;
            self.sampler.set_repulsive(if self.config.positives_repel {
                Some(positives.clone())
            } else {
                None
            })?;
            self.sampler.reset();
            let negatives = self
                .chain
                .particles_mut()
                .ok_or_else(|| Error::Energy("the chain is empty after prepare".into()))?;
            observer.sampling_started(self.epoch, batch, negatives, reset);
            let run = self.sampler.run(
                &*model,
                negatives,
                rng,
                self.config.sampler_limits,
                &mut StepForward(&mut *observer),
            );
            let sampling = match run {
                Ok(sampling) => sampling,
                // Recoverable: the chain diverged. It starts fresh at the next batch; this batch trains nothing.
                Err(e) if e.is_divergence() => {
                    self.chain.clear();
                    recoveries += 1;
                    observer.recovered(self.epoch, batch, &e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            steps += sampling.steps;
            let loss = model.cd_gradient(&CdBatch {
                positives: &positives,
                labels: &labels,
                negatives,
                epoch: self.epoch,
            })?;
            // Fatal: a non-finite loss or parameters. The caller's last checkpoint is the last good state.
            let fatal =
                |what: &'static str, detail: alloc::string::String| Error::TrainingDiverged {
                    what,
                    epoch: self.epoch,
                    batch,
                    detail,
                };
            if !loss.total.is_finite() {
                return Err(fatal("loss", alloc::format!("{:?}", loss)));
            }
            model.apply_gradient(self.epoch)?;
            model
                .check_parameters()
                .map_err(|e| fatal("parameters", alloc::format!("{e}")))?;
            sum.positive_energy += loss.positive_energy;
            sum.negative_energy += loss.negative_energy;
            sum.supervised += loss.supervised;
            sum.regularizer += loss.regularizer;
            sum.total += loss.total;
            done += 1;
            let info = BatchInfo {
                epoch: self.epoch,
                batch,
                reset,
                sampling,
                step_size: eps,
                loss,
            };
            if observer.batch(&info, negatives) == Control::Stop {
                control = Control::Stop;
                break;
            }
        }
        let k = T::c(done.max(1) as f64);
        let mean_loss = CdLoss {
            positive_energy: sum.positive_energy / k,
            negative_energy: sum.negative_energy / k,
            supervised: sum.supervised / k,
            regularizer: sum.regularizer / k,
            total: sum.total / k,
        };
        let info = EpochInfo {
            epoch: self.epoch,
            batches: done,
            mean_loss,
            sampler_steps: steps,
            resets,
            recoveries,
        };
        self.epoch += 1;
        if observer.epoch(&info) == Control::Stop {
            control = Control::Stop;
        }
        Ok((info, control))
    }

    /// Trains from the current epoch up to `config.epochs`, or until an observer stops it.
    pub fn train<M, R, O>(
        &mut self,
        model: &mut M,
        rng: &mut R,
        observer: &mut O,
    ) -> Result<TrainSummary<T>>
    where
        M: TrainableEnergy<T, Label = L> + ?Sized,
        R: RngCore + ?Sized,
        O: CdObserver<T> + ?Sized,
    {
        let mut summary = TrainSummary {
            epochs: 0,
            last: None,
            stopped: false,
        };
        while self.epoch < self.config.epochs {
            let (info, control) = self.train_epoch(model, rng, observer)?;
            summary.epochs += 1;
            summary.last = Some(info);
            if control == Control::Stop {
                summary.stopped = true;
                break;
            }
        }
        Ok(summary)
    }
}
