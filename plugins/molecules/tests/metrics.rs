//! Molecule metrics on hand-made sets (a duplicate, an invalid molecule, a held-out isomer, a novel one, a
//! failed estimation), the C5H8O reference set from the index, and the bonds report over a whole file.

mod common;

use common::qm9_dir;
use equistein_molecules::{
    bonds_report, molecule_metrics, Estimator, MolGraph, MoleculesError, ReferenceSet, XyzReader,
};

fn refs() -> ReferenceSet {
    ReferenceSet::from_index_tsv(qm9_dir().join("qm9_C5H8O_index.tsv")).unwrap()
}

fn g(smiles: &str) -> Option<MolGraph> {
    Some(MolGraph::from_smiles(smiles).unwrap())
}

#[test]
fn the_index_gives_35_training_and_13_held_out_isomers() {
    let r = refs();
    assert_eq!((r.train.len(), r.held_out.len()), (35, 13));
    assert_eq!(r.train[0].name, "222");
    assert_eq!(r.train[0].smiles, "CC(C)(O)C#C");
    assert_eq!(r.held_out[0].name, "234");
    // The training references are the molecules of the 35-molecule training file.
    let train_file: Vec<String> = XyzReader::open(qm9_dir().join("qm9_C5H8O_train35.xyz"))
        .unwrap()
        .map(|x| x.unwrap().property("gdb").unwrap().to_string())
        .collect();
    let names: Vec<String> = r.train.iter().map(|x| x.name.clone()).collect();
    assert_eq!(names, train_file);
}

#[test]
fn hand_made_set_counts_each_metric() {
    let r = refs();
    // Training isomer 222 twice (written from another atom), held-out 234 once, a novel pent-4-enal, a radical
    // (invalid), and a failed estimation.
    let mut radical = MolGraph::from_smiles("CC(C)(O)C#C").unwrap();
    let h = radical
        .bonds
        .iter()
        .position(|b| radical.elements[b.b] == equistein_molecules::Element::H)
        .unwrap();
    radical.bonds.remove(h);
    let set = vec![
        g("CC(C)(O)C#C"),
        g("C#CC(C)(C)O"),
        g("CC#CC(C)O"),
        g("C=CCCC=O"),
        Some(radical),
        None,
    ];
    let m = molecule_metrics(&set, &r);
    assert_eq!(m.molecules, 6);
    assert_eq!(m.failed, 1);
    assert_eq!(m.atoms, 5 * 14);
    // The radical's C and its lost H are unstable.
    assert_eq!(m.stable_atoms, 5 * 14 - 2);
    assert!((m.atom_stability - 68.0 / 70.0).abs() < 1e-12);
    assert_eq!(m.valid, 4);
    assert!((m.validity - 4.0 / 6.0).abs() < 1e-12);
    assert_eq!(m.unique, 3);
    assert!((m.uniqueness - 0.75).abs() < 1e-12);
    assert_eq!(
        (m.train_total, m.train_recovered, m.train_molecules),
        (35, 1, 2)
    );
    assert_eq!(m.train_recovered_names, vec!["222".to_string()]);
    assert_eq!(
        (m.held_out_total, m.held_out_found, m.held_out_molecules),
        (13, 1, 1)
    );
    assert_eq!(m.held_out_found_names, vec!["234".to_string()]);
    assert_eq!((m.novel, m.novel_molecules), (1, 1));
    // Plain fields: serialisable as JSON.
    let json = serde_json::to_string(&m).unwrap();
    assert!(
        json.contains("\"held_out_found_names\":[\"234\"]"),
        "{json}"
    );
}

#[test]
fn the_real_c5h8o_geometries_recover_every_isomer_and_nothing_novel() {
    let r = refs();
    let graphs: Vec<Option<MolGraph>> = XyzReader::open(qm9_dir().join("qm9_C5H8O.xyz"))
        .unwrap()
        .map(|x| Some(Estimator::Ours.estimate(&x.unwrap().molecule)))
        .collect();
    let m = molecule_metrics(&graphs, &r);
    assert_eq!(
        (
            m.valid,
            m.unique,
            m.train_recovered,
            m.held_out_found,
            m.novel
        ),
        (48, 48, 35, 13, 0)
    );
    assert_eq!(m.atom_stability, 1.0);
    // The empty set: shares are 0, not NaN.
    let e = molecule_metrics(&[], &r);
    assert_eq!(
        (e.validity, e.uniqueness, e.atom_stability),
        (0.0, 0.0, 0.0)
    );
}

#[test]
fn a_bad_index_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.tsv");
    std::fs::write(&path, "gdb\tsplit\tsmiles\n1\ttrain\tCCO\n2\ttest\tC1CC\n").unwrap();
    let e = ReferenceSet::from_index_tsv(&path).unwrap_err();
    assert!(matches!(e, MoleculesError::TableRow { line: 3, .. }), "{e}");
    assert!(e.to_string().contains("index.tsv:3:"), "{e}");
    std::fs::write(&path, "gdb\tsmiles\n1\tCCO\n").unwrap();
    let e = ReferenceSet::from_index_tsv(&path).unwrap_err();
    assert!(matches!(e, MoleculesError::TableRow { line: 1, .. }), "{e}");
    std::fs::write(&path, "gdb\tsplit\tsmiles\n1\ttrain\n").unwrap();
    assert!(matches!(
        ReferenceSet::from_index_tsv(&path).unwrap_err(),
        MoleculesError::TableRow { line: 2, .. }
    ));
}

#[test]
fn bonds_report_over_the_c5h8o_file() {
    let report = bonds_report(qm9_dir().join("qm9_C5H8O.xyz"), Estimator::Ours).unwrap();
    assert_eq!(
        (
            report.molecules,
            report.valid,
            report.with_reference,
            report.matching
        ),
        (48, 48, 48, 48)
    );
    let text = report.to_string();
    assert_eq!(text.lines().count(), 49);
    assert!(text.starts_with("1 gdb=222 C5H8O valid "), "{text}");
    assert!(text
        .ends_with("qm9_C5H8O.xyz (ours): 48 molecules, 48 valid, 48 of 48 match their smiles="));
    let released = bonds_report(qm9_dir().join("qm9_C5H8O.xyz"), Estimator::PaperReleased).unwrap();
    assert_eq!(released.matching, 45);
    assert_eq!(
        released
            .lines
            .iter()
            .filter(|l| l.to_string().contains(" differs from "))
            .count(),
        3
    );
}

#[test]
fn bonds_report_without_references_and_with_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gen.xyz");
    std::fs::write(
        &path,
        "3\n\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n3\nsmiles=C1C\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n2\nx\nC 0 0 0\nC 5 0 0\n",
    )
    .unwrap();
    let report = bonds_report(&path, Estimator::Ours).unwrap();
    assert_eq!(
        (
            report.molecules,
            report.valid,
            report.with_reference,
            report.unreadable_references
        ),
        (3, 2, 0, 1)
    );
    assert!(report.lines[2].to_string().contains("invalid"));
    assert!(report.summary().contains("1 smiles= unreadable"));
    // A reader error stops the report with the typed error.
    std::fs::write(&path, "1\n\nXe 0 0 0\n").unwrap();
    assert!(matches!(
        bonds_report(&path, Estimator::Paper).unwrap_err(),
        MoleculesError::XyzElement { line: 3, .. }
    ));
}
