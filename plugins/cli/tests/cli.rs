//! The `equistein` binary end to end: exit codes, one-line errors, no output on bad input, configuration
//! round trips, and the content of a quick run's metrics.

use serde_json::Value;
use std::process::Output;

mod common;
use common::equistein;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

// The bad inputs (exit codes, one-line errors, nothing written) are the suite of `tests/bad_inputs.rs`.

#[test]
fn list_names_every_experiment() {
    let dir = tempfile::tempdir().unwrap();
    let o = equistein(&["list"], dir.path());
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    for e in [
        "c4-gaussians",
        "circles",
        "spheres",
        "sample-efficiency",
        "robustness",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(e)),
            "{e} missing from\n{text}"
        );
    }
}

#[test]
fn config_output_round_trips_through_config_files() {
    let dir = tempfile::tempdir().unwrap();
    for e in [
        "c4-gaussians",
        "circles",
        "spheres",
        "sample-efficiency",
        "robustness",
    ] {
        let o = equistein(
            &["config", e, "--preset", "quick", "--set", "steps=123"],
            dir.path(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let printed = String::from_utf8(o.stdout).unwrap();
        assert!(printed.contains("steps = 123"), "{printed}");
        let file = dir.path().join(format!("{e}.toml"));
        std::fs::write(&file, &printed).unwrap();
        // Read back over a different preset: the file fixes every value.
        let o = equistein(
            &[
                "config",
                e,
                "--preset",
                "paper",
                "--config",
                file.to_str().unwrap(),
            ],
            dir.path(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(String::from_utf8(o.stdout).unwrap(), printed, "{e}");
    }
}

fn num(v: &Value, what: &str) -> f64 {
    let x = v
        .as_f64()
        .unwrap_or_else(|| panic!("{what} is not a number: {v}"));
    assert!(x.is_finite(), "{what} = {x}");
    x
}

#[test]
fn a_quick_circles_run_writes_checked_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let o = equistein(
        &[
            "run", "circles", "--preset", "quick", "--seed", "3", "--out", "res",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let res = dir.path().join("res");
    let names: Vec<String> = std::fs::read_dir(&res)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["circles".to_string()],
        "no temporary folder left"
    );
    let run = res.join("circles");
    for f in [
        "metrics.json",
        "config.toml",
        "samples.png",
        "factorized.png",
    ] {
        assert!(run.join(f).is_file(), "{f}");
    }
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(m["experiment"], "circles");
    assert_eq!(m["seed"], 3);
    assert_eq!(m["preset"], "quick");
    let masses: Vec<f64> = m["reference"]["ring_masses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| num(v, "mass"))
        .collect();
    assert!((masses.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    for v in m["reference"]["true_spread"].as_array().unwrap() {
        let s = num(v, "true spread");
        assert!(
            (s - 0.5).abs() < 0.05,
            "true radial sd of each ring ≈ σ = 0.5, got {s}"
        );
    }
    let runs = m["runs"].as_object().unwrap();
    // (serde_json's map sorts the keys; the file keeps the configured order.)
    assert_eq!(
        runs.keys().map(String::as_str).collect::<Vec<_>>(),
        vec!["esvgd-scalar", "esvgd-scalar-code", "svgd"]
    );
    for (name, r) in runs {
        for key in ["mean_log_prob", "ksd", "mmd", "seconds"] {
            num(&r[key], &format!("{name}.{key}"));
        }
        assert_eq!(r["steps"], 3000);
        let fr: Vec<f64> = r["ring_fractions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| num(v, "fraction"))
            .collect();
        assert_eq!(fr.len(), 2);
        assert!(
            (fr.iter().sum::<f64>() - 1.0).abs() < 1e-9,
            "{name}: {fr:?}"
        );
        assert_eq!(r["spread_ratio"].as_array().unwrap().len(), 2);
    }
    // The toy's point: vanilla SVGD collapses onto the ring radii, the invariant kernel keeps the spread.
    for ring in 0..2 {
        let svgd = num(&runs["svgd"]["spread_ratio"][ring], "svgd spread");
        let esvgd = num(&runs["esvgd-scalar"]["spread_ratio"][ring], "esvgd spread");
        assert!(
            svgd < 0.2 && esvgd > 0.15 && esvgd > 2.0 * svgd,
            "ring {ring}: {svgd} vs {esvgd}"
        );
    }
    // The written configuration is the resolved one and runs again as a config file.
    let o = equistein(
        &[
            "config",
            "circles",
            "--config",
            run.join("config.toml").to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success());
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        std::fs::read_to_string(run.join("config.toml")).unwrap()
    );

    // A second run replaces the first atomically.
    let o = equistein(
        &[
            "run", "circles", "--preset", "quick", "--set", "steps=10", "--out", "res",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(m["runs"]["svgd"]["steps"], 10);
    assert_eq!(std::fs::read_dir(&res).unwrap().count(), 1);
}
