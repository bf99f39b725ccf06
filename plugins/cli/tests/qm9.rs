//! The `qm9` experiment through the library, on the shipped data (`../shared/data/qm9`), and the `bonds`
//! command through the binary's entry point: the reference row (QM9's own training geometries) is valid and
//! recovers all 35 training isomers under our estimator; every statistic is present and in range; the same
//! seed gives the same numbers; a combination run alone gives its row of the full run; a run stopped after its
//! first checkpoint and resumed equals the uninterrupted one; the written XYZ reads back; configuration and
//! data errors name what is wrong.

use equistein_cli::app::main_with;
use equistein_cli::config::{
    resolve, ExperimentConfig, ExperimentName, Overrides, Preset, Qm9Config,
};
use equistein_cli::experiments::ebm_training::Checkpoints;
use equistein_cli::experiments::qm9::{self, Qm9Outcome};
use equistein_cli::experiments::{RunContext, RunError};
use equistein_cli::progress::{Mode, Progress};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/qm9");

fn config(sets: &[&str]) -> Result<Qm9Config, String> {
    let mut sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    sets.push(format!("data_dir=\"{DATA}\""));
    match resolve(
        ExperimentName::Qm9,
        Preset::Quick,
        &Overrides {
            file: None,
            sets: &sets,
        },
    ) {
        Ok(ExperimentConfig::Qm9(c)) => Ok(c),
        Ok(other) => panic!("{other:?}"),
        Err(e) => Err(e.to_string()),
    }
}

fn run(c: &Qm9Config, checkpoints: Option<Checkpoints>) -> Result<Qm9Outcome, RunError> {
    let progress = Progress::new(Mode::Silent);
    let ctx = RunContext {
        seed: 3,
        preset: Preset::Quick,
        progress: &progress,
        checkpoints,
    };
    qm9::run(c, &ctx)
}

/// `metrics.json` without the wall times and the resume count.
fn deterministic(o: &Qm9Outcome) -> serde_json::Value {
    let mut m = serde_json::to_value(&o.metrics).unwrap();
    for (_, r) in m["runs"].as_object_mut().unwrap() {
        let r = r.as_object_mut().unwrap();
        for k in ["seconds", "sampling_seconds", "svgd_step_ms", "resumes"] {
            r.remove(k).unwrap();
        }
        r["evaluation"].as_object_mut().unwrap().remove("seconds");
    }
    m
}

#[test]
fn quick_reports_every_statistic_and_repeats_itself() {
    let c = config(&["evaluation.samples=24", "evaluation.chain_size=8"]).unwrap();
    let o = run(&c, None).unwrap();
    let m = serde_json::to_value(&o.metrics).unwrap();
    // QM9's relaxed geometries: our estimator and the appendix's rule give every training isomer back.
    let r = &m["reference"];
    assert_eq!(r["formula"], "C5H8O");
    assert_eq!(r["atom_order"], "CCCCCOHHHHHHHH");
    assert_eq!(
        (r["isomers_train"].as_u64(), r["isomers_held_out"].as_u64()),
        (Some(35), Some(13))
    );
    for est in ["ours", "paper"] {
        let e = &r["metrics"][est];
        assert_eq!(e["valid"].as_u64(), Some(35), "{est}");
        assert_eq!(e["train_recovered"].as_u64(), Some(35), "{est}");
        assert_eq!(e["held_out_found"].as_u64(), Some(0), "{est}");
    }
    assert_eq!(o.metrics.runs.names(), vec!["eebm+svgd", "eebm+esvgd"]);
    for (name, rec) in &o.metrics.runs.0 {
        let j = serde_json::to_value(rec).unwrap();
        for est in ["ours", "paper", "paper-released"] {
            let e = &j["metrics"][est];
            assert_eq!(e["molecules"].as_u64(), Some(24), "{name} {est}");
            for k in ["validity", "atom_stability", "uniqueness"] {
                let v = e[k].as_f64().unwrap();
                assert!((0.0..=1.0).contains(&v), "{name} {est} {k} = {v}");
            }
            assert!(e["train_recovered"].as_u64().unwrap() <= 35);
            assert!(e["held_out_found"].as_u64().unwrap() <= 13);
        }
        assert!(j["svgd_step_ms"].as_f64().unwrap() > 0.0, "{name}");
        assert_eq!(j["epochs_run"].as_u64(), Some(1), "{name}");
        assert!(j["evaluation"]["steps"].as_u64().unwrap() > 0, "{name}");
        assert!(j["mean_energy"].as_f64().unwrap().is_finite(), "{name}");
    }
    for g in &o.generated {
        assert_eq!((g.samples.len(), g.samples.dim()), (24, 42));
        assert_eq!(g.molecules.len(), 24);
    }
    let again = run(&c, None).unwrap();
    assert_eq!(deterministic(&again), deterministic(&o));
}

#[test]
fn a_combination_run_alone_gives_its_row_of_the_full_run() {
    let both = config(&["evaluation.samples=16", "evaluation.chain_size=8"]).unwrap();
    let alone = config(&[
        "evaluation.samples=16",
        "evaluation.chain_size=8",
        "combinations=[\"eebm+esvgd\"]",
    ])
    .unwrap();
    let a = deterministic(&run(&both, None).unwrap());
    let b = deterministic(&run(&alone, None).unwrap());
    assert_eq!(a["runs"]["eebm+esvgd"], b["runs"]["eebm+esvgd"]);
}

#[test]
fn stopped_after_a_checkpoint_and_resumed_equals_the_uninterrupted_run() {
    let c = config(&[
        "combinations=[\"eebm+esvgd\"]",
        "epochs=2",
        "checkpoint_every=1",
        "evaluation.samples=8",
        "evaluation.chain_size=8",
    ])
    .unwrap();
    let dir = std::env::temp_dir().join(format!("equistein-qm9-resume-{}", std::process::id()));
    let k = |resume, stop_after| Checkpoints {
        dir: dir.clone(),
        resume,
        stop_after,
    };
    let whole = run(&c, None).unwrap();
    let e = run(&c, Some(k(false, Some(1)))).unwrap_err();
    assert!(matches!(e, RunError::Stopped(_)), "{e}");
    let resumed = run(&c, Some(k(true, None))).unwrap();
    assert_eq!(deterministic(&resumed), deterministic(&whole));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_written_molecules_read_back() {
    let c = config(&[
        "combinations=[\"eebm+esvgd\"]",
        "evaluation.samples=8",
        "evaluation.chain_size=8",
    ])
    .unwrap();
    let o = run(&c, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = equistein_cli::output::StagedOutput::create(dir.path(), "qm9").unwrap();
    equistein_cli::experiments::qm9_pictures::write(&o, &out, 8).unwrap();
    let path = out.dir().join("samples_eebm-esvgd.xyz");
    let records = equistein_molecules::read_xyz(&path).unwrap();
    assert_eq!(records.len(), 8);
    let first = &o.generated[0].molecules[0].as_ref().unwrap().positions;
    for (a, b) in records[0].molecule.positions.iter().zip(first) {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-8);
        }
    }
    assert_eq!(records[0].property("combination"), Some("eebm+esvgd"));
    assert!(records[0].property("valid").is_some());
    let png = std::fs::read(out.dir().join("molecules_eebm-esvgd.png")).unwrap();
    assert!(png.len() > 1000 && png.starts_with(b"\x89PNG"));
}

#[test]
fn errors_name_what_is_wrong() {
    let e = config(&["combinations=[\"ebm+svgd\"]"]).unwrap_err();
    assert!(e.contains("combinations"), "{e}");
    let e = config(&["esvgd_bandwidth=-1"]).unwrap_err();
    assert!(e.contains("esvgd_bandwidth"), "{e}");
    let mut c = config(&[]).unwrap();
    c.data_dir = "/nonexistent/qm9".into();
    let e = run(&c, None).unwrap_err().to_string();
    assert!(e.contains("/nonexistent/qm9"), "{e}");
}

/// Noisy training and evaluation chains with a noiseless quench and the linear head: the same seed repeats
/// itself, the samples differ from the noiseless run's, the quench's steps are counted, and bad values are
/// refused by name.
#[test]
fn noise_quench_and_the_linear_head() {
    let sets = [
        "combinations=[\"eebm+esvgd\"]",
        "evaluation.samples=16",
        "evaluation.steps=20",
    ];
    let mut noisy_sets = sets.to_vec();
    noisy_sets.extend([
        "noise=0.01",
        "evaluation.noise=0.02",
        "evaluation.quench=7",
        "head=\"linear\"",
    ]);
    let noisy = config(&noisy_sets).unwrap();
    let a = run(&noisy, None).unwrap();
    let b = run(&noisy, None).unwrap();
    assert_eq!(deterministic(&a), deterministic(&b));
    let mut linear_sets = sets.to_vec();
    linear_sets.push("head=\"linear\"");
    let plain = run(&config(&linear_sets).unwrap(), None).unwrap();
    assert_ne!(a.generated[0].samples, plain.generated[0].samples);
    let (_, r) = &a.metrics.runs.0[0];
    assert_eq!(r.evaluation.steps, 20 + 7);
    let (_, p) = &plain.metrics.runs.0[0];
    assert_eq!(p.evaluation.steps, 20);
    for (set, key) in [
        ("noise=-1", "noise"),
        ("evaluation.noise=-0.5", "evaluation.noise"),
        ("head=\"cubic\"", "head"),
    ] {
        let e = config(&[set]).unwrap_err();
        assert!(e.contains(key), "{set}: {e}");
    }
}

#[test]
fn the_bonds_command_estimates_every_molecule() {
    let file = format!("{DATA}/qm9_C5H8O.xyz");
    assert_eq!(main_with(["equistein", "bonds", &file]), 0);
    assert_eq!(
        main_with(["equistein", "bonds", &file, "--estimator", "paper"]),
        0
    );
    assert_eq!(
        main_with(["equistein", "bonds", &file, "--estimator", "bogus"]),
        2
    );
    assert_eq!(main_with(["equistein", "bonds", "/nonexistent.xyz"]), 2);
    let report =
        equistein_molecules::bonds_report(&file, equistein_molecules::Estimator::Ours).unwrap();
    assert_eq!((report.molecules, report.valid), (48, 48));
}
