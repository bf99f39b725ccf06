//! The paper's training-set builder: layout, centring, mean and spread of the noise.

mod common;

use common::*;
use equistein::Particles;
use equistein_molecules::geometry::max_centroid_norm;
use equistein_molecules::{Assignment, Classifier, StateShares, TrainingSet, STATES};

#[test]
fn default_set_has_the_papers_layout_and_is_centred() {
    let set = TrainingSet::default();
    assert_eq!((set.copies(), set.sigma(), set.len()), (200, 0.1, 1000));
    let xs: Particles<f64> = set.build(&mut rng(1));
    assert_eq!((xs.len(), xs.dim()), (1000, 8));
    assert!(max_centroid_norm(&xs, 2) < 1e-12);
    let xs32: Particles<f32> = set.build(&mut rng(1));
    assert!(max_centroid_norm(&xs32, 2) < 1e-6);
    // Same seed, same set; σ = 0 gives the states themselves.
    assert_eq!(set.build::<f64, _>(&mut rng(1)), xs);
    let exact: Particles<f64> = TrainingSet::new(3, 0.0).unwrap().build(&mut rng(2));
    for r in 0..15 {
        assert!(max_diff(exact.particle(r), &STATES[r / 3].coordinates) < 1e-12);
    }
}

#[test]
fn noise_has_the_stated_mean_and_spread() {
    // Each coordinate gets N(0, σ²) noise, then the sample is centred, which removes the noise's mean over the
    // four particles: per coordinate the residual is N(0, (3/4) σ²). With 200 copies the per-state mean of a
    // coordinate has a standard error of 0.1·√(3/4)/√200 = 0.0061 (tolerance 0.03, about 5 standard errors);
    // the pooled standard deviation over 8,000 residuals (6,000 degrees of freedom) has a relative standard
    // error of about 1% (tolerance 5%).
    for (seed, sigma) in [(5u64, 0.1f64), (6, 0.3)] {
        let set = TrainingSet::new(200, sigma).unwrap();
        let xs: Particles<f64> = set.build(&mut rng(seed));
        let mut sum_sq = 0.0;
        for (s, state) in STATES.iter().enumerate() {
            let mut mean = [0.0; 8];
            for r in s * 200..(s + 1) * 200 {
                assert_eq!(set.state_of_row(r), s);
                for (m, v) in mean.iter_mut().zip(xs.particle(r)) {
                    *m += v / 200.0;
                }
                sum_sq += xs
                    .particle(r)
                    .iter()
                    .zip(&state.coordinates)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>();
            }
            let worst = max_diff(&mean, &state.coordinates);
            assert!(
                worst < 0.3 * sigma,
                "state {}: mean off by {worst}",
                state.number
            );
        }
        let spread = (sum_sq / 8000.0).sqrt();
        let want = sigma * 0.75f64.sqrt();
        assert!(
            (spread / want - 1.0).abs() < 0.05,
            "σ = {sigma}: spread {spread}, want {want}"
        );
    }
}

#[test]
fn every_sample_classifies_as_its_state() {
    let set = TrainingSet::default();
    let xs: Particles<f32> = set.build(&mut rng(9));
    let classes = Classifier::default().classify_batch(&xs).unwrap();
    for (r, c) in classes.iter().enumerate() {
        assert_eq!(
            c.assignment,
            Assignment::State(set.state_of_row(r)),
            "row {r}"
        );
    }
    assert_eq!(StateShares::from_classifications(&classes).counts, [200; 5]);
}

#[test]
fn invalid_settings_are_errors() {
    assert!(TrainingSet::new(0, 0.1).is_err());
    assert!(TrainingSet::new(10, -0.1).is_err());
    assert!(TrainingSet::new(10, f64::NAN).is_err());
}
