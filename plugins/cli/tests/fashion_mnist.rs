//! `fashion-mnist` through the library, on the shipped data (`../shared/data/fashion_mnist`): every combination
//! present with every statistic in range; the steerable combinations classify each rotated test image exactly as
//! its upright original; the same seed gives the same numbers; the pictures are written; a missing data folder
//! is an error that names it; `device = "cuda"` without the feature is a configuration error.

use equistein_cli::config::{
    resolve, ExperimentConfig, ExperimentName, FashionMnistConfig, Overrides, Preset,
};
use equistein_cli::experiments::fashion_mnist::{self, FashionOutcome};
use equistein_cli::experiments::{fashion_pictures, RunContext, RunError};
use equistein_cli::output::StagedOutput;
use equistein_cli::progress::{Mode, Progress};

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/fashion_mnist"
);

fn config(sets: &[&str]) -> FashionMnistConfig {
    let mut all = vec![
        format!("data_dir=\"{DATA}\""),
        "train_images=100".into(),
        "test_images=100".into(),
        "batch_size=20".into(),
        "evaluation.samples_per_class=2".into(),
        "evaluation.steps=3".into(),
    ];
    all.extend(sets.iter().map(|s| s.to_string()));
    match resolve(
        ExperimentName::FashionMnist,
        Preset::Quick,
        &Overrides {
            file: None,
            sets: &all,
        },
    )
    .unwrap()
    {
        ExperimentConfig::FashionMnist(c) => c,
        other => panic!("{other:?}"),
    }
}

fn run(c: &FashionMnistConfig) -> Result<FashionOutcome, RunError> {
    let progress = Progress::new(Mode::Silent);
    let ctx = RunContext {
        seed: 5,
        preset: Preset::Quick,
        progress: &progress,
        checkpoints: None,
    };
    fashion_mnist::run(c, &ctx)
}

/// `metrics.json` without the wall times.
fn deterministic(o: &FashionOutcome) -> serde_json::Value {
    let mut m = serde_json::to_value(&o.metrics).unwrap();
    for (_, r) in m["runs"].as_object_mut().unwrap() {
        let r = r.as_object_mut().unwrap();
        for k in [
            "seconds",
            "sampling_seconds",
            "svgd_step_ms",
            "evaluation_seconds",
        ] {
            assert!(r.remove(k).is_some(), "{k}");
        }
    }
    m
}

fn unit(name: &str, key: &str, v: f64) {
    assert!((0.0..=1.0).contains(&v), "{name}.{key} = {v}");
}

#[test]
fn quick_reports_every_statistic_and_steerable_models_ignore_rotations() {
    let c = config(&[]);
    let a = run(&c).unwrap();
    let m = &a.metrics;
    assert_eq!(m.experiment, "fashion-mnist");
    assert_eq!(
        (m.reference.train_images, m.reference.test_images),
        (100, 100)
    );
    assert_eq!(
        m.reference.rotated_quarter_counts.iter().sum::<usize>(),
        100
    );
    assert_eq!(m.reference.classes.len(), 10);
    assert_eq!(m.runs.names(), ["ebm+svgd", "eebm+svgd", "eebm+esvgd"]);
    for (name, r) in &m.runs.0 {
        for (key, v) in [
            ("test_accuracy", r.test_accuracy),
            ("rotated_test_accuracy", r.rotated_test_accuracy),
            ("train_accuracy", r.train_accuracy),
            ("predictions_equal", r.predictions_equal),
            (
                "samples_classified_as_their_class",
                r.samples_classified_as_their_class,
            ),
        ] {
            unit(name, key, v);
        }
        for (key, per) in [
            ("per_class_accuracy", &r.per_class_accuracy),
            ("rotated_per_class_accuracy", &r.rotated_per_class_accuracy),
        ] {
            assert_eq!(per.len(), 10, "{name}.{key}");
            for &v in per {
                unit(name, key, v);
            }
            // 10 test images per class: the overall accuracy is the mean of the per-class ones.
            let mean = per.iter().sum::<f64>() / 10.0;
            let overall = if key == "per_class_accuracy" {
                r.test_accuracy
            } else {
                r.rotated_test_accuracy
            };
            assert!((mean - overall).abs() < 1e-12, "{name}.{key}");
        }
        for ce in [r.test_cross_entropy, r.rotated_test_cross_entropy] {
            assert!(ce.is_finite() && ce > 0.0, "{name}: cross-entropy {ce}");
        }
        assert!(
            r.training.svgd_step_ms > 0.0 && r.training.seconds > 0.0,
            "{name}"
        );
        assert_eq!(r.samples, 20, "{name}: 2 per class");
        assert_eq!(
            (
                r.training.epochs_run,
                r.training.minibatches,
                r.svgd_steps_per_minibatch
            ),
            (1, 5, 2),
            "{name}: 100 images in batches of 20"
        );
        assert_eq!(r.training.svgd_steps, 10, "{name}");
        assert!(r.training.final_cd_loss.is_finite() && r.final_supervised_loss.is_finite());
        let h = if name == "eebm+esvgd" { 0.005 } else { 0.1 };
        assert_eq!(r.bandwidth, h, "{name}");
    }
    for name in ["eebm+svgd", "eebm+esvgd"] {
        let r = m.runs.get(name).unwrap();
        assert_eq!(r.predictions_equal, 1.0, "{name}: C4-invariant classifier");
        assert_eq!(r.rotated_test_accuracy, r.test_accuracy, "{name}");
        assert_eq!(r.rotated_per_class_accuracy, r.per_class_accuracy, "{name}");
    }
    assert_eq!(a.rows.len(), 3);
    assert!(a.rows.iter().all(|r| r.samples.len() == 20));

    let b = run(&c).unwrap();
    assert_eq!(
        deterministic(&a),
        deterministic(&b),
        "same seed, same numbers"
    );

    let alone = run(&config(&["combinations=[\"eebm+esvgd\"]"])).unwrap();
    assert_eq!(
        deterministic(&alone)["runs"]["eebm+esvgd"],
        deterministic(&a)["runs"]["eebm+esvgd"],
        "a combination run alone gives its row of the full run"
    );

    let dir = tempfile::tempdir().unwrap();
    let out = StagedOutput::create(dir.path(), "fashion-mnist").unwrap();
    fashion_pictures::write(&a, &out).unwrap();
    let written = out.commit().unwrap();
    for file in [
        "metrics.json",
        "accuracy.png",
        "samples_ebm-svgd.png",
        "samples_eebm-svgd.png",
        "samples_eebm-esvgd.png",
    ] {
        let len = std::fs::metadata(written.join(file)).unwrap().len();
        assert!(len > 0, "{file} is empty");
    }
}

#[test]
fn a_missing_data_folder_is_an_error_naming_it() {
    let mut c = config(&[]);
    c.data_dir = "/nonexistent/fashion-folder".into();
    let e = run(&c).unwrap_err().to_string();
    assert!(e.contains("/nonexistent/fashion-folder"), "{e}");
    assert!(e.contains("data_dir"), "{e}");
    assert!(!e.contains('\n'), "{e}");
}

#[test]
fn configuration_errors_name_the_key() {
    let bad = |s: &str| {
        resolve(
            ExperimentName::FashionMnist,
            Preset::Default,
            &Overrides {
                file: None,
                sets: &[s.to_string()],
            },
        )
        .unwrap_err()
        .message
    };
    let m = bad("train_images=15");
    assert!(m.contains("`train_images`") && m.contains("15"), "{m}");
    let m = bad("test_images=20000");
    assert!(m.contains("`test_images`"), "{m}");
    let m = bad("device=\"tpu\"");
    assert!(m.contains("`device`"), "{m}");
    let m = bad("esvgd_steps=0");
    assert!(m.contains("`esvgd_steps`"), "{m}");
    #[cfg(not(feature = "cuda"))]
    {
        let m = bad("device=\"cuda\"");
        assert!(m.contains("cuda") && m.contains("feature"), "{m}");
    }
}
