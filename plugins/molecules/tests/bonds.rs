//! Bond estimation on real QM9 geometries (the dataset's graph from the header SMILES, per estimator), on
//! broken geometries (no panic, a graph that is not valid), and its invariance under rigid motions and atom
//! permutations.

mod common;

use common::qm9_dir;
use equistein_molecules::bonds::ours::{estimate_with, OursSettings, Outcome};
use equistein_molecules::{Element, Estimator, MolGraph, Molecule, XyzReader, XyzRecord};
use proptest::prelude::*;

/// Per estimator (ours, paper, paper-released): how many records give their header SMILES's graph.
fn counts(name: &str) -> (usize, [usize; 3], Vec<String>) {
    let mut n = 0;
    let mut hits = [0; 3];
    let mut misses = Vec::new();
    for r in XyzReader::open(qm9_dir().join(name)).unwrap() {
        let r = r.unwrap();
        n += 1;
        let reference = MolGraph::from_smiles(r.property("smiles").unwrap()).unwrap();
        for (k, est) in Estimator::ALL.into_iter().enumerate() {
            let g = est.estimate(&r.molecule);
            let ok = g.valid() && g.same_molecule(&reference);
            hits[k] += usize::from(ok);
            if !ok && est == Estimator::Ours {
                misses.push(format!(
                    "gdb={} {}",
                    r.property("gdb").unwrap(),
                    g.to_smiles()
                ));
            }
        }
    }
    println!(
        "{name}: {n} molecules; ours {}, paper {}, paper-released {}",
        hits[0], hits[1], hits[2]
    );
    (n, hits, misses)
}

#[test]
fn c5h8o_all_48_by_ours_and_the_measured_counts_of_the_paper_rules() {
    let (n, hits, misses) = counts("qm9_C5H8O.xyz");
    assert_eq!(n, 48);
    assert_eq!(hits[0], 48, "ours misses {misses:?}");
    // Measured: the appendix rule gets all 48 equilibrium geometries too; the released variant 45.
    assert_eq!(hits[1], 48);
    assert_eq!(hits[2], 45);
}

#[test]
fn c7h10o2_at_least_99_percent_by_ours() {
    let (n, hits, misses) = counts("qm9_C7H10O2.xyz.gz");
    assert_eq!(n, 6094);
    assert!(
        hits[0] * 100 >= 99 * n,
        "ours {} of {n}: {misses:?}",
        hits[0]
    );
    // Measured: 6,094 / 6,094 / 5,608.
    assert_eq!(hits, [6094, 6094, 5608]);
}

#[test]
fn heavy_le7_at_least_98_percent_by_ours() {
    let (n, hits, misses) = counts("qm9_heavy_le7.xyz.gz");
    assert_eq!(n, 3921);
    assert!(
        hits[0] * 100 >= 98 * n,
        "ours {} of {n}: {misses:?}",
        hits[0]
    );
    // Measured: 3,921 / 3,883 / 3,780.
    assert_eq!(hits, [3921, 3883, 3780]);
}

fn record(name: &str, gdb: &str) -> XyzRecord {
    XyzReader::open(qm9_dir().join(name))
        .unwrap()
        .map(|r| r.unwrap())
        .find(|r| r.property("gdb") == Some(gdb))
        .unwrap()
}

#[test]
fn bicyclic_cages_keep_their_bridgeheads_unbonded() {
    // The five C5H8O cages RDKit's perception gets wrong: the bridgehead pair sits within the 1.3 × radii
    // cut-off (1.98 Å for C–C) but is not bonded in the dataset's graph, and ours leaves it unbonded.
    for gdb in ["317", "319", "650", "652", "653"] {
        let r = record("qm9_C5H8O.xyz", gdb);
        let m = &r.molecule;
        let g = Estimator::Ours.estimate(m);
        assert!(
            g.same_molecule(&MolGraph::from_smiles(r.property("smiles").unwrap()).unwrap()),
            "gdb {gdb}"
        );
        let heavy: Vec<usize> = (0..m.len())
            .filter(|&i| m.elements[i] != Element::H)
            .collect();
        let close_unbonded = heavy
            .iter()
            .flat_map(|&a| heavy.iter().map(move |&b| (a, b)))
            .filter(|&(a, b)| a < b && g.bond_order(a, b) == 0)
            .map(|(a, b)| m.distance(a, b))
            .fold(f64::INFINITY, f64::min);
        assert!(
            (1.75..1.98).contains(&close_unbonded),
            "gdb {gdb}: {close_unbonded}"
        );
    }
}

#[test]
fn zwitterions_get_formal_charges() {
    let mut seen = 0;
    for r in XyzReader::open(qm9_dir().join("qm9_heavy_le7.xyz.gz")).unwrap() {
        let r = r.unwrap();
        let smiles = r.property("smiles").unwrap();
        if !smiles.contains('[') {
            continue;
        }
        seen += 1;
        let (g, outcome) = estimate_with(&r.molecule, &OursSettings::default());
        assert_eq!(outcome, Outcome::Charged, "{smiles}");
        assert!(
            g.valid() && g.same_molecule(&MolGraph::from_smiles(smiles).unwrap()),
            "{smiles}: {}",
            g.to_smiles()
        );
        assert_eq!(g.charges.iter().filter(|&&q| q != 0).count(), 2);
    }
    assert_eq!(seen, 5);
}

#[test]
fn the_appendix_margin_and_the_released_variant_differ_where_documented() {
    // A released-variant miss that the appendix rule gets right, in C5H8O.
    let mut differ = 0;
    for r in XyzReader::open(qm9_dir().join("qm9_C5H8O.xyz")).unwrap() {
        let r = r.unwrap();
        let a = Estimator::Paper.estimate(&r.molecule);
        let b = Estimator::PaperReleased.estimate(&r.molecule);
        // Both spend every valence on these geometries.
        assert!(a.valid() && b.valid());
        differ += usize::from(!a.same_molecule(&b));
    }
    assert_eq!(differ, 3);
}

#[test]
fn degenerate_inputs_give_a_graph_and_no_panic() {
    for est in Estimator::ALL {
        let empty = Molecule::new(vec![], vec![]).unwrap();
        let g = est.estimate(&empty);
        assert!(g.is_empty() && !g.valid());
        // A lone carbon, two hydrogens on one point, a molecule of only hydrogens.
        let c = Molecule::new(vec![Element::C], vec![[0.0; 3]]).unwrap();
        assert!(!est.estimate(&c).valid());
        let hh = Molecule::new(vec![Element::H, Element::H], vec![[0.0; 3]; 2]).unwrap();
        let g = est.estimate(&hh);
        assert_eq!(g.len(), 2);
        let h2 = Molecule::new(
            vec![Element::H, Element::H],
            vec![[0.0; 3], [0.74, 0.0, 0.0]],
        )
        .unwrap();
        let g = est.estimate(&h2);
        assert_eq!(g.len(), 2);
    }
    // Ours bonds H2; the paper rules bond hydrogens only to heavy atoms.
    let h2 = Molecule::new(
        vec![Element::H, Element::H],
        vec![[0.0; 3], [0.74, 0.0, 0.0]],
    )
    .unwrap();
    assert!(Estimator::Ours.estimate(&h2).valid());
}

#[test]
fn a_scrambled_c5h8o_is_a_best_effort_graph_that_is_not_valid() {
    let r = record("qm9_C5H8O.xyz", "222");
    // All atoms squeezed into a small ball: too many candidates, no valence-spending assignment.
    let mut m = r.molecule.clone();
    for p in &mut m.positions {
        for v in p.iter_mut() {
            *v *= 0.35;
        }
    }
    let (g, outcome) = estimate_with(&m, &OursSettings::default());
    assert_eq!(g.len(), 14);
    assert!(!g.valid());
    assert_eq!(outcome, Outcome::BestEffort);
    assert!(g.stable_atoms() < 14);
    // Spread far apart: nothing is bonded.
    let mut far = r.molecule.clone();
    for p in &mut far.positions {
        for v in p.iter_mut() {
            *v *= 3.0;
        }
    }
    let g = Estimator::Ours.estimate(&far);
    assert!(g.bonds.is_empty() && !g.valid());
}

/// A random proper or improper rotation from a normalised 4-vector and a sign.
fn rotation(q: [f64; 4], reflect: bool) -> [[f64; 3]; 3] {
    let n = q.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-9);
    let [w, x, y, z] = q.map(|v| v / n);
    let s = if reflect { -1.0 } else { 1.0 };
    [
        [
            1.0 - 2.0 * (y * y + z * z),
            2.0 * (x * y - w * z),
            2.0 * (x * z + w * y),
        ],
        [
            2.0 * (x * y + w * z),
            1.0 - 2.0 * (x * x + z * z),
            2.0 * (y * z - w * x),
        ],
        [
            s * 2.0 * (x * z - w * y),
            s * 2.0 * (y * z + w * x),
            s * (1.0 - 2.0 * (x * x + y * y)),
        ],
    ]
}

fn c5h8o() -> Vec<XyzRecord> {
    equistein_molecules::read_xyz(qm9_dir().join("qm9_C5H8O.xyz")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn ours_is_invariant_under_rotation_reflection_translation_and_permutation(
        index in 0usize..48,
        q in prop::array::uniform4(-1.0f64..1.0),
        reflect in any::<bool>(),
        shift in prop::array::uniform3(-50.0f64..50.0),
        perm in Just((0..14).collect::<Vec<usize>>()).prop_shuffle(),
    ) {
        let m = &c5h8o()[index].molecule;
        let r = rotation(q, reflect);
        let moved: Vec<[f64; 3]> = m
            .positions
            .iter()
            .map(|p| {
                let mut o = shift;
                for (i, row) in r.iter().enumerate() {
                    o[i] += row[0] * p[0] + row[1] * p[1] + row[2] * p[2];
                }
                o
            })
            .collect();
        let moved = Molecule::new(m.elements.clone(), moved).unwrap().permuted(&perm);
        let g = Estimator::Ours.estimate(m);
        let h = Estimator::Ours.estimate(&moved);
        prop_assert!(h.valid());
        // The same bonds, atom for atom: bond (a, b) of h is bond (perm[a], perm[b]) of g.
        let mut mapped: Vec<(usize, usize, u8)> = h
            .bonds
            .iter()
            .map(|x| (perm[x.a].min(perm[x.b]), perm[x.a].max(perm[x.b]), x.order))
            .collect();
        mapped.sort();
        let mut own: Vec<(usize, usize, u8)> = g.bonds.iter().map(|x| (x.a, x.b, x.order)).collect();
        own.sort();
        // Equal bond for bond unless a resonance tie picks another Kekulé form; equal as molecules always.
        prop_assert!(mapped == own || h.same_molecule(&g));
        prop_assert!(h.same_molecule(&g));
    }

    #[test]
    fn the_paper_rules_give_the_same_molecule_after_a_rotation_about_the_origin_and_a_permutation(
        index in 0usize..48,
        q in prop::array::uniform4(-1.0f64..1.0),
        perm in Just((0..14).collect::<Vec<usize>>()).prop_shuffle(),
    ) {
        // The rule starts from the atom closest to the origin, so only motions that fix the origin are
        // symmetries of it.
        let m = &c5h8o()[index].molecule;
        let r = rotation(q, false);
        let moved: Vec<[f64; 3]> = m
            .positions
            .iter()
            .map(|p| std::array::from_fn(|i| r[i][0] * p[0] + r[i][1] * p[1] + r[i][2] * p[2]))
            .collect();
        let moved = Molecule::new(m.elements.clone(), moved).unwrap().permuted(&perm);
        for est in [Estimator::Paper, Estimator::PaperReleased] {
            prop_assert!(est.estimate(&moved).same_molecule(&est.estimate(m)));
        }
    }

    #[test]
    fn a_best_effort_graph_is_never_valid(
        atoms in prop::collection::vec(prop::array::uniform3(0.0f64..2.5), 14),
    ) {
        use Element::*;
        let m = Molecule::new(vec![C, C, C, C, C, O, H, H, H, H, H, H, H, H], atoms).unwrap();
        let (g, outcome) = estimate_with(&m, &OursSettings::default());
        prop_assert!(outcome != Outcome::BestEffort || !g.valid());
    }

    #[test]
    fn small_noise_keeps_the_molecule(
        index in 0usize..48,
        noise in prop::collection::vec(prop::array::uniform3(-0.04f64..0.04), 14),
    ) {
        let r = &c5h8o()[index];
        let mut m = r.molecule.clone();
        for (p, n) in m.positions.iter_mut().zip(&noise) {
            for k in 0..3 {
                p[k] += n[k];
            }
        }
        let g = Estimator::Ours.estimate(&m);
        prop_assert!(g.valid() && g.same_molecule(&MolGraph::from_smiles(r.property("smiles").unwrap()).unwrap()));
    }

    #[test]
    fn random_geometries_never_panic_and_keep_the_atoms(
        atoms in prop::collection::vec(
            (prop::sample::select(Element::ALL.to_vec()), prop::array::uniform3(-2.5f64..2.5)),
            0..16,
        ),
    ) {
        let m = Molecule::new(atoms.iter().map(|a| a.0).collect(), atoms.iter().map(|a| a.1).collect()).unwrap();
        for est in Estimator::ALL {
            let g = est.estimate(&m);
            prop_assert_eq!(g.len(), m.len());
            prop_assert!(g.bonds.iter().all(|b| b.a < b.b && b.b < m.len() && b.order >= 1));
            let _ = g.to_smiles();
            if g.valid() {
                prop_assert!(MolGraph::from_smiles(&g.to_smiles()).unwrap().same_molecule(&g));
            }
        }
    }
}
