//! The DW-4 experiments through the library, on the shipped data (`../shared/data/dw4`): every combination
//! present with the statistics; the five-state reference is 1/5 in each state; the same seed gives the
//! same numbers; a run stopped after its first checkpoint and resumed equals the uninterrupted one; a missing
//! data folder is an error that names it.

use equistein_cli::config::{
    resolve, Dw4Config, ExperimentConfig, ExperimentName, Overrides, Preset,
};
use equistein_cli::experiments::dw4::{self, Dw4Outcome};
use equistein_cli::experiments::ebm_training::Checkpoints;
use equistein_cli::experiments::{RunContext, RunError};
use equistein_cli::progress::{Mode, Progress};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/dw4");

fn config(exp: ExperimentName, sets: &[&str]) -> Dw4Config {
    let mut sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    sets.push(format!("data_dir=\"{DATA}\""));
    match resolve(
        exp,
        Preset::Quick,
        &Overrides {
            file: None,
            sets: &sets,
        },
    )
    .unwrap()
    {
        ExperimentConfig::Dw4(c)
        | ExperimentConfig::Dw4Boltzmann(c)
        | ExperimentConfig::Dw4Kohler(c) => c,
        other => panic!("{other:?}"),
    }
}

fn run(
    exp: ExperimentName,
    c: &Dw4Config,
    checkpoints: Option<Checkpoints>,
) -> Result<Dw4Outcome, RunError> {
    let progress = Progress::new(Mode::Silent);
    let ctx = RunContext {
        seed: 4,
        preset: Preset::Quick,
        progress: &progress,
        checkpoints,
    };
    dw4::run(exp, c, &ctx)
}

/// `metrics.json` without the wall times and the resume count.
fn deterministic(o: &Dw4Outcome) -> serde_json::Value {
    let mut m = serde_json::to_value(&o.metrics).unwrap();
    for (_, r) in m["runs"].as_object_mut().unwrap() {
        let r = r.as_object_mut().unwrap();
        for k in [
            "seconds",
            "sampling_seconds",
            "svgd_step_ms",
            "resumes",
            "evaluation",
        ] {
            assert!(r.remove(k).is_some(), "{k}");
        }
    }
    m
}

#[test]
fn dw4_quick_reports_every_statistic_and_repeats_itself() {
    let c = config(
        ExperimentName::Dw4,
        &["evaluation.samples=120", "evaluation.chain_size=40"],
    );
    let a = run(ExperimentName::Dw4, &c, None).unwrap();
    let m = &a.metrics;
    assert_eq!(m.experiment, "dw4");
    // The quick reference: 500 rows spread over the 1,000 (200 per state, state-major), 100 of each state.
    assert_eq!(m.reference.statistics.state_counts, [100; 5]);
    assert_eq!(m.reference.train_rows, 100);
    assert_eq!(m.reference.statistics.state_tv, 0.0);
    assert_eq!(m.runs.names(), ["ebm+svgd", "eebm+svgd", "eebm+esvgd"]);
    for (name, r) in &m.runs.0 {
        let s = &r.statistics;
        assert_eq!(s.samples + s.non_finite, 120, "{name}");
        assert!(
            (s.state_shares.iter().sum::<f64>() - 1.0).abs() < 1e-12,
            "{name}"
        );
        for tv in [s.state_tv, s.energy_tv, s.distance_tv] {
            assert!((0.0..=1.0).contains(&tv), "{name}: {tv}");
        }
        assert!(s.mean_energy > -26.0, "{name}");
        assert!(r.training.svgd_step_ms > 0.0, "{name}");
        assert_eq!(
            (r.training.epochs_run, r.training.minibatches),
            (2, 6),
            "{name}: 100 rows make three full batches of 32"
        );
        assert_eq!(r.bandwidth, if name == "eebm+esvgd" { 0.001 } else { 0.1 });
    }
    let b = run(ExperimentName::Dw4, &c, None).unwrap();
    assert_eq!(
        deterministic(&a),
        deterministic(&b),
        "same seed, same numbers"
    );
}

#[test]
fn dw4_stopped_after_a_checkpoint_and_resumed_equals_the_uninterrupted_run() {
    let c = config(
        ExperimentName::Dw4,
        &[
            "combinations=[\"eebm+esvgd\"]",
            "checkpoint_every=1",
            "evaluation.samples=40",
            "evaluation.chain_size=40",
        ],
    );
    let dir = std::env::temp_dir().join(format!("equistein-dw4-resume-{}", std::process::id()));
    let k = |resume, stop_after| Checkpoints {
        dir: dir.clone(),
        resume,
        stop_after,
    };
    let whole = run(ExperimentName::Dw4, &c, None).unwrap();
    let e = run(ExperimentName::Dw4, &c, Some(k(false, Some(1)))).unwrap_err();
    assert!(matches!(e, RunError::Stopped(_)), "{e}");
    let resumed = run(ExperimentName::Dw4, &c, Some(k(true, None))).unwrap();
    assert_eq!(deterministic(&resumed), deterministic(&whole));
    let r = resumed.metrics.runs.get("eebm+esvgd").unwrap();
    assert_eq!((r.training.resumes, r.training.epochs_run), (1, 2));
    // The finished run keeps its model: resumed with other evaluation settings it samples again without
    // training (same counters), and the same settings give the same samples.
    let more = config(
        ExperimentName::Dw4,
        &[
            "combinations=[\"eebm+esvgd\"]",
            "checkpoint_every=1",
            "evaluation.samples=40",
            "evaluation.chain_size=40",
            "evaluation.steps=400",
        ],
    );
    let again = run(ExperimentName::Dw4, &more, Some(k(true, None))).unwrap();
    let a = again.metrics.runs.get("eebm+esvgd").unwrap();
    assert_eq!(
        (
            a.training.epochs_run,
            a.training.minibatches,
            a.training.svgd_steps,
            a.training.resumes
        ),
        (
            r.training.epochs_run,
            r.training.minibatches,
            r.training.svgd_steps,
            2
        )
    );
    assert!(
        a.evaluation.steps > r.evaluation.steps,
        "the chains ran longer"
    );
    let same = run(ExperimentName::Dw4, &c, Some(k(true, None))).unwrap();
    assert_eq!(deterministic(&same), deterministic(&whole));
    // Another training setting is refused, naming it.
    let other = config(
        ExperimentName::Dw4,
        &[
            "combinations=[\"eebm+esvgd\"]",
            "checkpoint_every=1",
            "learning_rate=0.02",
        ],
    );
    let e = run(ExperimentName::Dw4, &other, Some(k(true, None))).unwrap_err();
    assert!(e.to_string().contains("learning_rate"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_combination_run_alone_gives_its_row_of_the_full_run() {
    let c = config(
        ExperimentName::Dw4,
        &["evaluation.samples=40", "evaluation.chain_size=40"],
    );
    let alone = config(
        ExperimentName::Dw4,
        &[
            "evaluation.samples=40",
            "evaluation.chain_size=40",
            "combinations=[\"eebm+svgd\"]",
        ],
    );
    let full = deterministic(&run(ExperimentName::Dw4, &c, None).unwrap());
    let one = deterministic(&run(ExperimentName::Dw4, &alone, None).unwrap());
    assert_eq!(one["runs"]["eebm+svgd"], full["runs"]["eebm+svgd"]);
}

#[test]
fn boltzmann_is_judged_against_the_test_split_and_kohler_samples_at_each_bandwidth() {
    let c = config(
        ExperimentName::Dw4Boltzmann,
        &[
            "combinations=[\"ebm+svgd\"]",
            "evaluation.samples=40",
            "evaluation.chain_size=40",
        ],
    );
    let o = run(ExperimentName::Dw4Boltzmann, &c, None).unwrap();
    let r = &o.metrics.reference;
    assert!(
        r.reference_file.contains("test_split"),
        "{}",
        r.reference_file
    );
    assert_eq!(r.statistics.samples, 500);
    // Boltzmann weights: states 1 and 2 hold most of the mass, state 5 almost none.
    let s = r.statistics.state_shares;
    assert!(s[0] + s[1] > 0.75 && s[4] < 0.03, "{s:?}");

    let c = config(
        ExperimentName::Dw4Kohler,
        &["evaluation.samples=40", "evaluation.chain_size=40"],
    );
    let o = run(ExperimentName::Dw4Kohler, &c, None).unwrap();
    assert_eq!(
        o.metrics.runs.names(),
        ["eebm+esvgd h=2", "eebm+esvgd h=0.0001"]
    );
    // Köhler's chain is all state 4 (row 0, the square saddle, is unassigned).
    let s = o.metrics.reference.statistics.state_counts;
    assert_eq!(s[..3], [0, 0, 0]);
    assert_eq!(s[4], 0);
}

#[test]
fn a_missing_data_folder_is_named() {
    let mut c = config(ExperimentName::Dw4, &[]);
    c.data_dir = "/no/such/dw4".into();
    let e = run(ExperimentName::Dw4, &c, None).unwrap_err().to_string();
    assert!(e.contains("/no/such/dw4") && e.contains("data_dir"), "{e}");
}

#[test]
fn the_pair_distance_model_trains_and_samples() {
    let c = config(
        ExperimentName::Dw4,
        &[
            "invariant=\"pair-distances\"",
            "combinations=[\"eebm+svgd\", \"eebm+esvgd\"]",
            "evaluation.samples=40",
            "evaluation.chain_size=40",
        ],
    );
    let o = run(ExperimentName::Dw4, &c, None).unwrap();
    assert_eq!(o.metrics.runs.names(), ["eebm+svgd", "eebm+esvgd"]);
    for (name, r) in &o.metrics.runs.0 {
        let s = &r.statistics;
        assert_eq!(s.samples + s.non_finite, 40, "{name}");
        assert!((0.0..=1.0).contains(&s.state_tv), "{name}");
        assert_eq!(
            (r.training.epochs_run, r.training.minibatches),
            (2, 6),
            "{name}"
        );
    }
    // Another model than the canonical frame's: the same seed gives other samples.
    let frame = config(
        ExperimentName::Dw4,
        &[
            "combinations=[\"eebm+svgd\", \"eebm+esvgd\"]",
            "evaluation.samples=40",
            "evaluation.chain_size=40",
        ],
    );
    let f = run(ExperimentName::Dw4, &frame, None).unwrap();
    assert_ne!(deterministic(&o), deterministic(&f));
}

/// Noisy SVGD (`noise`, the `default` preset's 1/128): the run repeats itself with the same seed, differs from
/// the noiseless one, and never meets the stopping rule (the noise keeps every step's displacement above it);
/// a negative temperature is refused naming the field.
#[test]
fn noisy_sampling_repeats_itself_and_differs_from_noiseless() {
    let sets = [
        "combinations=[\"eebm+esvgd\"]",
        "evaluation.samples=40",
        "evaluation.chain_size=40",
    ];
    let mut noisy_sets = sets.to_vec();
    noisy_sets.push("noise=0.0078125");
    let noisy = config(ExperimentName::Dw4, &noisy_sets);
    let a = run(ExperimentName::Dw4, &noisy, None).unwrap();
    let b = run(ExperimentName::Dw4, &noisy, None).unwrap();
    assert_eq!(deterministic(&a), deterministic(&b));
    let plain = run(
        ExperimentName::Dw4,
        &config(ExperimentName::Dw4, &sets),
        None,
    )
    .unwrap();
    assert_ne!(deterministic(&a), deterministic(&plain));
    let (_, r) = &a.metrics.runs.0[0];
    assert_eq!(
        r.training.svgd_steps,
        r.training.minibatches * noisy.max_steps
    );
    assert_eq!(r.statistics.samples + r.statistics.non_finite, 40);
    let mut bad = noisy_sets.to_vec();
    bad.push("noise=-1");
    let e = resolve(
        ExperimentName::Dw4,
        Preset::Quick,
        &Overrides {
            file: None,
            sets: &bad.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("noise"), "{e}");
}

/// A training step size far too large makes every negative chain of `ebm+svgd` overflow: each batch is a
/// recovery (the chain restarted, nothing trained), counted in `metrics.json`, and the run still finishes with
/// its samples and statistics.
#[test]
fn diverging_chains_are_recovered_and_counted() {
    let c = config(
        ExperimentName::Dw4,
        &["combinations=[\"ebm+svgd\"]", "step_size=1e30"],
    );
    let o = run(ExperimentName::Dw4, &c, None).unwrap();
    let m = serde_json::to_value(&o.metrics).unwrap();
    let r = &m["runs"]["ebm+svgd"];
    let batches = c.epochs * (c.train_rows / c.batch_size);
    assert_eq!(r["recoveries"], batches, "{r}");
    assert_eq!(r["minibatches"], 0, "{r}");
    assert!(r["state_tv"].as_f64().unwrap().is_finite(), "{r}");
    // The default step size never diverges.
    let o = run(
        ExperimentName::Dw4,
        &config(ExperimentName::Dw4, &["combinations=[\"ebm+svgd\"]"]),
        None,
    )
    .unwrap();
    let m = serde_json::to_value(&o.metrics).unwrap();
    assert_eq!(m["runs"]["ebm+svgd"]["recoveries"], 0);
}
