//! Molecular graphs: SMILES reading (purr) of every shipped reference SMILES, SMILES writing read back into the
//! same graph, isomer identity up to the Kekulé form, validity, atom-type features and the canonical atom order.

mod common;

use common::qm9_dir;
use equistein_molecules::{Element, MolGraph, MoleculesError, XyzReader, FEATURE_LEN};
use proptest::prelude::*;

fn index_smiles() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(qm9_dir().join("qm9_C5H8O_index.tsv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect()
}

#[test]
fn the_48_index_smiles_are_48_distinct_valid_c5h8o_graphs() {
    let rows = index_smiles();
    assert_eq!(rows.len(), 48);
    let graphs: Vec<MolGraph> = rows
        .iter()
        .map(|r| MolGraph::from_smiles(&r.2).unwrap())
        .collect();
    for (g, r) in graphs.iter().zip(&rows) {
        assert_eq!(g.formula(), "C5H8O", "{}", r.2);
        assert!(g.valid(), "{}", r.2);
    }
    for i in 0..48 {
        for j in 0..i {
            assert!(
                !graphs[i].same_molecule(&graphs[j]),
                "{} = {}",
                rows[i].2,
                rows[j].2
            );
        }
    }
    // RDKit's canonical SMILES (the fourth column) is the same molecule.
    let text = std::fs::read_to_string(qm9_dir().join("qm9_C5H8O_index.tsv")).unwrap();
    for (l, g) in text.lines().skip(1).zip(&graphs) {
        let canonical = l.split('\t').nth(3).unwrap();
        assert!(
            MolGraph::from_smiles(canonical).unwrap().same_molecule(g),
            "{canonical}"
        );
    }
}

#[test]
fn every_header_smiles_of_the_big_files_reads_and_writes_back_to_the_same_graph() {
    let mut n = 0;
    for name in ["qm9_C7H10O2.xyz.gz", "qm9_heavy_le7.xyz.gz"] {
        for r in XyzReader::open(qm9_dir().join(name)).unwrap() {
            let r = r.unwrap();
            let smiles = r.property("smiles").unwrap();
            let g = MolGraph::from_smiles(smiles).unwrap();
            assert!(g.valid(), "{smiles}");
            assert_eq!(g.formula(), r.molecule.formula(), "{smiles}");
            let written = g.to_smiles();
            let back = MolGraph::from_smiles(&written).unwrap();
            assert!(back.same_molecule(&g), "{smiles} -> {written}");
            n += 1;
        }
    }
    assert_eq!(n, 6094 + 3921);
}

#[test]
fn ring_closures_triple_bonds_and_charges() {
    let g = MolGraph::from_smiles("C1CC11COC1").unwrap(); // spiro
    assert_eq!(g.formula(), "C5H8O");
    let g = MolGraph::from_smiles("CC#CC(C)O").unwrap();
    assert_eq!(g.bonds.iter().filter(|b| b.order == 3).count(), 1);
    let g = MolGraph::from_smiles("NC(=[NH2+])C([O-])=O").unwrap();
    assert_eq!(g.charges.iter().copied().sum::<i8>(), 0);
    assert!(g.valid());
    assert_eq!(g.to_smiles(), "NC(=[NH2+])C([O-])=O");
    // Two-digit ring closures are written with %.
    let cage = MolGraph::from_smiles("C12C3C4C1C5C2C3C45").unwrap(); // cubane
    assert!(cage.valid());
    assert!(MolGraph::from_smiles(&cage.to_smiles())
        .unwrap()
        .same_molecule(&cage));
}

#[test]
fn kekule_forms_and_charge_resonance_are_one_molecule_but_isomers_are_not() {
    let s = |x: &str| MolGraph::from_smiles(x).unwrap();
    assert!(s("c1ccccc1O").same_molecule(&s("OC1=CC=CC=C1")));
    assert!(s("C1=CC=CC=C1O").same_molecule(&s("OC1C=CC=CC=1")));
    assert!(s("Cc1ccoc1").same_molecule(&s("CC1=COC=C1")));
    assert!(s("CNC(=[NH2+])C([O-])=O").same_molecule(&s("C[NH+]=C(N)C([O-])=O")));
    assert!(s("[O-][N+](=O)C").same_molecule(&s("O=[N+]([O-])C")));
    assert!(!s("CC(C)(O)C#C").same_molecule(&s("CC#CC(C)O")));
    assert!(!s("C=CC=CCO").same_molecule(&s("C=CCC=CO")));
    // One methylcyclohexadiene written from two ends; the 1,3- and 1,4-dienes differ (their double bonds
    // cannot move as benzene's do).
    assert!(s("C1=CC=CCC1C").same_molecule(&s("C1=CCC(C)C=C1")));
    assert!(!s("C1=CC=CCC1").same_molecule(&s("C1=CCC=CC1")));
    // Neutral and zwitterionic forms are different graphs.
    assert!(!s("NCCC(O)=O").same_molecule(&s("[NH3+]CCC([O-])=O")));
}

#[test]
fn validity_needs_spent_valences_zero_charge_and_one_piece() {
    let s = |x: &str| MolGraph::from_smiles(x).unwrap();
    assert!(s("CCO").valid());
    assert!(!s("C.O").valid()); // two pieces, each spent
    assert!(s("[CH3]CO").valid()); // brackets with the right hydrogen count
    assert!(!s("[CH2]CO").valid()); // a radical
    assert!(!s("[NH5]").valid()); // readable, but N with five bonds
    assert!(!s("C[NH3+]").valid()); // net charge
    let mut g = s("CCO");
    g.bonds.pop();
    assert!(!g.valid());
    assert_eq!(g.stable_atoms(), g.len() - 2);
    assert!(!MolGraph::new(vec![]).valid());
}

#[test]
fn bad_smiles_are_errors_not_panics() {
    for bad in [
        "", "C1CC", "X", "C(", "[Cl-]", "CCl", "*", "c1cccc1", "C%", "C)C", "[C@@H](",
    ] {
        match MolGraph::from_smiles(bad) {
            Err(MoleculesError::Smiles { smiles, .. }) => assert_eq!(smiles, bad),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}

#[test]
fn writer_brackets_atoms_whose_hydrogens_the_organic_subset_cannot_say() {
    let mut g = MolGraph::new(vec![Element::C, Element::H, Element::H]);
    g.add_bond(0, 1, 1).unwrap();
    g.add_bond(0, 2, 1).unwrap();
    assert_eq!(g.to_smiles(), "[CH2]");
    let mut g = MolGraph::new(vec![Element::H, Element::H, Element::O]);
    g.add_bond(0, 1, 1).unwrap();
    assert_eq!(g.to_smiles(), "[H][H].[O]");
    assert!(MolGraph::from_smiles("[H][H].[O]")
        .unwrap()
        .same_molecule(&g));
    assert!(g.add_bond(0, 0, 1).is_err());
    assert!(g.add_bond(0, 7, 1).is_err());
}

#[test]
fn features_are_one_hot_times_powers_of_z_over_9() {
    for e in Element::ALL {
        let f = e.features();
        assert_eq!(f.len(), FEATURE_LEN);
        let z = f64::from(e.z()) / 9.0;
        for k in 0..3usize {
            for (i, o) in Element::ALL.iter().enumerate() {
                let want = if *o == e { z.powi(k as i32) } else { 0.0 };
                assert!((f[5 * k + i] - want).abs() < 1e-15);
            }
        }
    }
}

#[test]
fn canonical_order_gives_every_c5h8o_one_type_list() {
    let records = equistein_molecules::read_xyz(qm9_dir().join("qm9_C5H8O.xyz")).unwrap();
    let lists: Vec<Vec<Element>> = records
        .iter()
        .map(|r| r.molecule.canonicalised().elements)
        .collect();
    use Element::*;
    assert!(lists
        .iter()
        .all(|l| *l == [C, C, C, C, C, O, H, H, H, H, H, H, H, H]));
    // The O moves; the graph moves with it.
    let raw: Vec<usize> = records
        .iter()
        .map(|r| r.molecule.elements.iter().position(|e| *e == O).unwrap())
        .collect();
    assert!(raw.iter().any(|&p| p != raw[0]));
    let m = &records[0].molecule;
    let order = m.canonical_order();
    let g = equistein_molecules::Estimator::Ours.estimate(m);
    let h = equistein_molecules::Estimator::Ours.estimate(&m.canonicalised());
    assert!(g.permuted(&order).unwrap() == h || g.permuted(&order).unwrap().same_molecule(&h));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn same_molecule_is_blind_to_atom_order_and_smiles_round_trips(
        index in 0usize..48,
        seed in any::<u64>(),
    ) {
        let g = MolGraph::from_smiles(&index_smiles()[index].2).unwrap();
        // A permutation from the seed (Fisher–Yates with a small LCG).
        let mut order: Vec<usize> = (0..g.len()).collect();
        let mut state = seed | 1;
        for i in (1..order.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            order.swap(i, (state >> 33) as usize % (i + 1));
        }
        let p = g.permuted(&order).unwrap();
        prop_assert!(p.same_molecule(&g));
        prop_assert!(MolGraph::from_smiles(&p.to_smiles()).unwrap().same_molecule(&g));
    }
}
