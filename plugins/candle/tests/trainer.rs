//! The trainer: a run stopped by an observer and resumed equals the uninterrupted run bit for bit (parameters,
//! chain, RNG, counters); checkpoints of another model shape, experiment, configuration or format are
//! refused with the field that disagrees; observers see every epoch and can stop the run.

use equistein::cd::{CdConfig, ContrastiveDivergence, FreshStart, PersistentChain};
use equistein::kernel::Rbf;
use equistein::{random, Control, Particles, RunLimits, StepSchedule, Svgd};
use equistein_candle::checkpoint::{CheckpointError, RunIdentity, FORMAT_VERSION};
use equistein_candle::train::{
    EpochReport, Every, RunCounters, SafetensorsFile, StopAfterCheckpoints, TrainError,
    TrainObserver, Trainer,
};
use equistein_candle::{Adam, CandleEnergy, JemHead, Mlp};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use std::path::{Path, PathBuf};

type Jem = CandleEnergy<f32, Mlp<f32>, JemHead>;
type JemTrainer<C> = Trainer<f32, Mlp<f32>, JemHead, Svgd<f32, Rbf<f32>>, C>;

/// Two labelled blobs: class 0 around (−2, 0), class 1 around (2, 0), sd 0.5.
fn blobs(n: usize) -> (Particles<f32>, Vec<Option<usize>>) {
    let mut rng = ChaCha8Rng::seed_from_u64(10);
    let labels = (0..n).map(|i| Some(i % 2)).collect();
    let x = Particles::from_fn(2, n, |i, k| {
        let c = if k == 0 {
            4.0 * (i % 2) as f32 - 2.0
        } else {
            0.0
        };
        c + 0.5 * random::standard_normal::<f32, _>(&mut rng)
    });
    (x, labels)
}

fn model(hidden: usize) -> Jem {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mlp = Mlp::new(&[2, hidden, hidden, 2], &mut rng).unwrap();
    CandleEnergy::new(mlp, JemHead::new(2), Adam::new(3e-3).clip(10.0)).unwrap()
}

fn trainer(epochs: usize, hidden: usize) -> JemTrainer<equistein_candle::train::NoCheckpoints> {
    let (data, labels) = blobs(64);
    let config = CdConfig {
        epochs,
        batch_size: 16,
        sampler_limits: RunLimits {
            max_steps: 30,
            tolerance: Some(1e-4),
        },
        // A schedule, so that the resume must restore the epoch for it.
        step_sizes: StepSchedule::Piecewise {
            initial: 0.2,
            milestones: vec![(3, 0.1)],
        },
        positives_repel: true,
    };
    let svgd = Svgd::builder(Rbf::fixed(0.3).unwrap()).build().unwrap();
    // A high reset probability, so that resets happen and are counted.
    let chain = PersistentChain::new(2, 16, 0.3, FreshStart::Positives).unwrap();
    let cd = ContrastiveDivergence::new(config, svgd, chain, data, labels).unwrap();
    Trainer::new(model(hidden), cd, ChaCha8Rng::seed_from_u64(12))
        .with_identity(RunIdentity::new("blobs", "epochs = 5\nhidden = 16\n"))
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("equistein-trainer-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn bits(m: &Jem) -> Vec<(String, Vec<u32>)> {
    m.parameters()
        .iter()
        .map(|(n, v)| {
            let v = v
                .as_tensor()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap();
            (n.clone(), v.iter().map(|x| x.to_bits()).collect())
        })
        .collect()
}

/// Records the epochs it sees and the checkpoints written.
#[derive(Default)]
struct Log {
    epochs: Vec<usize>,
    checkpoints: Vec<usize>,
    started_at: Option<usize>,
    finished: bool,
}

impl TrainObserver<f32> for Log {
    fn started(&mut self, c: &RunCounters, _: usize) {
        self.started_at = Some(c.epochs);
    }
    fn epoch(&mut self, r: &EpochReport<'_, f32>) -> Control {
        assert_eq!(r.counters.epochs, r.info.epoch + 1);
        self.epochs.push(r.counters.epochs);
        Control::Continue
    }
    fn checkpoint(&mut self, path: &Path, epochs: usize) -> Control {
        assert!(path.exists());
        self.checkpoints.push(epochs);
        Control::Continue
    }
    fn finished(&mut self, _: &RunCounters) {
        self.finished = true;
    }
}

#[test]
fn stopped_and_resumed_run_equals_the_uninterrupted_one() {
    let dir = temp("resume");
    let path = dir.join("run.safetensors");

    let mut whole = trainer(5, 16);
    let done = whole.run(()).unwrap();
    assert!(!done.stopped);

    // Checkpoint every epoch; an observer stops the run after the second checkpoint ("killed").
    let mut log = Log::default();
    let mut first = trainer(5, 16).with_checkpoints(SafetensorsFile::new(&path, 1));
    let out = first.run((&mut log, StopAfterCheckpoints::new(2))).unwrap();
    assert!(out.stopped);
    assert_eq!(out.counters.epochs, 2);
    assert_eq!(log.epochs, vec![1, 2]);
    assert_eq!(log.checkpoints, vec![1, 2]);
    assert!(!dir.join("run.safetensors.tmp").exists());
    drop(first);

    // Fresh objects (other initial weights would be overwritten too): everything comes from the file.
    let mut log = Log::default();
    let mut second = trainer(5, 16).with_checkpoints(SafetensorsFile::new(&path, 1));
    second.resume(&path).unwrap();
    assert_eq!(second.counters().epochs, 2);
    assert_eq!(second.counters().resumes, 1);
    let out = second.run(&mut log).unwrap();
    assert!(!out.stopped && log.finished);
    assert_eq!(log.started_at, Some(2));
    assert_eq!(log.epochs, vec![3, 4, 5]);
    assert_eq!(log.checkpoints, vec![3, 4, 5]);

    assert_eq!(bits(second.model()), bits(whole.model()));
    assert_eq!(second.driver().state(), whole.driver().state());
    assert_eq!(second.rng(), whole.rng());
    let (a, b) = (second.counters(), whole.counters());
    assert!(a.same_counts(b), "{a:?}\n{b:?}");
    assert_eq!(a.epochs, 5);
    assert_eq!(a.minibatches, 5 * 4);
    assert!(a.sampler_steps > 0 && a.resets > 0);
    assert!(a.median_step_ms() > 0.0);
    assert!(a.sampling_seconds > 0.0 && a.learning_seconds > 0.0 && a.wall_seconds > 0.0);
    assert_eq!(a.step_times.len() as usize, a.sampler_steps);

    // A finished run resumed again trains nothing and keeps its counters.
    let mut third = trainer(5, 16);
    third.resume(&path).unwrap();
    let out = third.run(()).unwrap();
    assert!(out.counters.same_counts(b) && !out.stopped);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn checkpoints_of_another_run_are_refused_naming_the_field() {
    let dir = temp("refuse");
    let path = dir.join("run.safetensors");
    let mut t = trainer(1, 16).with_checkpoints(SafetensorsFile::new(&path, 1));
    t.run(()).unwrap();
    let before = bits(t.model());

    let field = |e: TrainError| match e {
        TrainError::Checkpoint(CheckpointError::Mismatch {
            field,
            found,
            expected,
            ..
        }) => (field, found, expected),
        other => panic!("not a mismatch: {other}"),
    };
    // Another model shape: the first parameter that differs, with both shapes.
    let mut other = trainer(1, 8);
    let (f, found, expected) = field(other.resume(&path).unwrap_err());
    assert!(f.starts_with("parameter `"), "{f}");
    assert!(
        found.contains("16") && expected.contains('8'),
        "{found} / {expected}"
    );
    // Another experiment.
    let mut other =
        trainer(1, 16).with_identity(RunIdentity::new("dw4", "epochs = 5\nhidden = 16\n"));
    let (f, found, expected) = field(other.resume(&path).unwrap_err());
    assert_eq!(
        (f.as_str(), found.as_str(), expected.as_str()),
        ("experiment", "blobs", "dw4")
    );
    // Another configuration: the key of the first differing line.
    let mut other =
        trainer(1, 16).with_identity(RunIdentity::new("blobs", "epochs = 5\nhidden = 32\n"));
    let e = other.resume(&path).unwrap_err();
    let message = e.to_string();
    let (f, found, expected) = field(e);
    assert_eq!(
        (f.as_str(), found.as_str(), expected.as_str()),
        ("config: hidden", "16", "32")
    );
    assert!(
        message.contains("run.safetensors") && message.contains("hidden"),
        "{message}"
    );
    // A setting added in a newer version (before the others, inside a table) is named itself, not the line
    // that moved into its place.
    let mut other = trainer(1, 16).with_identity(RunIdentity::new(
        "blobs",
        "epochs = 5\nhidden = 16\n[sampler]\nkind = \"rbf\"\n",
    ));
    let (f, found, expected) = field(other.resume(&path).unwrap_err());
    assert_eq!(
        (f.as_str(), found.as_str(), expected.as_str()),
        ("config: sampler.kind", "(absent)", "\"rbf\"")
    );
    let mut other = trainer(1, 16).with_identity(RunIdentity::new(
        "blobs",
        "depth = 2\nepochs = 5\nhidden = 16\n",
    ));
    let (f, found, expected) = field(other.resume(&path).unwrap_err());
    assert_eq!(
        (f.as_str(), found.as_str(), expected.as_str()),
        ("config: depth", "(absent)", "2")
    );
    // The refused trainer was not changed.
    assert_eq!(bits(other.model()), bits(&model(16)));
    assert_ne!(bits(other.model()), before);

    // A newer format: the same tensors with a later version in the header.
    let bytes = std::fs::read(&path).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let mut meta = meta.metadata().clone().unwrap();
    meta.insert("equistein.format".into(), (FORMAT_VERSION + 1).to_string());
    let newer = dir.join("newer.safetensors");
    safetensors::serialize_to_file(st.tensors(), Some(meta), &newer).unwrap();
    let mut other = trainer(1, 16);
    match other.resume(&newer).unwrap_err() {
        TrainError::Checkpoint(CheckpointError::Format {
            found, supported, ..
        }) => {
            assert_eq!(found, (FORMAT_VERSION + 1).to_string());
            assert_eq!(supported, FORMAT_VERSION);
        }
        e => panic!("{e}"),
    }
    // Not a checkpoint at all, and a missing file.
    std::fs::write(dir.join("junk.safetensors"), b"not a checkpoint").unwrap();
    assert!(matches!(
        trainer(1, 16)
            .resume(dir.join("junk.safetensors"))
            .unwrap_err(),
        TrainError::Checkpoint(CheckpointError::Corrupt { .. })
    ));
    assert!(matches!(
        trainer(1, 16)
            .resume(dir.join("absent.safetensors"))
            .unwrap_err(),
        TrainError::Checkpoint(CheckpointError::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).ok();
}

/// Stops at a given epoch.
struct StopAt(usize);

impl TrainObserver<f32> for StopAt {
    fn epoch(&mut self, r: &EpochReport<'_, f32>) -> Control {
        if r.counters.epochs >= self.0 {
            Control::Stop
        } else {
            Control::Continue
        }
    }
}

#[test]
fn an_epoch_observer_stops_and_the_end_checkpoint_is_written() {
    let dir = temp("stop");
    let path = dir.join("run.safetensors");
    // Checkpoints every 10 epochs: none is due at epoch 3, but the stop writes one.
    let mut log = Log::default();
    let mut t = trainer(20, 16).with_checkpoints(SafetensorsFile::new(&path, 10));
    let out = t.run((StopAt(3), Every::new(2, &mut log))).unwrap();
    assert!(out.stopped && out.counters.epochs == 3);
    assert_eq!(
        log.epochs,
        vec![2],
        "the scheduled observer sees every second epoch"
    );
    assert_eq!(log.checkpoints, vec![3]);
    let mut back = trainer(20, 16);
    back.resume(&path).unwrap();
    assert_eq!(back.counters().epochs, 3);
    assert_eq!(back.driver().epoch(), 3);
    std::fs::remove_dir_all(&dir).ok();
}

/// A fatal divergence keeps the last good state: the learning rate jumps to 1e300 at epoch 2, the parameters
/// overflow in the first batch of that epoch, the run stops with `TrainingDiverged` naming epoch 2, and the
/// checkpoint written after epoch 2 is untouched: resumed, it holds exactly the parameters of a clean
/// two-epoch run.
#[test]
fn a_fatal_divergence_stops_with_the_last_good_checkpoint_kept() {
    let dir = temp("fatal");
    let path = dir.join("run.safetensors");
    let exploding = |t: JemTrainer<equistein_candle::train::NoCheckpoints>| {
        let mut t = t;
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mlp = Mlp::new(&[2, 16, 16, 2], &mut rng).unwrap();
        let adam = Adam::with_schedule(StepSchedule::Piecewise {
            initial: 3e-3,
            milestones: vec![(2, 1e300)],
        })
        .clip(10.0);
        *t.model_mut() = CandleEnergy::new(mlp, JemHead::new(2), adam).unwrap();
        t
    };
    let mut run = exploding(trainer(5, 16)).with_checkpoints(SafetensorsFile::new(&path, 1));
    let err = run.run(()).unwrap_err();
    match &err {
        TrainError::Core(equistein::Error::TrainingDiverged {
            what: "parameters",
            epoch: 2,
            batch: 0,
            ..
        }) => {}
        other => panic!("expected TrainingDiverged in epoch 2, got {other:?}"),
    }
    drop(run);
    let mut clean = trainer(2, 16);
    clean.run(()).unwrap();
    let mut resumed = trainer(5, 16);
    resumed.resume(&path).unwrap();
    assert_eq!(resumed.counters().epochs, 2);
    assert_eq!(bits(resumed.model()), bits(clean.model()));
    assert!(!dir.join("run.safetensors.tmp").exists());
    std::fs::remove_dir_all(&dir).ok();
}
