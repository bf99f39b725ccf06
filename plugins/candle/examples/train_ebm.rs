//! Trains a small joint energy model on a two-mode data set with the trainer: checkpoints every epoch, a run
//! stopped after its third checkpoint (nothing is killed: an observer stops it), a resume from that
//! checkpoint in fresh objects, and a check that the resumed result equals an uninterrupted run's.
//!
//! Run with `cargo run --release -p equistein-candle --example train_ebm`.

use equistein::cd::{CdConfig, ContrastiveDivergence, FreshStart, PersistentChain};
use equistein::kernel::Rbf;
use equistein::{random, Control, Particles, RunLimits, StepSchedule, Svgd};
use equistein_candle::checkpoint::RunIdentity;
use equistein_candle::train::{
    EpochReport, NoCheckpoints, SafetensorsFile, StopAfterCheckpoints, TrainObserver, Trainer,
};
use equistein_candle::{Adam, CandleEnergy, JemHead, Mlp};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

const EPOCHS: usize = 8;

type Jem = Trainer<f32, Mlp<f32>, JemHead, Svgd<f32, Rbf<f32>>, NoCheckpoints>;

/// Two classes: around (−2, 0) and (2, 0), sd 0.5, 128 points.
fn data() -> (Particles<f32>, Vec<Option<usize>>) {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let labels = (0..128).map(|i| Some(i % 2)).collect();
    let x = Particles::from_fn(2, 128, |i, k| {
        let centre = if k == 0 {
            4.0 * (i % 2) as f32 - 2.0
        } else {
            0.0
        };
        centre + 0.5 * random::standard_normal::<f32, _>(&mut rng)
    });
    (x, labels)
}

/// The same trainer every time: MLP 2→32→32→2, JEM head, SVGD negatives (RBF h = 0.3), persistent chain.
fn trainer() -> Result<Jem, Box<dyn std::error::Error>> {
    let (x, labels) = data();
    let mlp = Mlp::new(&[2, 32, 32, 2], &mut ChaCha8Rng::seed_from_u64(2))?;
    let model = CandleEnergy::new(mlp, JemHead::new(2), Adam::new(3e-3))?;
    let config = CdConfig {
        epochs: EPOCHS,
        batch_size: 32,
        sampler_limits: RunLimits {
            max_steps: 50,
            tolerance: Some(1e-4),
        },
        step_sizes: StepSchedule::Constant(0.2),
        positives_repel: true,
    };
    let svgd = Svgd::builder(Rbf::fixed(0.3)?).build()?;
    let chain = PersistentChain::new(2, 32, 0.05, FreshStart::Positives)?;
    let cd = ContrastiveDivergence::new(config, svgd, chain, x, labels)?;
    let identity = RunIdentity::new("train_ebm example", format!("epochs = {EPOCHS}\n"));
    Ok(Trainer::new(model, cd, ChaCha8Rng::seed_from_u64(3)).with_identity(identity))
}

/// Prints one line per epoch.
struct Print;

impl TrainObserver<f32> for Print {
    fn epoch(&mut self, r: &EpochReport<'_, f32>) -> Control {
        let l = &r.info.mean_loss;
        println!(
            "  epoch {}/{}: CD {:+.4}, cross-entropy {:.4}, {} SVGD steps, {} resets",
            r.counters.epochs,
            r.total_epochs,
            l.positive_energy - l.negative_energy,
            l.supervised,
            r.info.sampler_steps,
            r.info.resets
        );
        Control::Continue
    }
}

/// Accuracy of the classifier `argmax f(x)` on the data.
fn accuracy(
    model: &CandleEnergy<f32, Mlp<f32>, JemHead>,
) -> Result<f64, Box<dyn std::error::Error>> {
    let (x, labels) = data();
    let logits = model.outputs(&x)?;
    let right = logits
        .chunks(2)
        .zip(&labels)
        .filter(|(l, y)| usize::from(l[1] > l[0]) == y.unwrap_or(0))
        .count();
    Ok(right as f64 / labels.len() as f64)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("equistein-train-ebm-{}", std::process::id()));
    let path = dir.join("jem.safetensors");

    println!("uninterrupted run, {EPOCHS} epochs:");
    let mut whole = trainer()?;
    whole.run(Print)?;

    println!("run with a checkpoint every epoch, stopped after the third checkpoint:");
    let mut first = trainer()?.with_checkpoints(SafetensorsFile::new(&path, 1));
    let out = first.run((Print, StopAfterCheckpoints::new(3)))?;
    println!("  stopped: {}, checkpoint {}", out.stopped, path.display());
    drop(first);

    println!("resumed from the checkpoint in fresh objects:");
    let mut second = trainer()?.with_checkpoints(SafetensorsFile::new(&path, 1));
    second.resume(&path)?;
    second.run(Print)?;

    let probe = Particles::from_fn(2, 64, |i, k| {
        (i as f32 / 8.0 - 4.0) * if k == 0 { 1.0 } else { 0.3 }
    });
    let same_outputs = second.model().outputs(&probe)? == whole.model().outputs(&probe)?;
    let same_chain = second.driver().state() == whole.driver().state();
    let (a, b) = (second.counters(), whole.counters());
    let same_counts = a.same_counts(b);
    println!(
        "counters (resumed / uninterrupted): epochs {} / {}, minibatches {} / {}, SVGD steps {} / {}, resets {} / {}",
        a.epochs, b.epochs, a.minibatches, b.minibatches, a.sampler_steps, b.sampler_steps, a.resets, b.resets
    );
    println!(
        "median SVGD step {:.3} ms / {:.3} ms; sampling {:.2} s of {:.2} s training (resumed, whole run)",
        a.median_step_ms(),
        b.median_step_ms(),
        a.sampling_seconds,
        a.wall_seconds
    );
    println!(
        "training accuracy: resumed {:.3}, uninterrupted {:.3}",
        accuracy(second.model())?,
        accuracy(whole.model())?
    );
    std::fs::remove_dir_all(&dir).ok();
    if same_outputs && same_chain && same_counts {
        println!("the resumed result equals the uninterrupted one: outputs, chain and counters bit-identical");
        Ok(())
    } else {
        Err(format!(
            "the resumed run differs: outputs {same_outputs}, chain {same_chain}, counters {same_counts}"
        )
        .into())
    }
}
