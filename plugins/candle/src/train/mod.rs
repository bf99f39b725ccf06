//! Training as a library: checkpointed contrastive-divergence training of any [`crate::Network`] with any
//! [`crate::Head`] and any core sampler ([`Trainer`]).
//!
//! - [`Trainer`]: runs the core's [`equistein::cd::ContrastiveDivergence`] epoch by epoch over a
//!   [`crate::CandleEnergy`]; [`Trainer::run`] trains, [`Trainer::resume`] continues from a checkpoint
//!   bit-identically;
//! - [`Checkpointing`]: when and where checkpoints go ([`SafetensorsFile`]: every k epochs and at the end, one
//!   file, written atomically; [`NoCheckpoints`]);
//! - [`TrainObserver`]: progress, per-epoch metrics, early stop ([`Every`] puts an observer on a schedule,
//!   [`StopAfterCheckpoints`] stops after n checkpoints; a pair `(A, B)` is an observer too);
//! - [`RunCounters`]: epochs, minibatches, sampler steps, resets, wall time split into sampling and learning,
//!   and the median sampler step time ([`StepTimes`]), all surviving a resume.
//!
//! A complete run that is stopped after its first checkpoint and resumed in fresh objects, ending where the
//! uninterrupted run ends:
//!
//! ```
//! use equistein::cd::{CdConfig, ContrastiveDivergence, FreshStart, PersistentChain};
//! use equistein::kernel::Rbf;
//! use equistein::{Particles, RunLimits, StepSchedule, Svgd};
//! use equistein_candle::train::{RunCounters, SafetensorsFile, StopAfterCheckpoints, Trainer};
//! use equistein_candle::checkpoint::RunIdentity;
//! use equistein_candle::{Adam, CandleEnergy, JemHead, Mlp};
//! use rand_chacha::ChaCha8Rng;
//! use rand_core::SeedableRng;
//!
//! // Two labelled points per class, repeated: class 0 at (−2, 0), class 1 at (2, 0).
//! let data = Particles::from_fn(2, 32, |i, k| if k == 0 { 4.0 * (i % 2) as f32 - 2.0 } else { 0.0 });
//! let labels: Vec<Option<usize>> = (0..32).map(|i| Some(i % 2)).collect();
//! let trainer = |epochs: usize| {
//!     let mlp = Mlp::<f32>::new(&[2, 16, 2], &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
//!     let model = CandleEnergy::new(mlp, JemHead::new(2), Adam::new(1e-2)).unwrap();
//!     let config = CdConfig {
//!         epochs,
//!         batch_size: 16,
//!         sampler_limits: RunLimits::steps(10),
//!         step_sizes: StepSchedule::Constant(0.1),
//!         positives_repel: true,
//!     };
//!     let svgd = Svgd::builder(Rbf::fixed(0.3f32).unwrap()).build().unwrap();
//!     let chain = PersistentChain::new(2, 16, 0.05, FreshStart::Positives).unwrap();
//!     let cd = ContrastiveDivergence::new(config, svgd, chain, data.clone(), labels.clone()).unwrap();
//!     Trainer::new(model, cd, ChaCha8Rng::seed_from_u64(2))
//!         .with_identity(RunIdentity::new("two-points", "epochs = 4"))
//! };
//! let dir = std::env::temp_dir().join(format!("equistein-train-doc-{}", std::process::id()));
//! let path = dir.join("run.safetensors");
//!
//! let mut whole = trainer(4);
//! whole.run(()).unwrap();
//!
//! let mut first = trainer(4).with_checkpoints(SafetensorsFile::new(&path, 2));
//! let stopped = first.run(StopAfterCheckpoints::new(1)).unwrap(); // stops after epoch 2's checkpoint
//! assert!(stopped.stopped && stopped.counters.epochs == 2);
//!
//! let mut second = trainer(4).with_checkpoints(SafetensorsFile::new(&path, 2));
//! second.resume(&path).unwrap();
//! let done = second.run(()).unwrap();
//! assert!(done.counters.same_counts(whole.counters()));
//! let x = Particles::from_rows(2, &[0.5f32, 0.5]).unwrap();
//! assert_eq!(second.model().outputs(&x).unwrap(), whole.model().outputs(&x).unwrap());
//! std::fs::remove_dir_all(&dir).ok();
//! ```

mod checkpointing;
mod counters;
mod error;
mod observer;
mod step_times;
mod trainer;

pub use checkpointing::{Checkpointing, NoCheckpoints, SafetensorsFile};
pub use counters::RunCounters;
pub use error::TrainError;
pub use observer::{EpochReport, Every, StopAfterCheckpoints, TrainObserver};
pub use step_times::StepTimes;
pub use trainer::{TrainOutcome, Trainer};
