//! The DW-4 potential: test vectors, forces against finite differences, E(2) × S_4 invariance, batches.

mod common;

use common::*;
use equistein::{Energy, Particles};
use equistein_molecules::{read_raw_f32, DoubleWell, PairSum, STATES};
use proptest::prelude::*;

#[test]
fn shipped_rows_of_dimer_4particles() {
    // ESVGD.md §8: rows 0 and 1 of Köhler's data give −17.2629 and −19.0190.
    let path = dw4_dir().join("jaini2021/dimer_4particles.1001x8.f32le");
    let xs: Particles<f64> = read_raw_f32(&path, 8).unwrap();
    let dw4 = DoubleWell::dw4();
    let e0 = dw4.energy(xs.particle(0)).unwrap();
    let e1 = dw4.energy(xs.particle(1)).unwrap();
    assert!((e0 + 17.2629).abs() < 1e-3, "{e0}");
    assert!((e1 + 19.0190).abs() < 1e-3, "{e1}");
    // The same in f32.
    let xs32: Particles<f32> = read_raw_f32(&path, 8).unwrap();
    let e0_32 = dw4.energy(xs32.particle(0)).unwrap();
    assert!((e0_32 as f64 + 17.2629).abs() < 1e-3, "{e0_32}");
}

#[test]
fn energies_at_the_five_minima() {
    // ESVGD.md §5.
    let table = [-25.7922, -25.3124, -24.3524, -23.4654, -21.0665];
    let dw4 = DoubleWell::dw4();
    for (s, want) in STATES.iter().zip(table) {
        let e: f64 = dw4.energy(&s.coordinates).unwrap();
        assert!((e - want).abs() < 1e-3, "state {}: {e}", s.number);
        assert!((e - s.energy).abs() < 1e-9, "state {}: {e}", s.number);
    }
}

#[test]
fn pair_term_minima_and_the_formula() {
    let dw4 = DoubleWell::dw4();
    let r = (4.0f64 / 1.8).sqrt();
    for d in [4.0 - r, 4.0 + r] {
        assert!((dw4.pair_energy(d) + 4.0 * 4.0 / (4.0 * 0.9)).abs() < 1e-12);
        assert!(dw4.pair_derivative(d).abs() < 1e-12);
    }
    assert!((4.0 - r - 2.5093).abs() < 1e-4 && (4.0 + r - 5.4907).abs() < 1e-4);
    // Two particles at distance d (and two far away would add terms): check one explicit row by hand.
    let x = [0.0, 0.0, 3.0, 0.0, 0.0, 4.0, 3.0, 4.0];
    let phi = |d: f64| 0.9 * (d - 4.0f64).powi(4) - 4.0 * (d - 4.0f64).powi(2);
    let want = 2.0 * phi(3.0) + 2.0 * phi(4.0) + 2.0 * phi(5.0);
    let e: f64 = dw4.energy(&x).unwrap();
    assert!((e - want).abs() < 1e-12, "{e} {want}");
}

#[test]
fn temperature_and_ordered_pairs_scale_the_energy() {
    let x = STATES[2].coordinates;
    let base: f64 = DoubleWell::dw4().energy(&x).unwrap();
    let hot = DoubleWell::dw4().with_temperature(2.5).unwrap();
    let ordered = DoubleWell::dw4().with_pairs(PairSum::Ordered);
    assert!((hot.energy(&x).unwrap() - base / 2.5).abs() < 1e-12);
    assert!((ordered.energy(&x).unwrap() - 2.0 * base).abs() < 1e-12);
    let mut g1 = [0.0f64; 8];
    let mut g2 = [0.0f64; 8];
    let y = [0.3, -1.0, 2.0, 0.5, -1.5, 2.2, 0.1, -3.0];
    DoubleWell::dw4().energy_grad(&y, &mut g1).unwrap();
    ordered.energy_grad(&y, &mut g2).unwrap();
    assert!(g1.iter().zip(&g2).all(|(a, b)| (2.0 * a - b).abs() < 1e-12));
    for t in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(DoubleWell::dw4().with_temperature(t).is_err(), "{t}");
    }
    assert!(DoubleWell::new(1, 2, 0.9, -4.0, 0.0, 4.0).is_err());
    assert!(DoubleWell::new(4, 0, 0.9, -4.0, 0.0, 4.0).is_err());
    assert!(DoubleWell::new(4, 2, f64::NAN, -4.0, 0.0, 4.0).is_err());
}

#[test]
fn wrong_dimensions_are_errors() {
    let dw4 = DoubleWell::dw4();
    assert!(Energy::<f64>::energy(&dw4, &[0.0; 7]).is_err());
    let mut g = [0.0; 6];
    assert!(dw4.energy_grad(&[0.0f64; 8], &mut g).is_err());
    let xs = Particles::<f64>::zeros(6, 3);
    let mut out = [0.0; 3];
    assert!(dw4.energy_batch(&xs, &mut out).is_err());
}

#[test]
fn coincident_particles_give_a_finite_force() {
    let x = [1.0, 1.0, 1.0, 1.0, 4.0, 0.0, -2.0, 3.0];
    let mut g = [0.0; 8];
    let e: f64 = DoubleWell::dw4().energy_grad(&x, &mut g).unwrap();
    assert!(e.is_finite() && g.iter().all(|v| v.is_finite()));
}

fn finite_difference(e: &DoubleWell, x: &[f64]) -> Vec<f64> {
    let h = 1e-6;
    (0..x.len())
        .map(|i| {
            let (mut p, mut m) = (x.to_vec(), x.to_vec());
            p[i] += h;
            m[i] -= h;
            (e.energy(&p[..]).unwrap() - e.energy(&m[..]).unwrap()) / (2.0 * h)
        })
        .collect()
}

fn row() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-5.0f64..5.0, 8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn forces_match_finite_differences(x in row(), t in 0.5f64..3.0, ordered in any::<bool>()) {
        let pairs = if ordered { PairSum::Ordered } else { PairSum::Unordered };
        let e = DoubleWell::dw4().with_temperature(t).unwrap().with_pairs(pairs);
        let mut g = vec![0.0; 8];
        let v = e.energy_grad(&x[..], &mut g).unwrap();
        prop_assert!((v - e.energy(&x[..]).unwrap()).abs() <= 1e-12 * (1.0 + v.abs()));
        let fd = finite_difference(&e, &x);
        let scale = 1.0 + g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        prop_assert!(max_diff(&g, &fd) <= 1e-5 * scale, "{:?} vs {:?}", g, fd);
    }

    #[test]
    fn invariant_under_e2_times_s4(x in row(), seed in any::<u64>()) {
        let e = DoubleWell::dw4();
        let g = random_element(seed);
        let y = act(&g, &x);
        let (ex, ey) = (e.energy(&x[..]).unwrap(), e.energy(&y[..]).unwrap());
        prop_assert!((ex - ey).abs() <= 1e-9 * (1.0 + ex.abs()), "{} vs {}", ex, ey);
        // Forces are equivariant: ∇E(g·x) = dg · ∇E(x).
        let (mut gx, mut gy) = (vec![0.0; 8], vec![0.0; 8]);
        e.energy_grad(&x[..], &mut gx).unwrap();
        e.energy_grad(&y[..], &mut gy).unwrap();
        let scale = 1.0 + gx.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        prop_assert!(max_diff(&act_vector(&g, &gx), &gy) <= 1e-9 * scale);
    }

    #[test]
    fn f32_agrees_with_f64(x in row()) {
        let e = DoubleWell::dw4();
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let x64: Vec<f64> = x32.iter().map(|&v| v as f64).collect();
        let (mut g32, mut g64) = (vec![0.0f32; 8], vec![0.0f64; 8]);
        let v32 = e.energy_grad(&x32[..], &mut g32).unwrap() as f64;
        let v64 = e.energy_grad(&x64[..], &mut g64).unwrap();
        prop_assert!((v32 - v64).abs() <= 1e-4 * (1.0 + v64.abs()));
        let scale = 1.0 + g64.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let g32: Vec<f64> = g32.iter().map(|&v| v as f64).collect();
        prop_assert!(max_diff(&g32, &g64) <= 1e-4 * scale);
    }
}

#[test]
fn batches_equal_single_evaluations_serial_and_parallel() {
    let mut r = rng(3);
    for n in [17, 5000] {
        // 5000 rows take the parallel path.
        let xs =
            Particles::<f64>::from_fn(8, n, |_, _| equistein::random::uniform(&mut r, -5.0, 5.0));
        let e = DoubleWell::dw4();
        let mut es = vec![0.0; n];
        let mut es2 = vec![0.0; n];
        let mut gs = Particles::zeros(8, n);
        e.energy_batch(&xs, &mut es).unwrap();
        e.energy_grad_batch(&xs, &mut es2, &mut gs).unwrap();
        for i in 0..n {
            let mut g = [0.0; 8];
            let v = e.energy_grad(xs.particle(i), &mut g).unwrap();
            assert_eq!(v, es[i]);
            assert_eq!(v, es2[i]);
            assert_eq!(&g[..], gs.particle(i));
        }
        // And through the core's score, in f32 too.
        let xs32 = Particles::<f32>::from_fn(8, n, |i, c| xs.particle(i)[c] as f32);
        let mut s = Particles::<f32>::zeros(8, n);
        equistein::energy::scores(&e, &xs32, &mut s).unwrap();
        assert!(s.as_slice().iter().all(|v| v.is_finite()));
    }
}
