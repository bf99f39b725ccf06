//! Histograms: bins, out-of-range categories, total variation, the DW-4 energy and distance histograms.

mod common;

use common::*;
use equistein::Particles;
use equistein_molecules::{
    count_total_variation, dw4_energies, dw4_energy_histogram, dw4_pair_distance_histogram,
    load_dw4, Histogram, TrainingSet,
};

#[test]
fn bins_edges_and_categories() {
    let mut h = Histogram::new(0.0, 1.0, 4).unwrap();
    h.extend([
        0.0,
        0.1,
        0.25,
        0.99,
        1.0,
        -0.5,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ]);
    assert_eq!(h.counts(), &[2, 1, 0, 1]);
    assert_eq!((h.below(), h.above(), h.nan(), h.total()), (2, 2, 1, 9));
    assert_eq!(h.edges(), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    let f = h.fractions();
    assert_eq!(f.len(), 7);
    assert!((f.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    let d = h.densities();
    assert!((d[0] - 2.0 / 9.0 / 0.25).abs() < 1e-12);
    assert!(Histogram::new(1.0, 1.0, 3).is_err());
    assert!(Histogram::new(0.0, f64::INFINITY, 3).is_err());
    assert!(Histogram::new(0.0, 1.0, 0).is_err());
}

#[test]
fn documented_dw4_bins() {
    let e = Histogram::dw4_energy();
    assert_eq!(
        (e.lo(), e.hi(), e.counts().len(), e.width()),
        (-26.0, -10.0, 64, 0.25)
    );
    let d = Histogram::dw4_pair_distance();
    assert_eq!((d.lo(), d.hi(), d.counts().len()), (0.0, 8.0, 80));
    assert!((d.width() - 0.1).abs() < 1e-15);
}

#[test]
fn total_variation_properties() {
    let mut a = Histogram::new(0.0, 4.0, 4).unwrap();
    let mut b = a.clone();
    let mut c = a.clone();
    a.extend([0.5, 1.5, 2.5, 3.5]);
    b.extend([0.5, 0.5, 1.5, 1.5]);
    c.extend([10.0, 11.0]);
    assert_eq!(a.total_variation(&a).unwrap(), 0.0);
    assert!((a.total_variation(&b).unwrap() - 0.5).abs() < 1e-12);
    assert_eq!(
        a.total_variation(&b).unwrap(),
        b.total_variation(&a).unwrap()
    );
    // Mass outside the range counts: all above against all inside is the maximum.
    assert_eq!(a.total_variation(&c).unwrap(), 1.0);
    assert_eq!(c.total_variation(&c).unwrap(), 0.0);
    let other = Histogram::new(0.0, 4.0, 8).unwrap();
    assert!(a.total_variation(&other).is_err());
    let empty = Histogram::new(0.0, 4.0, 4).unwrap();
    assert!(a.total_variation(&empty).is_err());
}

#[test]
fn disjoint_sets_are_at_distance_exactly_one() {
    // Shares like 1/3 and 1/7 spread over many bins: summed as rounded floats, ½ Σ |p − q| came out as
    // 1.0000000000000002 for a DW-4 run; the integer form never leaves [0, 1].
    let mut worst: f64 = 0.0;
    for (n, m) in [
        (3, 7),
        (7, 3),
        (999, 1_000),
        (2_000, 10_000),
        (1_337, 4_001),
    ] {
        let mut a = Histogram::new(0.0, 64.0, 64).unwrap();
        let mut b = a.clone();
        a.extend((0..n).map(|i| (i % 31) as f64 + 0.5));
        b.extend((0..m).map(|i| 32.0 + (i % 29) as f64 + 0.5));
        let tv = a.total_variation(&b).unwrap();
        assert_eq!(tv, 1.0, "{n} against {m}");
        worst = worst.max(tv);
    }
    assert!(worst <= 1.0);
    assert_eq!(count_total_variation(&[1, 2, 3], &[3, 2, 1]), 1.0 / 3.0);
    assert_eq!(count_total_variation(&[0, 0], &[1, 2]), 0.0);
}

#[test]
fn dw4_histograms_of_data() {
    // The paper's set against fixed_DW4 (the authors' data): both five-state sets of 1,000, so their
    // histograms are close but not equal; a set against itself is at distance 0.
    let train: Particles<f64> = TrainingSet::default().build(&mut rng(4));
    let fixed: Particles<f64> = load_dw4(dw4_dir().join("jaini2021/fixed_DW4.npy")).unwrap();
    let (ht, hf) = (
        dw4_energy_histogram(&train).unwrap(),
        dw4_energy_histogram(&fixed).unwrap(),
    );
    assert_eq!(ht.total(), 1000);
    assert_eq!(ht.total_variation(&ht).unwrap(), 0.0);
    let tv = ht.total_variation(&hf).unwrap();
    assert!(tv > 0.0 && tv < 1.0, "{tv}");
    let (dt, df) = (
        dw4_pair_distance_histogram(&train).unwrap(),
        dw4_pair_distance_histogram(&fixed).unwrap(),
    );
    assert_eq!(dt.total(), 6000);
    let tvd = dt.total_variation(&df).unwrap();
    assert!(tvd > 0.0 && tvd < 1.0, "{tvd}");
    // fixed_DW4's energies as documented in the data README: mean −23.314, min −25.727, max −19.005.
    let e = dw4_energies(&fixed).unwrap();
    let mean = e.iter().sum::<f64>() / e.len() as f64;
    assert!((mean + 23.314).abs() < 1e-3, "{mean}");
    let (lo, hi) = e
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
    assert!(
        (lo + 25.727).abs() < 1e-3 && (hi + 19.005).abs() < 1e-3,
        "{lo} {hi}"
    );
    assert_eq!(hf.below() + hf.above() + hf.nan(), 0);
    // The two distance peaks are near the pair minima, 2.51 and 5.49.
    let peak = |lo: usize, hi: usize| {
        (lo..hi).max_by_key(|&i| df.counts()[i]).unwrap() as f64 * 0.1 + 0.05
    };
    assert!((peak(0, 40) - 2.5).abs() < 0.3 && (peak(40, 80) - 5.4).abs() < 0.3);
    assert!(dw4_pair_distance_histogram(&Particles::<f64>::zeros(6, 2)).is_err());
}
