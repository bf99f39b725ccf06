//! The multi-record XYZ reader and writer: the three shipped QM9 files, the gzip path, malformed input (each a
//! typed error naming file and line), atomic writes and round trips.

mod common;

use common::qm9_dir;
use equistein_molecules::{
    read_xyz, write_xyz, Element, Molecule, MoleculesError, XyzReader, XyzRecord,
};
use flate2::write::GzEncoder;
use proptest::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Records read without error; every record of the shipped files must be (checked in the tests below too).
fn count(path: &Path) -> usize {
    XyzReader::open(path).unwrap().filter(|r| r.is_ok()).count()
}

#[test]
fn shipped_files_have_their_record_counts() {
    assert_eq!(count(&qm9_dir().join("qm9_C5H8O.xyz")), 48);
    assert_eq!(count(&qm9_dir().join("qm9_C5H8O_train35.xyz")), 35);
    assert_eq!(count(&qm9_dir().join("qm9_C7H10O2.xyz.gz")), 6094);
    assert_eq!(count(&qm9_dir().join("qm9_heavy_le7.xyz.gz")), 3921);
}

#[test]
fn first_record_of_c5h8o_has_its_numbers_and_properties_in_order() {
    let first = XyzReader::open(qm9_dir().join("qm9_C5H8O.xyz"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(first.line, 1);
    assert_eq!(first.molecule.len(), 14);
    assert_eq!(first.molecule.formula(), "C5H8O");
    assert_eq!(first.molecule.elements[0], Element::C);
    assert_eq!(first.molecule.elements[3], Element::O);
    assert_eq!(
        first.molecule.positions[0],
        [-0.0352685581, 1.5431073488, 0.0061829882]
    );
    assert_eq!(
        first.molecule.positions[13],
        [1.7218004632, -1.2107601737, -3.058408757]
    );
    let keys: Vec<&str> = first.properties.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "gdb", "split", "formula", "smiles", "A", "B", "C", "mu", "alpha", "homo", "lumo",
            "gap", "r2", "zpve", "U0", "U", "H", "G", "Cv"
        ]
    );
    assert_eq!(first.property("gdb"), Some("222"));
    assert_eq!(first.property("smiles"), Some("CC(C)(O)C#C"));
    assert_eq!(first.property("Cv"), Some("27.393"));
}

#[test]
fn first_records_of_the_gzip_files() {
    let r = XyzReader::open(qm9_dir().join("qm9_C7H10O2.xyz.gz"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!((r.molecule.len(), r.property("gdb")), (19, Some("26093")));
    assert_eq!(
        r.molecule.positions[0],
        [-0.0838437597, 1.5198928837, -0.0723329982]
    );
    let r = XyzReader::open(qm9_dir().join("qm9_heavy_le7.xyz.gz"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(
        (r.molecule.len(), r.molecule.formula()),
        (5, "CH4".to_string())
    );
    assert_eq!(
        r.molecule.positions[0],
        [-0.0126981359, 1.0858041578, 0.0080009958]
    );
    // Record lines advance by N + 2.
    let lines: Vec<usize> = XyzReader::open(qm9_dir().join("qm9_heavy_le7.xyz.gz"))
        .unwrap()
        .take(3)
        .map(|r| r.unwrap().line)
        .collect();
    assert_eq!(lines[0], 1);
    assert_eq!(lines[1], 1 + 5 + 2);
}

#[test]
fn every_shipped_record_parses_numbers_with_a_bare_dot_or_an_exponent() {
    // All 6,094 + 3,921 records read without error and with finite coordinates.
    for name in ["qm9_C7H10O2.xyz.gz", "qm9_heavy_le7.xyz.gz"] {
        for r in XyzReader::open(qm9_dir().join(name)).unwrap() {
            let r = r.unwrap();
            assert!(r.molecule.positions.iter().flatten().all(|v| v.is_finite()));
            assert_eq!(r.molecule.formula(), r.property("formula").unwrap());
        }
    }
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut z = GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

#[test]
fn gzip_is_detected_by_content_and_reads_like_the_plain_file() {
    let dir = temp();
    let plain = std::fs::read(qm9_dir().join("qm9_C5H8O.xyz")).unwrap();
    let path = dir.path().join("c5h8o-no-gz-extension.xyz");
    std::fs::write(&path, gzip(&plain)).unwrap();
    assert_eq!(
        read_xyz(&path).unwrap(),
        read_xyz(qm9_dir().join("qm9_C5H8O.xyz")).unwrap()
    );
}

fn error_of(text: &[u8]) -> (MoleculesError, PathBuf) {
    let dir = temp();
    let path = dir.path().join("bad.xyz");
    std::fs::write(&path, text).unwrap();
    let e = read_xyz(&path).unwrap_err();
    let shown = e.to_string();
    assert!(shown.contains("bad.xyz"), "{shown}");
    (e, path)
}

#[test]
fn malformed_input_gives_typed_errors_naming_file_and_line() {
    let good = "3\nc\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n";
    let (e, _) = error_of(format!("{good}abc\n").as_bytes());
    assert!(
        matches!(e, MoleculesError::XyzAtomCount { line: 6, ref found, .. } if found == "abc"),
        "{e}"
    );
    assert!(e.to_string().contains(":6:"), "{e}");
    let (e, _) = error_of(b"-3\nc\n");
    assert!(
        matches!(e, MoleculesError::XyzAtomCount { line: 1, .. }),
        "{e}"
    );
    let (e, _) = error_of(format!("{good}3\nc\nO 0 0 0\n").as_bytes());
    assert!(
        matches!(
            e,
            MoleculesError::XyzShortRecord {
                line: 9,
                record_line: 6,
                declared: 3,
                found: 1,
                ..
            }
        ),
        "{e}"
    );
    let (e, _) = error_of(b"2\n");
    assert!(
        matches!(e, MoleculesError::XyzShortRecord { found: 0, .. }),
        "{e}"
    );
    let (e, _) = error_of(b"2\nc\nC 0 0 0\nCl 1 0 0\n");
    assert!(
        matches!(e, MoleculesError::XyzElement { line: 4, ref found, .. } if found == "Cl"),
        "{e}"
    );
    let (e, _) = error_of(b"1\nc\nC 0 1.2.3 0\n");
    assert!(
        matches!(
            e,
            MoleculesError::XyzNumber {
                line: 3,
                field: "y",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("coordinate y"), "{e}");
    for bad in ["NaN", "inf", "-inf", "1e999"] {
        let (e, _) = error_of(format!("1\nc\nC 0 0 {bad}\n").as_bytes());
        assert!(
            matches!(
                e,
                MoleculesError::XyzNonFinite {
                    line: 3,
                    field: "z",
                    ..
                }
            ),
            "{bad}: {e}"
        );
    }
    let (e, _) = error_of(b"1\nc\nC 0 0\n");
    assert!(
        matches!(e, MoleculesError::XyzAtomLine { line: 3, .. }),
        "{e}"
    );
    let (e, _) = error_of(b"1\nc\nC 0 0 \xff\n");
    assert!(
        matches!(e, MoleculesError::XyzStream { line: 3, .. }),
        "{e}"
    );
}

#[test]
fn a_huge_declared_atom_count_is_a_short_record_not_an_allocation() {
    let (e, _) = error_of(b"999999999999999\nc\nC 0 0 0\n");
    assert!(
        matches!(
            e,
            MoleculesError::XyzShortRecord {
                declared: 999_999_999_999_999,
                found: 1,
                ..
            }
        ),
        "{e}"
    );
    let (e, _) = error_of(b"99999999999999999999999999\nc\n");
    assert!(matches!(e, MoleculesError::XyzAtomCount { .. }), "{e}");
}

#[test]
fn blank_lines_between_records_and_at_the_end_are_skipped() {
    let dir = temp();
    let path = dir.path().join("blank.xyz");
    std::fs::write(&path, "1\nfirst\nC 0 0 0\n\n1\n\nH 0 0 0\n\n\n").unwrap();
    let r = read_xyz(&path).unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].comment, "");
    assert!(r[1].properties.is_empty());
}

#[test]
fn truncated_gzip_is_a_stream_error_with_the_line_reached() {
    let dir = temp();
    let bytes = std::fs::read(qm9_dir().join("qm9_C7H10O2.xyz.gz")).unwrap();
    let path = dir.path().join("cut.xyz.gz");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let mut records = 0;
    let mut error = None;
    for r in XyzReader::open(&path).unwrap() {
        match r {
            Ok(_) => records += 1,
            Err(e) => error = Some(e),
        }
    }
    let e = error.expect("an error");
    assert!(records > 1000 && records < 6094, "{records}");
    assert!(
        matches!(e, MoleculesError::XyzStream { what: "truncated or corrupt gzip stream", line, .. } if line > 1000),
        "{e}"
    );
    assert!(e.to_string().contains("cut.xyz.gz"), "{e}");
}

#[test]
fn corrupt_gzip_is_an_error_not_a_panic() {
    let dir = temp();
    let mut bytes = std::fs::read(qm9_dir().join("qm9_heavy_le7.xyz.gz")).unwrap();
    for k in (1000..bytes.len() - 100).step_by(997) {
        bytes[k] ^= 0x5a;
    }
    let path = dir.path().join("corrupt.xyz.gz");
    std::fs::write(&path, &bytes).unwrap();
    let e = read_xyz(&path).unwrap_err();
    assert!(e.to_string().contains("corrupt.xyz.gz"), "{e}");
    // A gzip header followed by garbage.
    let path = dir.path().join("garbage.gz");
    std::fs::write(
        &path,
        [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff],
    )
    .unwrap();
    let e = read_xyz(&path).unwrap_err();
    assert!(
        matches!(e, MoleculesError::XyzStream { line: 1, .. }),
        "{e}"
    );
}

#[test]
fn a_missing_file_is_named() {
    let e = read_xyz("/nonexistent/x.xyz").unwrap_err();
    assert!(matches!(e, MoleculesError::Missing { .. }), "{e}");
}

#[test]
fn writer_round_trips_the_c5h8o_file_plain_and_gzip() {
    let dir = temp();
    let records = read_xyz(qm9_dir().join("qm9_C5H8O.xyz")).unwrap();
    for name in ["out.xyz", "out.xyz.gz"] {
        let path = dir.path().join(name);
        write_xyz(&path, &records).unwrap();
        let back = read_xyz(&path).unwrap();
        assert_eq!(back.len(), 48);
        for (a, b) in records.iter().zip(&back) {
            assert_eq!(a.molecule.elements, b.molecule.elements);
            assert_eq!(a.comment, b.comment);
            assert_eq!(a.properties, b.properties);
            for (p, q) in a.molecule.positions.iter().zip(&b.molecule.positions) {
                for k in 0..3 {
                    assert!((p[k] - q[k]).abs() < 1e-10);
                }
            }
        }
    }
    // Only the two files are there: no temporary left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    let bytes = std::fs::read(dir.path().join("out.xyz.gz")).unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
}

#[test]
fn writer_refuses_non_finite_and_leaves_no_file() {
    let dir = temp();
    let path = dir.path().join("bad.xyz");
    let m = Molecule {
        elements: vec![Element::C],
        positions: vec![[0.0, f64::NAN, 0.0]],
    };
    let e = write_xyz(&path, &[XyzRecord::new(m, "x")]).unwrap_err();
    assert!(
        matches!(
            e,
            MoleculesError::NonFiniteInput {
                sample: 0,
                coordinate: 0,
                ..
            }
        ),
        "{e}"
    );
    assert!(!path.exists());
    let m = Molecule::new(vec![Element::C], vec![[0.0; 3]]).unwrap();
    let e = write_xyz(
        dir.path().join("no/such/dir/x.xyz"),
        &[XyzRecord::new(m, "x")],
    )
    .unwrap_err();
    assert!(matches!(e, MoleculesError::Io { .. }), "{e}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_comment_with_line_breaks_is_written_on_one_line() {
    let dir = temp();
    let path = dir.path().join("c.xyz");
    let m = Molecule::new(
        vec![Element::H, Element::H],
        vec![[0.0; 3], [0.74, 0.0, 0.0]],
    )
    .unwrap();
    write_xyz(
        &path,
        &[XyzRecord::new(m.clone(), "a=1\nb=2"), XyzRecord::new(m, "")],
    )
    .unwrap();
    let back = read_xyz(&path).unwrap();
    assert_eq!(back.len(), 2);
    assert_eq!(back[0].property("b"), Some("2"));
}

fn element() -> impl Strategy<Value = Element> {
    prop::sample::select(Element::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn write_then_read_is_the_identity_to_1e_10(
        atoms in prop::collection::vec((element(), prop::array::uniform3(-1e3f64..1e3)), 0..30),
        key in "[a-z]{1,5}",
        value in "[A-Za-z0-9().=#]{0,12}",
    ) {
        let dir = temp();
        let path = dir.path().join("p.xyz");
        let m = Molecule::new(atoms.iter().map(|a| a.0).collect(), atoms.iter().map(|a| a.1).collect()).unwrap();
        let comment = format!("{key}={value} free text");
        write_xyz(&path, &[XyzRecord::new(m.clone(), comment.clone()), XyzRecord::new(m.clone(), "")]).unwrap();
        let back = read_xyz(&path).unwrap();
        prop_assert_eq!(back.len(), 2);
        prop_assert_eq!(&back[0].comment, &comment);
        prop_assert_eq!(back[0].property(&key), Some(value.as_str()));
        prop_assert_eq!(&back[0].molecule.elements, &m.elements);
        for (p, q) in m.positions.iter().zip(&back[0].molecule.positions) {
            for k in 0..3 {
                prop_assert!((p[k] - q[k]).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let r: Vec<_> = XyzReader::new(bytes.as_slice(), "fuzz.xyz").collect();
        // At most one error, and it is last.
        prop_assert!(r.iter().rev().skip(1).all(|x| x.is_ok()));
    }
}
