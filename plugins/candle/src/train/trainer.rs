//! The trainer: the core's contrastive-divergence driver over a candle model, with checkpoints on a
//! schedule, a bit-identical resume, whole-run counters and observers.

use super::checkpointing::{Checkpointing, NoCheckpoints};
use super::counters::RunCounters;
use super::error::TrainError;
use super::observer::{EpochReport, TrainObserver};
use crate::checkpoint::{self, rng_from_state, rng_state, CheckpointError, Resume, RunIdentity};
use crate::energy::CandleEnergy;
use crate::float::Float;
use crate::head::Head;
use crate::network::Network;
use equistein::cd::{BatchInfo, CdLoss, CdObserver, ContrastiveDivergence, NegativeSampler};
use equistein::{Control, Particles, StepInfo};
use rand_chacha::ChaCha8Rng;
use std::path::Path;
use std::time::Instant;

/// How [`Trainer::run`] ended.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOutcome {
    /// Whether an observer stopped the run before the configured epochs.
    pub stopped: bool,
    /// The whole run's counters.
    pub counters: RunCounters,
}

/// Contrastive-divergence training of a [`CandleEnergy`] as a library (argmin's executor as the model: the
/// problem is the model and the data, the state is the driver's chain and epoch, the RNG and the counters;
/// observers and checkpointing are traits).
///
/// Each epoch runs the core's [`ContrastiveDivergence::train_epoch`] (any [`NegativeSampler`]: SVGD or
/// E-SVGD with any core kernel, Langevin), then updates the [`RunCounters`], reports to the observer, and
/// writes a checkpoint when the [`Checkpointing`] policy says so and at the end of the run. A checkpoint holds
/// everything the run depends on: the parameters, Adam's moments and step count, the persistent chain, the
/// epoch (the learning-rate and step-size schedules are functions of it), the RNG state and the counters, so
/// [`Trainer::resume`] continues bit-identically. The RNG is ChaCha8 because its state can be stored.
///
/// See the [module documentation](super) for a complete example.
pub struct Trainer<T: Float, N, H: Head<T>, S, C = NoCheckpoints> {
    model: CandleEnergy<T, N, H>,
    cd: ContrastiveDivergence<T, S, Option<H::Label>>,
    rng: ChaCha8Rng,
    identity: RunIdentity,
    counters: RunCounters,
    checkpoints: C,
}

/// Times the sampler runs and the learning steps, and forwards batches to the user's observer.
struct Timing<'a, O: ?Sized> {
    counters: &'a mut RunCounters,
    start: Option<Instant>,
    last: Option<Instant>,
    user: &'a mut O,
}

impl<T: Float, O: TrainObserver<T> + ?Sized> CdObserver<T> for Timing<'_, O> {
    fn sampling_started(&mut self, _: usize, _: usize, _: &Particles<T>, _: bool) {
        let now = Instant::now();
        self.start = Some(now);
        self.last = Some(now);
    }
    fn sampler_step(&mut self, _: &StepInfo<T>, _: &Particles<T>) -> Control {
        let now = Instant::now();
        if let Some(t) = self.last {
            self.counters
                .step_times
                .record((now - t).as_secs_f64() * 1e3);
        }
        self.last = Some(now);
        Control::Continue
    }
    fn batch(&mut self, info: &BatchInfo<T>, _: &Particles<T>) -> Control {
        let now = Instant::now();
        if let (Some(s), Some(l)) = (self.start, self.last) {
            self.counters.sampling_seconds += (l - s).as_secs_f64();
            self.counters.learning_seconds += (now - l).as_secs_f64();
        }
        self.user.batch(info);
        Control::Continue
    }
}

fn loss_f64<T: Float>(l: &CdLoss<T>) -> CdLoss<f64> {
    CdLoss {
        positive_energy: l.positive_energy.to_f64_lossy(),
        negative_energy: l.negative_energy.to_f64_lossy(),
        supervised: l.supervised.to_f64_lossy(),
        regularizer: l.regularizer.to_f64_lossy(),
        total: l.total.to_f64_lossy(),
    }
}

impl<T, N, H, S> Trainer<T, N, H, S, NoCheckpoints>
where
    T: Float,
    N: Network<T>,
    H: Head<T>,
    S: NegativeSampler<T>,
{
    /// A trainer of `model` with the driver `cd` (configuration, sampler, chain, data and labels) and the RNG
    /// of the run; no checkpoints, an empty identity.
    pub fn new(
        model: CandleEnergy<T, N, H>,
        cd: ContrastiveDivergence<T, S, Option<H::Label>>,
        rng: ChaCha8Rng,
    ) -> Self {
        Trainer {
            model,
            cd,
            rng,
            identity: RunIdentity::default(),
            counters: RunCounters::default(),
            checkpoints: NoCheckpoints,
        }
    }
}

impl<T, N, H, S, C> Trainer<T, N, H, S, C>
where
    T: Float,
    N: Network<T>,
    H: Head<T>,
    S: NegativeSampler<T>,
    C: Checkpointing,
{
    /// Names the run: a checkpoint is resumed only into a run of the same identity.
    pub fn with_identity(mut self, identity: RunIdentity) -> Self {
        self.identity = identity;
        self
    }

    /// Writes checkpoints with `policy` (e.g. [`super::SafetensorsFile`]).
    pub fn with_checkpoints<C2: Checkpointing>(self, policy: C2) -> Trainer<T, N, H, S, C2> {
        Trainer {
            model: self.model,
            cd: self.cd,
            rng: self.rng,
            identity: self.identity,
            counters: self.counters,
            checkpoints: policy,
        }
    }

    /// The model.
    pub fn model(&self) -> &CandleEnergy<T, N, H> {
        &self.model
    }

    /// The model, mutable (for evaluation between runs; changing parameters breaks bit-identity).
    pub fn model_mut(&mut self) -> &mut CandleEnergy<T, N, H> {
        &mut self.model
    }

    /// The trained model.
    pub fn into_model(self) -> CandleEnergy<T, N, H> {
        self.model
    }

    /// The driver (configuration, chain, epoch).
    pub fn driver(&self) -> &ContrastiveDivergence<T, S, Option<H::Label>> {
        &self.cd
    }

    /// The whole run's counters so far.
    pub fn counters(&self) -> &RunCounters {
        &self.counters
    }

    /// The run's identity.
    pub fn identity(&self) -> &RunIdentity {
        &self.identity
    }

    /// The RNG, in the state the next epoch will start from.
    pub fn rng(&self) -> &ChaCha8Rng {
        &self.rng
    }

    /// The state a checkpoint holds besides the model.
    pub fn snapshot(&self) -> Resume<T> {
        Resume {
            state: self.cd.state(),
            rng: rng_state(&self.rng),
            identity: self.identity.clone(),
            extra: self.counters.encode(),
        }
    }

    /// Continues from the checkpoint at `path`: parameters, optimizer, chain, epoch, RNG and counters.
    /// Refuses a checkpoint of another format version, identity or model shape with
    /// [`CheckpointError::Format`] / [`CheckpointError::Mismatch`], leaving the trainer unchanged; a file
    /// that fails later checks (a chain of another size) may leave the model loaded and should not be
    /// trained further.
    pub fn resume(&mut self, path: impl AsRef<Path>) -> Result<(), TrainError> {
        let path = path.as_ref();
        let back = checkpoint::load(path, &mut self.model, &self.identity)?;
        let corrupt = |reason: String| CheckpointError::Corrupt {
            path: path.to_owned(),
            reason,
        };
        let mut counters = RunCounters::decode(&back.extra).map_err(corrupt)?;
        if counters.epochs != back.state.epoch {
            return Err(corrupt(format!(
                "the counters say {} epochs, the driver's state {}",
                counters.epochs, back.state.epoch
            ))
            .into());
        }
        let core = |error| CheckpointError::Core {
            path: path.to_owned(),
            error,
        };
        let rng = rng_from_state(&back.rng).map_err(core)?;
        self.cd.restore(back.state).map_err(core)?;
        self.rng = rng;
        counters.resumes += 1;
        self.counters = counters;
        Ok(())
    }

    fn save(&mut self) -> Result<Option<std::path::PathBuf>, TrainError> {
        let resume = self.snapshot();
        let path = self.checkpoints.save(&self.model, &resume)?;
        Ok((!path.as_os_str().is_empty()).then_some(path))
    }

    /// Trains from the current epoch to the configured number, or until an observer stops it; writes the
    /// checkpoints the policy asks for and one at the end.
    pub fn run<O: TrainObserver<T>>(
        &mut self,
        mut observer: O,
    ) -> Result<TrainOutcome, TrainError> {
        let total = self.cd.config().epochs;
        let base = self.counters.wall_seconds;
        let t0 = Instant::now();
        observer.started(&self.counters, total);
        let mut stopped = false;
        while self.cd.epoch() < total {
            let (info, _) = {
                let mut timing = Timing {
                    counters: &mut self.counters,
                    start: None,
                    last: None,
                    user: &mut observer,
                };
                self.cd
                    .train_epoch(&mut self.model, &mut self.rng, &mut timing)?
            };
            let c = &mut self.counters;
            c.epochs = self.cd.epoch();
            c.minibatches += info.batches;
            c.sampler_steps += info.sampler_steps;
            c.resets += info.resets;
            c.recoveries += info.recoveries;
            c.last_loss = Some(loss_f64(&info.mean_loss));
            c.wall_seconds = base + t0.elapsed().as_secs_f64();
            let mut control = observer.epoch(&EpochReport {
                info: &info,
                counters: &self.counters,
                total_epochs: total,
            });
            // The end of the run (the last epoch, or a stop) always writes a checkpoint.
            let end = self.cd.epoch() >= total || control == Control::Stop;
            if end || self.checkpoints.due(self.cd.epoch()) {
                if let Some(path) = self.save()? {
                    if observer.checkpoint(&path, self.cd.epoch()) == Control::Stop {
                        control = Control::Stop;
                    }
                }
            }
            if control == Control::Stop {
                stopped = self.cd.epoch() < total;
                break;
            }
        }
        self.counters.wall_seconds = base + t0.elapsed().as_secs_f64();
        observer.finished(&self.counters);
        Ok(TrainOutcome {
            stopped,
            counters: self.counters.clone(),
        })
    }
}
