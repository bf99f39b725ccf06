//! jem-c4 and ebm-circles through the library: every combination present with the metrics, the
//! equivariant models' accuracy unchanged by 90° rotations of the test set, trained models kept after a run.

use equistein_cli::config::{resolve, ExperimentConfig, ExperimentName, Overrides, Preset};
use equistein_cli::experiments::ebm_evaluation::spearman;
use equistein_cli::experiments::ebm_training::Checkpoints;
use equistein_cli::experiments::{ebm_circles, jem_c4};
use equistein_cli::experiments::{RunContext, RunError};
use equistein_cli::progress::{Mode, Progress};

fn config(exp: ExperimentName, sets: &[&str]) -> ExperimentConfig {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    resolve(
        exp,
        Preset::Quick,
        &Overrides {
            file: None,
            sets: &sets,
        },
    )
    .unwrap()
}

#[test]
fn jem_c4_quick_has_every_metric() {
    let ExperimentConfig::JemC4(c) =
        config(ExperimentName::JemC4, &["epochs=4", "checkpoint_every=1"])
    else {
        panic!()
    };
    let progress = Progress::new(Mode::Silent);
    let dir = std::env::temp_dir().join(format!("equistein-ebm-ckpt-{}", std::process::id()));
    let ctx = RunContext {
        seed: 3,
        preset: Preset::Quick,
        progress: &progress,
        checkpoints: Some(Checkpoints {
            dir: dir.clone(),
            resume: true,
            stop_after: None,
        }),
    };
    let out = jem_c4::run(&c, &ctx).unwrap();
    for name in ["ebm-svgd", "eebm-svgd", "eebm-esvgd"] {
        assert!(
            dir.join(format!("{name}.safetensors")).is_file(),
            "a finished run keeps {name}'s trained model"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
    let runs = &out.metrics.runs;
    assert_eq!(runs.names(), vec!["ebm+svgd", "eebm+svgd", "eebm+esvgd"]);
    for name in ["eebm+svgd", "eebm+esvgd"] {
        let r = runs.get(name).unwrap();
        assert_eq!(
            r.rotated_test_accuracy, r.test_accuracy,
            "{name}: C4-invariant classifier"
        );
    }
    for (_, r) in &runs.0 {
        let f = r.mode_fractions.as_ref().unwrap();
        assert_eq!(f.len(), 8);
        assert!((f.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(r.svgd_step_ms > 0.0 && r.svgd_steps > 0 && r.epochs_run == 4);
        assert!((-1.0..=1.0).contains(&r.energy_spearman));
    }
    assert_eq!(out.rows.len(), 4);
    let json = serde_json::to_value(&out.metrics).unwrap();
    for key in [
        "train_accuracy",
        "test_accuracy",
        "rotated_test_accuracy",
        "test_cross_entropy",
        "mmd",
        "spread_ratio",
        "seconds",
        "svgd_step_ms",
    ] {
        assert!(json["runs"]["eebm+esvgd"].get(key).is_some(), "{key}");
    }
}

/// `metrics.json` without the wall times and the resume count (what a resumed run must reproduce).
fn deterministic(m: &serde_json::Value) -> serde_json::Value {
    let mut m = m.clone();
    for (_, r) in m["runs"].as_object_mut().unwrap() {
        let r = r.as_object_mut().unwrap();
        for k in ["seconds", "sampling_seconds", "svgd_step_ms", "resumes"] {
            assert!(r.remove(k).is_some(), "{k}");
        }
    }
    m
}

#[test]
fn jem_c4_stopped_after_two_checkpoints_and_resumed_equals_the_uninterrupted_run() {
    let ExperimentConfig::JemC4(c) = config(ExperimentName::JemC4, &["checkpoint_every=1"]) else {
        panic!()
    };
    let progress = Progress::new(Mode::Silent);
    let dir = std::env::temp_dir().join(format!("equistein-ebm-resume-{}", std::process::id()));
    let ctx = |resume, stop_after, checkpoints: bool| RunContext {
        seed: 5,
        preset: Preset::Quick,
        progress: &progress,
        checkpoints: checkpoints.then(|| Checkpoints {
            dir: dir.clone(),
            resume,
            stop_after,
        }),
    };
    let whole = jem_c4::run(&c, &ctx(false, None, false)).unwrap();
    // "Killed": an observer stops the first combination after its second checkpoint (epoch 2 of 3).
    let e = jem_c4::run(&c, &ctx(false, Some(2), true)).unwrap_err();
    assert!(matches!(e, RunError::Stopped(_)), "{e}");
    assert!(
        dir.join("ebm-svgd.safetensors").exists(),
        "the checkpoint is kept"
    );
    let resumed = jem_c4::run(&c, &ctx(true, None, true)).unwrap();
    // Resumed again, the finished run trains nothing and gives the same metrics.
    let again = jem_c4::run(&c, &ctx(true, None, true)).unwrap();
    assert_eq!(
        deterministic(&serde_json::to_value(&again.metrics).unwrap()),
        deterministic(&serde_json::to_value(&resumed.metrics).unwrap())
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let (a, b) = (
        serde_json::to_value(&resumed.metrics).unwrap(),
        serde_json::to_value(&whole.metrics).unwrap(),
    );
    assert_eq!(deterministic(&a), deterministic(&b));
    let first = &a["runs"]["ebm+svgd"];
    assert_eq!(first["resumes"], 1);
    assert_eq!(
        first["epochs_run"], 3,
        "counters cover the part before the stop too"
    );
    assert_eq!(first["minibatches"], 12);
    assert_eq!(a["runs"]["eebm+svgd"]["resumes"], 0);
}

#[test]
fn resuming_under_another_configuration_is_refused_naming_the_key() {
    let ExperimentConfig::JemC4(c) = config(ExperimentName::JemC4, &["checkpoint_every=1"]) else {
        panic!()
    };
    let progress = Progress::new(Mode::Silent);
    let dir = std::env::temp_dir().join(format!("equistein-ebm-refuse-{}", std::process::id()));
    let ctx = |resume, stop_after| RunContext {
        seed: 5,
        preset: Preset::Quick,
        progress: &progress,
        checkpoints: Some(Checkpoints {
            dir: dir.clone(),
            resume,
            stop_after,
        }),
    };
    jem_c4::run(&c, &ctx(false, Some(1))).unwrap_err();
    let mut other = c.clone();
    other.reset_probability = 0.5;
    let e = jem_c4::run(&other, &ctx(true, None))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("cannot resume") && e.contains("config: reset_probability"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn ebm_circles_quick_runs() {
    let ExperimentConfig::EbmCircles(c) = config(
        ExperimentName::EbmCircles,
        &["combinations=[\"ebm+svgd\", \"eebm+esvgd\"]"],
    ) else {
        panic!()
    };
    let progress = Progress::new(Mode::Silent);
    let ctx = RunContext {
        seed: 1,
        preset: Preset::Quick,
        progress: &progress,
        checkpoints: None,
    };
    let out = ebm_circles::run(&c, &ctx).unwrap();
    assert_eq!(out.metrics.runs.names(), vec!["ebm+svgd", "eebm+esvgd"]);
    for (_, r) in &out.metrics.runs.0 {
        assert_eq!(r.ring_fractions.as_ref().unwrap().len(), 2);
        assert!(r.test_accuracy.is_none());
    }
}

#[test]
fn spearman_is_a_rank_correlation() {
    let a = [1.0, 2.0, 3.0, 4.0];
    assert!((spearman(&a, &[10.0, 20.0, 30.0, 1000.0]) - 1.0).abs() < 1e-12);
    assert!((spearman(&a, &[4.0, 3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
    // Ties get average ranks: [1, 2.5, 2.5, 4] against [1, 2, 3, 4].
    let r = spearman(&[1.0, 2.0, 2.0, 3.0], &a);
    assert!((r - 0.9486832980505138).abs() < 1e-12, "{r}");
    assert!(spearman(&[1.0], &[2.0]).is_nan());
}

#[test]
fn bad_ebm_settings_are_rejected() {
    let bad = |s: &str| {
        let sets = vec![s.to_string()];
        resolve(
            ExperimentName::JemC4,
            Preset::Quick,
            &Overrides {
                file: None,
                sets: &sets,
            },
        )
        .unwrap_err()
        .message
    };
    assert!(bad("combinations=[]").contains("combinations"));
    assert!(bad("combinations=[\"ebm+svgd\", \"ebm+svgd\"]").contains("twice"));
    assert!(bad("reset_probability=2").contains("reset_probability"));
    assert!(bad("learning_rate_steps=[[10, 0.1], [5, 0.1]]").contains("learning_rate_steps"));
    assert!(bad("hidden=[]").contains("hidden"));
    assert!(bad("combinations=[\"ebm+esvgd\"]").contains("combinations"));
}
