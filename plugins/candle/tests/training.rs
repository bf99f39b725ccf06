//! Contrastive-divergence training of candle models: learning, the checkpoint file's round trip (the
//! trainer's resume is tested in `trainer.rs`).

use equistein::cd::{
    CdBatch, CdConfig, ContrastiveDivergence, FreshStart, PersistentChain, TrainableEnergy,
};
use equistein::kernel::Rbf;
use equistein::{random, Energy, Particles, RunLimits, StepSchedule, Svgd};
use equistein_candle::checkpoint::{
    self, rng_from_state, rng_state, CheckpointError, Resume, RunIdentity,
};
use equistein_candle::{Adam, CandleEnergy, JemHead, Mlp, ScalarHead};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

/// Two labelled blobs: class 0 around (−2, 0), class 1 around (2, 0), sd 0.5.
fn blobs(n: usize, seed: u64) -> (Particles<f32>, Vec<Option<usize>>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let labels: Vec<Option<usize>> = (0..n).map(|i| Some(i % 2)).collect();
    let x = Particles::from_fn(2, n, |i, k| {
        let c = if k == 0 {
            if i % 2 == 0 {
                -2.0
            } else {
                2.0
            }
        } else {
            0.0
        };
        c + 0.5 * random::standard_normal::<f32, _>(&mut rng)
    });
    (x, labels)
}

type Jem = CandleEnergy<f32, Mlp<f32>, JemHead>;

fn jem(seed: u64) -> Jem {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mlp = Mlp::new(&[2, 32, 32, 2], &mut rng).unwrap();
    CandleEnergy::new(mlp, JemHead::new(2), Adam::new(3e-3).clip(10.0)).unwrap()
}

fn driver(
    data: Particles<f32>,
    labels: Vec<Option<usize>>,
    epochs: usize,
) -> ContrastiveDivergence<f32, Svgd<f32, Rbf<f32>>, Option<usize>> {
    let config = CdConfig {
        epochs,
        batch_size: 32,
        sampler_limits: RunLimits {
            max_steps: 40,
            tolerance: Some(1e-4),
        },
        step_sizes: StepSchedule::Constant(0.2),
        positives_repel: true,
    };
    let svgd = Svgd::builder(Rbf::fixed(0.3).unwrap()).build().unwrap();
    let chain = PersistentChain::new(2, 32, 0.05, FreshStart::Positives).unwrap();
    ContrastiveDivergence::new(config, svgd, chain, data, labels).unwrap()
}

#[test]
fn jem_learns_classes_and_ranks_data_below_noise() {
    let (data, labels) = blobs(128, 1);
    let mut model = jem(2);
    let mut cd = driver(data.clone(), labels, 40);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let first = cd.train_epoch(&mut model, &mut rng, &mut ()).unwrap().0;
    let last = cd
        .train(&mut model, &mut rng, &mut ())
        .unwrap()
        .last
        .unwrap();
    assert!(
        last.mean_loss.supervised < 0.5 * first.mean_loss.supervised,
        "cross-entropy {} → {}",
        first.mean_loss.supervised,
        last.mean_loss.supervised
    );
    // Classification.
    let logits = model.outputs(&data).unwrap();
    let correct = logits
        .chunks(2)
        .enumerate()
        .filter(|(i, l)| usize::from(l[1] > l[0]) == i % 2)
        .count();
    assert!(correct >= 120, "{correct}/128 correct");
    // Ranking: data energies below uniform noise on [−6, 6)² for most pairs (AUC).
    let noise = Particles::from_fn(2, 256, |_, _| random::uniform(&mut rng, -6.0f32, 6.0));
    let mut ed = vec![0.0; 128];
    let mut en = vec![0.0; 256];
    model.energy_batch(&data, &mut ed).unwrap();
    model.energy_batch(&noise, &mut en).unwrap();
    let wins: usize = ed.iter().map(|a| en.iter().filter(|b| a < b).count()).sum();
    let auc = wins as f64 / (128.0 * 256.0);
    assert!(auc > 0.85, "AUC of data below noise {auc}");
}

#[test]
fn scalar_head_with_regression_and_penalty_learns() {
    let (data, _) = blobs(64, 4);
    // Regression target: the true −log density up to a constant, a quadratic bowl around each blob.
    let targets: Vec<Option<f32>> = data
        .iter()
        .map(|x| Some(((x[0].abs() - 2.0).powi(2) + x[1] * x[1]) / 0.5))
        .collect();
    let mlp = Mlp::<f32>::new(&[2, 32, 32, 1], &mut ChaCha8Rng::seed_from_u64(5)).unwrap();
    let mut model = CandleEnergy::new(mlp, ScalarHead::with_regression(0.5), Adam::new(3e-3))
        .unwrap()
        .with_energy_penalty(0.01)
        .unwrap();
    let negatives = Particles::from_fn(2, 64, |i, k| ((i * 7 + k * 3) % 13) as f32 - 6.0);
    let batch = CdBatch {
        positives: &data,
        labels: &targets,
        negatives: &negatives,
        epoch: 0,
    };
    let first = model.cd_gradient(&batch).unwrap();
    assert!(first.regularizer > 0.0 && first.supervised > 0.0);
    for _ in 0..300 {
        model.cd_gradient(&batch).unwrap();
        model.apply_gradient(0).unwrap();
    }
    let last = model.cd_gradient(&batch).unwrap();
    assert!(last.total < first.total, "{} → {}", first.total, last.total);
    assert!(last.supervised < 0.5 * first.supervised);
    assert!(model.apply_gradient(0).is_ok());
    assert!(model.apply_gradient(0).is_err(), "no gradient stored twice");
}

#[test]
fn checkpoint_round_trip() {
    let (data, labels) = blobs(64, 6);
    let mut model = jem(7);
    let mut cd = driver(data.clone(), labels.clone(), 2);
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    cd.train(&mut model, &mut rng, &mut ()).unwrap();
    let dir = std::env::temp_dir().join(format!("equistein-candle-ckpt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("round.safetensors");
    let id = RunIdentity::new("blobs", "epochs = 2");
    let resume = Resume {
        state: cd.state(),
        rng: rng_state(&rng),
        identity: id.clone(),
        extra: [("note".to_string(), "kept".to_string())].into(),
    };
    checkpoint::save(&path, &model, &resume).unwrap();
    assert!(
        !dir.join("round.safetensors.tmp").exists(),
        "the temporary file was renamed"
    );

    let mut other = jem(99);
    let back = checkpoint::load(&path, &mut other, &id).unwrap();
    assert_eq!(back, resume);
    assert_eq!(back.state.epoch, 2);
    assert!(back.state.chain.is_some());
    for ((n1, v1), (n2, v2)) in model.parameters().iter().zip(other.parameters()) {
        assert_eq!(n1, n2);
        let a = v1
            .as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        let b = v2
            .as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        assert_eq!(a, b, "{n1}");
    }
    assert_eq!(other.optimizer().steps(), model.optimizer().steps());
    let mut r2 = rng_from_state(&back.rng).unwrap();
    assert_eq!(
        rand_core::RngCore::next_u64(&mut r2),
        rand_core::RngCore::next_u64(&mut rng)
    );
    // The sampling path was refreshed from the loaded parameters.
    assert_eq!(
        model.energy(&[0.3, 0.1]).unwrap(),
        other.energy(&[0.3, 0.1]).unwrap()
    );

    // A model of another shape is refused, naming the parameter.
    let mut wrong = CandleEnergy::new(
        Mlp::<f32>::new(&[2, 16, 2], &mut ChaCha8Rng::seed_from_u64(0)).unwrap(),
        JemHead::new(2),
        Adam::new(1e-3),
    )
    .unwrap();
    let e = checkpoint::load(&path, &mut wrong, &id).unwrap_err();
    assert!(
        matches!(&e, CheckpointError::Mismatch { field, .. } if field.starts_with("parameter")),
        "{e}"
    );
    let e = checkpoint::load(dir.join("missing.safetensors"), &mut other, &id).unwrap_err();
    assert!(matches!(e, CheckpointError::Io { .. }), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}
