//! The experiments' cores as library functions: `--set` changes of the target keep the metrics right, runs
//! are reproducible from the seed, and the stated invariants of the metrics hold.

use equistein_cli::config::{resolve, ExperimentConfig, ExperimentName, Overrides, Preset};
use equistein_cli::experiments::robustness::run_robustness;
use equistein_cli::experiments::sample_efficiency::run_sample_efficiency;
use equistein_cli::experiments::toy::{run_toy, ToySpec};
use equistein_cli::experiments::RunContext;
use equistein_cli::metrics::OrbitStats;
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

fn ctx(progress: &Progress, seed: u64) -> RunContext<'_> {
    RunContext {
        seed,
        preset: Preset::Quick,
        progress,
        checkpoints: None,
    }
}

fn sum(v: &[f64]) -> f64 {
    v.iter().sum()
}

#[test]
fn c4_gaussians_follow_the_number_of_components() {
    let quiet = Progress::new(Mode::Silent);
    let ExperimentConfig::C4Gaussians(c) = config(
        ExperimentName::C4Gaussians,
        &[
            "target.n_components=6",
            "steps=200",
            "particles=30",
            "evaluation.truth_samples=4000",
        ],
    ) else {
        panic!()
    };
    let out = run_toy(&ToySpec::c4_gaussians(&c).unwrap(), &ctx(&quiet, 1)).unwrap();
    let names = out.metrics.runs.names();
    assert_eq!(
        names,
        vec!["svgd", "esvgd-scalar", "esvgd-scalar-code", "esvgd-matrix"]
    );
    for (name, r) in &out.metrics.runs.0 {
        assert_eq!(r.steps, 200);
        assert_eq!(r.stats.particles, 30);
        let Some(OrbitStats::Modes {
            mode_fractions,
            spread_ratio,
            ..
        }) = &r.stats.orbit
        else {
            panic!("{name}: no mode statistics")
        };
        assert_eq!(mode_fractions.len(), 6, "{name}");
        assert!((sum(mode_fractions) - 1.0).abs() < 1e-12);
        assert!(spread_ratio.radial.is_finite() && spread_ratio.tangential > 0.0);
    }
    // Exact samples of the reference have spread ratios near 1 (30 points: loose bounds).
    let Some(OrbitStats::Modes { spread_ratio, .. }) = &out.metrics.reference.exact.orbit else {
        panic!()
    };
    assert!(
        (0.5..1.6).contains(&spread_ratio.radial),
        "{spread_ratio:?}"
    );
}

#[test]
fn spheres_follow_dimension_and_radii() {
    let quiet = Progress::new(Mode::Silent);
    let ExperimentConfig::Spheres(c) = config(
        ExperimentName::Spheres,
        &[
            "target.dim=4",
            "target.radii=[3,6,9]",
            "steps=100",
            "evaluation.truth_samples=3000",
            "samplers=[\"svgd\", \"esvgd-scalar\"]",
        ],
    ) else {
        panic!()
    };
    let out = run_toy(
        &ToySpec::radial(ExperimentName::Spheres, &c).unwrap(),
        &ctx(&quiet, 2),
    )
    .unwrap();
    assert_eq!(out.initial.dim(), 4);
    assert_eq!(out.metrics.runs.names(), vec!["svgd", "esvgd-scalar"]);
    for (_, p) in &out.finals {
        assert_eq!(p.dim(), 4);
    }
    for (name, r) in &out.metrics.runs.0 {
        let Some(OrbitStats::Rings {
            ring_fractions,
            spread_ratio,
            ..
        }) = &r.stats.orbit
        else {
            panic!()
        };
        assert_eq!(ring_fractions.len(), 3, "{name}");
        assert_eq!(spread_ratio.len(), 3);
        assert!((sum(ring_fractions) - 1.0).abs() < 1e-12);
    }
    // In 4-D the outer rings hold most of the mass (∝ r³).
    let json = serde_json::to_value(&out.metrics).unwrap();
    let masses: Vec<f64> = json["reference"]["ring_masses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(masses[0] < masses[1] && masses[1] < masses[2], "{masses:?}");
    let dir = tempfile::tempdir().unwrap();
    equistein_cli::experiments::pictures::toy_pictures(&out, dir.path()).unwrap();
    assert!(
        dir.path().join("samples.png").is_file() && dir.path().join("factorized.png").is_file()
    );
}

#[test]
fn runs_are_reproducible_from_the_seed() {
    let quiet = Progress::new(Mode::Silent);
    let ExperimentConfig::Circles(c) = config(
        ExperimentName::Circles,
        &["steps=50", "evaluation.truth_samples=2000"],
    ) else {
        panic!()
    };
    let spec = ToySpec::radial(ExperimentName::Circles, &c).unwrap();
    let a = run_toy(&spec, &ctx(&quiet, 5)).unwrap();
    let b = run_toy(&spec, &ctx(&quiet, 5)).unwrap();
    let c2 = run_toy(&spec, &ctx(&quiet, 6)).unwrap();
    assert_eq!(a.finals, b.finals);
    assert_eq!(a.initial, b.initial);
    assert_ne!(a.initial, c2.initial);
    assert_eq!(a.metrics.runs.0[0].1.stats, b.metrics.runs.0[0].1.stats);
}

#[test]
fn sample_efficiency_records_curves_for_every_run() {
    let quiet = Progress::new(Mode::Silent);
    let ExperimentConfig::SampleEfficiency(c) = config(
        ExperimentName::SampleEfficiency,
        &[
            "steps=60",
            "record_every=20",
            "svgd_multipliers=[1, 3]",
            "particles=10",
        ],
    ) else {
        panic!()
    };
    let out = run_sample_efficiency(&c, &ctx(&quiet, 0)).unwrap();
    assert_eq!(
        out.metrics.runs.names(),
        vec!["svgd-n10", "svgd-n30", "esvgd-scalar-n10"]
    );
    for (name, r) in &out.metrics.runs.0 {
        let curve = r.curve.as_ref().unwrap();
        let steps: Vec<usize> = curve.iter().map(|p| p.0).collect();
        assert_eq!(steps, vec![0, 20, 40, 60], "{name}");
        assert!(curve.iter().all(|p| p.1.is_finite()));
        assert_eq!(curve.last().unwrap().1, r.stats.mean_log_prob);
    }
    // The reference mean log π of exact samples is near the expectation under the circles target.
    assert!((out.metrics.reference.mean_log_prob + 1.42).abs() < 0.05);
}

#[test]
fn robustness_works_on_both_targets() {
    let quiet = Progress::new(Mode::Silent);
    for target in ["circles", "c4-gaussians"] {
        let t = format!("target={target}");
        let ExperimentConfig::Robustness(c) = config(
            ExperimentName::Robustness,
            &[&t, "repeats=3", "steps=40", "evaluation.truth_samples=2000"],
        ) else {
            panic!()
        };
        let out = run_robustness(&c, &ctx(&quiet, 0)).unwrap();
        assert_eq!(out.metrics.reference.starts.len(), 3);
        for (name, r) in &out.metrics.runs.0 {
            assert_eq!(r.final_mean_log_prob.len(), 3, "{name}");
            assert!(r.q1 <= r.median && r.median <= r.q3);
            assert!(r.final_mean_log_prob.iter().all(|v| v.is_finite()));
        }
    }
}
