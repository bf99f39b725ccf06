//! The five meta-stable states: against ESVGD.md §5, as minima, and reproduced from hand-picked shapes.

mod common;

use common::*;
use equistein::Energy;
use equistein_molecules::geometry::{center_row, sorted_pair_distances};
use equistein_molecules::{DoubleWell, Quench, STATES};

/// ESVGD.md §5: energy and sorted pair distances of states 1–5.
const TABLE: [(f64, [f64; 6]); 5] = [
    (-25.7922, [2.699, 2.699, 5.278, 5.421, 5.526, 5.526]),
    (-25.3124, [2.477, 2.664, 2.664, 2.849, 5.353, 5.353]),
    (-24.3524, [2.412, 2.412, 5.162, 5.162, 5.698, 5.698]),
    (-23.4654, [2.385, 2.707, 2.707, 2.707, 2.707, 4.859]),
    (-21.0665, [3.053, 3.053, 3.053, 5.288, 5.288, 5.288]),
];

#[test]
fn states_match_the_reference_table() {
    let dw4 = DoubleWell::dw4();
    for (i, (s, (e, d))) in STATES.iter().zip(TABLE).enumerate() {
        assert_eq!(s.number as usize, i + 1);
        let energy: f64 = dw4.energy(&s.coordinates).unwrap();
        assert!(
            (energy - e).abs() < 1e-3,
            "state {}: {energy} vs {e}",
            s.number
        );
        let sd = sorted_pair_distances(&s.coordinates, 2);
        assert!(max_diff(&sd, &d) < 1e-3, "state {}: {sd:?}", s.number);
        // The stored fingerprint is that of the stored coordinates.
        assert!(
            max_diff(&sd, &s.sorted_distances) < 1e-9,
            "state {}",
            s.number
        );
        assert!((energy - s.energy).abs() < 1e-9);
    }
    // Lowest energy first.
    assert!(STATES.windows(2).all(|w| w[0].energy < w[1].energy));
}

#[test]
fn states_are_centred_local_minima() {
    let dw4 = DoubleWell::dw4();
    for s in &STATES {
        let mut c = s.coordinates;
        center_row(&mut c, 2);
        assert!(
            max_diff(&c, &s.coordinates) < 1e-11,
            "state {} is not centred",
            s.number
        );
        let mut g = [0.0; 8];
        dw4.energy_grad(&s.coordinates, &mut g).unwrap();
        assert!(
            g.iter().all(|v| v.abs() < 1e-9),
            "state {}: gradient {g:?}",
            s.number
        );
        // A minimum, not a saddle: the Hessian (central differences of the exact gradient) has no negative
        // eigenvalue. Checked through random directions v: vᵀHv ≥ 0.
        let h = 1e-5;
        let mut r = rng(s.number as u64);
        for _ in 0..200 {
            let mut v = [0.0; 8];
            equistein::random::unit_vector(&mut r, &mut v);
            let (mut p, mut m) = (s.coordinates, s.coordinates);
            for k in 0..8 {
                p[k] += h * v[k];
                m[k] -= h * v[k];
            }
            let (mut gp, mut gm) = ([0.0; 8], [0.0; 8]);
            dw4.energy_grad(&p, &mut gp).unwrap();
            dw4.energy_grad(&m, &mut gm).unwrap();
            let curvature: f64 = (0..8).map(|k| v[k] * (gp[k] - gm[k]) / (2.0 * h)).sum();
            assert!(
                curvature > -1e-6,
                "state {}: curvature {curvature}",
                s.number
            );
        }
    }
}

#[test]
fn states_are_the_minima_of_hand_picked_shapes() {
    // How the constants were made: one mirror-symmetric start per state, quenched to a gradient of 1e-13.
    let h = 3f64.sqrt();
    let starts: [[f64; 8]; 5] = [
        // a wide angle at (0, 0) with a fourth particle beyond it
        [-2.6, -0.6, 2.6, -0.6, 0.0, 0.0, 0.0, -5.4],
        // an isosceles triangle with a particle on its axis beyond the apex
        [-1.24, 0.0, 1.24, 0.0, 0.0, 2.35, 0.0, 5.2],
        // a rectangle 2.4 × 5.2
        [-1.2, -2.6, 1.2, -2.6, 1.2, 2.6, -1.2, 2.6],
        // a rhombus with diagonals 2.4 and 4.8
        [-1.2, 0.0, 1.2, 0.0, 0.0, 2.4, 0.0, -2.4],
        // an equilateral triangle with a central particle
        [0.0, 3.0, -1.5 * h, -1.5, 1.5 * h, -1.5, 0.0, 0.0],
    ];
    let quench = Quench::new(DoubleWell::dw4(), 0.01, 100_000)
        .unwrap()
        .with_gradient_tolerance(1e-13)
        .unwrap()
        .with_max_displacement(Some(0.1))
        .unwrap();
    for (s, start) in STATES.iter().zip(starts) {
        let mut x = start;
        center_row(&mut x, 2);
        let report = quench.run(&mut x).unwrap();
        assert!(report.converged, "state {}: {report:?}", s.number);
        center_row(&mut x, 2);
        assert!(
            max_diff(&x, &s.coordinates) < 1e-9,
            "state {}: {x:?}",
            s.number
        );
    }
}

#[test]
fn fingerprints_are_well_separated() {
    // The classifier's default tolerance (0.1) must be far below half the smallest separation.
    let mut smallest = f64::INFINITY;
    for (i, a) in STATES.iter().enumerate() {
        for b in &STATES[i + 1..] {
            let d = a
                .sorted_distances
                .iter()
                .zip(&b.sorted_distances)
                .map(|(x, y)| (x - y) * (x - y))
                .sum::<f64>()
                .sqrt();
            smallest = smallest.min(d);
        }
    }
    assert!(smallest > 0.5, "{smallest}");
}
