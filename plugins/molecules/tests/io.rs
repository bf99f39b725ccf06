//! Readers on the shipped DW-4 files and on malformed files; the npy writer.

mod common;

use common::*;
use equistein::Particles;
use equistein_molecules::geometry::max_centroid_norm;
use equistein_molecules::{
    load_dw4, read_npy, read_particles, read_raw_f32, write_npy, MoleculesError, Precision,
};
use npyz::WriterBuilder;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The sha256 recorded for `name` in `SHA256SUMS`.
fn recorded_sha256(name: &str) -> String {
    let sums = std::fs::read_to_string(dw4_dir().join("SHA256SUMS")).unwrap();
    sums.lines()
        .find_map(|l| {
            let (hash, file) = l.split_once("  ")?;
            (file == name).then(|| hash.to_string())
        })
        .unwrap_or_else(|| panic!("{name} is not in SHA256SUMS"))
}

fn sha256(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const DIMER_ROW0: [f32; 8] = [
    -1.049148, -1.049148, -1.049148, 1.0491481, 1.0491481, 1.0491481, 1.0491481, -1.049148,
];
const FIXED_ROW0: [f32; 8] = [
    3.3942893, 3.8604124, -1.8497756, 5.6780243, -0.8719536, 0.4046803, -2.0037315, 2.8392918,
];
const TEST_SPLIT_ROW0: [f32; 8] = [
    1.7999158, -6.577088, 0.2519831, -4.1394897, 1.4619763, -9.311599, 3.5884478, -8.855117,
];

#[test]
fn shipped_raw_and_npy_files() {
    let cases: [(&str, Option<&str>, usize, [f32; 8]); 3] = [
        (
            "jaini2021/dimer_4particles.1001x8.f32le",
            Some("jaini2021/dimer_4particles.npy"),
            1001,
            DIMER_ROW0,
        ),
        (
            "jaini2021/fixed_DW4.1000x8.f32le",
            Some("jaini2021/fixed_DW4.npy"),
            1000,
            FIXED_ROW0,
        ),
        (
            "efm_via_dem/test_split_DW4.10000x8.f32le",
            None,
            10_000,
            TEST_SPLIT_ROW0,
        ),
    ];
    for (raw, npy, n, row0) in cases {
        let raw_path = dw4_dir().join(raw);
        assert_eq!(sha256(&raw_path), recorded_sha256(raw), "{raw}");
        let xs: Particles<f32> = read_raw_f32(&raw_path, 8).unwrap();
        assert_eq!((xs.len(), xs.dim()), (n, 8), "{raw}");
        assert_eq!(xs.particle(0), &row0, "{raw}");
        // read_particles picks the raw reader for .f32le.
        assert_eq!(read_particles::<f32>(&raw_path, 8).unwrap(), xs);
        if let Some(npy) = npy {
            let npy_path = dw4_dir().join(npy);
            assert_eq!(sha256(&npy_path), recorded_sha256(npy), "{npy}");
            let ys: Particles<f32> = read_npy(&npy_path, 8).unwrap();
            assert_eq!(ys, xs, "{npy} differs from {raw}");
            assert_eq!(read_particles::<f32>(&npy_path, 8).unwrap(), xs);
            // In f64 the values are the same numbers.
            let zs: Particles<f64> = read_npy(&npy_path, 8).unwrap();
            assert!(zs
                .as_slice()
                .iter()
                .zip(xs.as_slice())
                .all(|(a, &b)| *a == b as f64));
        }
    }
}

#[test]
fn load_dw4_centres_the_samples() {
    let path = dw4_dir().join("jaini2021/fixed_DW4.npy");
    let raw: Particles<f64> = read_npy(&path, 8).unwrap();
    assert!(
        max_centroid_norm(&raw, 2) > 1.0,
        "fixed_DW4 is documented as not centred"
    );
    let xs: Particles<f64> = load_dw4(&path).unwrap();
    assert_eq!(xs.len(), 1000);
    assert!(max_centroid_norm(&xs, 2) < 1e-12);
    // Centring changes no pair distance.
    let d = |x: &[f64]| equistein_molecules::geometry::sorted_pair_distances(x, 2);
    assert!(max_diff(&d(raw.particle(7)), &d(xs.particle(7))) < 1e-12);
}

// ---- malformed files -----------------------------------------------------------------------------------

fn write_raw(path: &Path, values: &[f32]) {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

fn write_npy_raw<T: npyz::Serialize + npyz::AutoSerialize + Copy>(
    path: &Path,
    shape: &[u64],
    values: &[T],
) {
    let mut buf = Vec::new();
    {
        let mut w = npyz::WriteOptions::<T>::new()
            .default_dtype()
            .shape(shape)
            .writer(&mut buf)
            .begin_nd()
            .unwrap();
        w.extend(values.iter().copied()).unwrap();
        w.finish().unwrap();
    }
    std::fs::write(path, buf).unwrap();
}

fn rows(n: usize) -> Vec<f32> {
    (0..n * 8).map(|i| i as f32 * 0.25 - 3.0).collect()
}

/// The error's message names the file.
fn names_file(e: &MoleculesError, path: &Path) {
    let msg = e.to_string();
    let name = path.file_name().unwrap().to_string_lossy();
    assert!(msg.contains(&*name), "{msg:?} does not name {name}");
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    for p in [
        dir.path().join("absent.f32le"),
        dir.path().join("absent.npy"),
    ] {
        let e = read_particles::<f32>(&p, 8).unwrap_err();
        assert!(
            matches!(&e, MoleculesError::Missing { path } if *path == p),
            "{e:?}"
        );
        names_file(&e, &p);
    }
}

#[test]
fn truncated_raw_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("short.f32le");
    let mut v = rows(3);
    v.truncate(3 * 8 - 2); // row 2 is incomplete
    write_raw(&p, &v);
    let e = read_raw_f32::<f32>(&p, 8).unwrap_err();
    match &e {
        MoleculesError::RawSize {
            bytes,
            row_bytes,
            complete_rows,
            ..
        } => assert_eq!((*bytes, *row_bytes, *complete_rows), (88, 32, 2)),
        other => panic!("{other:?}"),
    }
    names_file(&e, &p);
    assert!(e.to_string().contains("row 2"), "{e}");
}

#[test]
fn nan_rows_in_raw_and_npy_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = rows(5);
    v[3 * 8 + 6] = f32::NAN;
    let raw = dir.path().join("nan.f32le");
    write_raw(&raw, &v);
    let npy = dir.path().join("nan.npy");
    write_npy_raw(&npy, &[5, 8], &v);
    for p in [raw, npy] {
        let e = read_particles::<f64>(&p, 8).unwrap_err();
        assert!(
            matches!(
                e,
                MoleculesError::NonFinite {
                    row: 3,
                    column: 6,
                    ..
                }
            ),
            "{e:?}"
        );
        names_file(&e, &p);
        assert!(e.to_string().contains("row 3"), "{e}");
    }
    // Infinity too.
    let mut w = rows(2);
    w[9] = f32::INFINITY;
    let p = dir.path().join("inf.f32le");
    write_raw(&p, &w);
    assert!(matches!(
        read_raw_f32::<f32>(&p, 8),
        Err(MoleculesError::NonFinite {
            row: 1,
            column: 1,
            ..
        })
    ));
}

#[test]
fn npy_with_the_wrong_dtype() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ints.npy");
    write_npy_raw(&p, &[2, 8], &(0..16).collect::<Vec<i32>>());
    let e = read_npy::<f32>(&p, 8).unwrap_err();
    match &e {
        MoleculesError::NpyDtype { found, .. } => assert!(found.contains("i4"), "{found}"),
        other => panic!("{other:?}"),
    }
    names_file(&e, &p);
    let q = dir.path().join("bytes.npy");
    write_npy_raw(&q, &[2, 8], &[7u8; 16]);
    assert!(matches!(
        read_npy::<f64>(&q, 8),
        Err(MoleculesError::NpyDtype { .. })
    ));
}

#[test]
fn npy_with_the_wrong_shape() {
    let dir = tempfile::tempdir().unwrap();
    for (name, shape) in [
        ("seven.npy", vec![2u64, 7]),
        ("flat.npy", vec![14]),
        ("three.npy", vec![2, 7, 1]),
    ] {
        let p = dir.path().join(name);
        write_npy_raw(&p, &shape, &[0.5f32; 14]);
        let e = read_npy::<f32>(&p, 8).unwrap_err();
        assert!(
            matches!(&e, MoleculesError::NpyShape { found, .. } if *found == shape),
            "{e:?}"
        );
        names_file(&e, &p);
    }
}

#[test]
fn truncated_npy_and_not_an_npy() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.npy");
    write_npy_raw(&good, &[4, 8], &rows(4));
    let bytes = std::fs::read(&good).unwrap();
    let short = dir.path().join("short.npy");
    std::fs::write(&short, &bytes[..bytes.len() - 40]).unwrap(); // rows 0–2 whole, row 3 cut
    let e = read_npy::<f32>(&short, 8).unwrap_err();
    assert!(
        matches!(
            e,
            MoleculesError::NpyTruncated {
                row: 2,
                expected_bytes: 128,
                found_bytes: 88,
                ..
            }
        ),
        "{e:?}"
    );
    names_file(&e, &short);
    let long = dir.path().join("long.npy");
    let mut more = bytes.clone();
    more.extend_from_slice(&[0; 4]);
    std::fs::write(&long, &more).unwrap();
    assert!(matches!(
        read_npy::<f32>(&long, 8),
        Err(MoleculesError::NpyTruncated { row: 4, .. })
    ));
    // A header cut in the middle, and a file that is not npy at all.
    let header_cut = dir.path().join("cut.npy");
    std::fs::write(&header_cut, &bytes[..30]).unwrap();
    let garbage = dir.path().join("garbage.npy");
    std::fs::write(&garbage, b"this is not a numpy file at all").unwrap();
    for p in [header_cut, garbage] {
        let e = read_npy::<f32>(&p, 8).unwrap_err();
        assert!(matches!(e, MoleculesError::NpyHeader { .. }), "{e:?}");
        names_file(&e, &p);
    }
}

/// The two fuzz findings of `fuzz/regressions/npy/`: a header that declares 4 GiB (npyz would allocate it) and a
/// header of nested braces (npyz's literal parser would backtrack exponentially). Both are refused as a header
/// error before npyz sees them; so is a header that declares more bytes than the file holds.
#[test]
fn npy_headers_that_declare_too_much_or_nest_too_deep() {
    let regressions = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/npy");
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("huge.npy");
    std::fs::write(&huge, b"\x93NUMPY\x02\x00\xff\xff\xff\xff").unwrap();
    let mut nested = b"\x93NUMPY\x01\x00".to_vec();
    let text = format!(
        "{{'descr': '<f4', 'fortran_order': False, 'shape': (4, 8), {}",
        "{".repeat(40)
    );
    nested.extend_from_slice(&(text.len() as u16).to_le_bytes());
    nested.extend_from_slice(text.as_bytes());
    let nested_path = dir.path().join("nested.npy");
    std::fs::write(&nested_path, &nested).unwrap();
    let mut overlong = b"\x93NUMPY\x01\x00".to_vec();
    overlong.extend_from_slice(&1000u16.to_le_bytes());
    overlong.extend_from_slice(b"{'descr': '<f4'");
    let overlong_path = dir.path().join("overlong.npy");
    std::fs::write(&overlong_path, &overlong).unwrap();
    let mut cases = vec![huge, nested_path, overlong_path];
    for entry in std::fs::read_dir(&regressions).unwrap() {
        cases.push(entry.unwrap().path());
    }
    assert!(cases.len() >= 7, "{cases:?}");
    for p in &cases {
        let e = read_npy::<f64>(p, 8).unwrap_err();
        assert!(
            matches!(e, MoleculesError::NpyHeader { .. }),
            "{p:?}: {e:?}"
        );
        names_file(&e, p);
    }
}

#[test]
fn npy_in_other_layouts() {
    let dir = tempfile::tempdir().unwrap();
    let v = rows(3);
    // (N, 4, 2), float64.
    let p = dir.path().join("cube.npy");
    write_npy_raw(
        &p,
        &[3, 4, 2],
        &v.iter().map(|&x| x as f64).collect::<Vec<_>>(),
    );
    let xs: Particles<f32> = read_npy(&p, 8).unwrap();
    assert_eq!(xs.as_slice(), &v[..]);
    // Fortran order: the data is column-major.
    let f = dir.path().join("fortran.npy");
    let mut buf = Vec::new();
    {
        let mut w = npyz::WriteOptions::<f32>::new()
            .default_dtype()
            .order(npyz::Order::Fortran)
            .shape(&[3, 8])
            .writer(&mut buf)
            .begin_nd()
            .unwrap();
        for c in 0..8 {
            for r in 0..3 {
                w.push(&v[r * 8 + c]).unwrap();
            }
        }
        w.finish().unwrap();
    }
    std::fs::write(&f, buf).unwrap();
    let ys: Particles<f32> = read_npy(&f, 8).unwrap();
    assert_eq!(ys.as_slice(), &v[..]);
    // Big-endian float32.
    let b = dir.path().join("big.npy");
    let mut buf = Vec::new();
    {
        let dtype = npyz::DType::Plain(">f4".parse().unwrap());
        let mut w = npyz::WriteOptions::<f32>::new()
            .dtype(dtype)
            .shape(&[3, 8])
            .writer(&mut buf)
            .begin_nd()
            .unwrap();
        w.extend(v.iter().copied()).unwrap();
        w.finish().unwrap();
    }
    std::fs::write(&b, buf).unwrap();
    let zs: Particles<f32> = read_npy(&b, 8).unwrap();
    assert_eq!(zs.as_slice(), &v[..]);
    // Zero rows is a valid, empty set.
    let e = dir.path().join("empty.npy");
    write_npy_raw::<f32>(&e, &[0, 8], &[]);
    assert_eq!(read_npy::<f32>(&e, 8).unwrap().len(), 0);
    assert!(read_npy::<f32>(&e, 0).is_err());
}

#[test]
fn writer_round_trips_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let flat: Vec<f64> = (0..5 * 8).map(|i| (i as f64).sin() * 3.0).collect();
    let xs = Particles::from_rows(8, &flat).unwrap();
    let p32 = dir.path().join("samples.npy");
    write_npy(&p32, &xs, Precision::F32).unwrap();
    let back: Particles<f64> = read_npy(&p32, 8).unwrap();
    assert!(max_diff(back.as_slice(), xs.as_slice()) < 1e-6);
    let written = std::fs::read(&p32).unwrap();
    let header = npyz::NpyFile::new(&written[..]).unwrap();
    assert_eq!(header.shape(), &[5, 8]);
    assert_eq!(header.dtype().descr(), "'<f4'");
    let p64 = dir.path().join("samples64.npy");
    write_npy(&p64, &xs, Precision::F64).unwrap();
    assert_eq!(read_npy::<f64>(&p64, 8).unwrap(), xs);
    // Overwriting replaces the whole file, and no temporary file is left behind.
    let ys = Particles::from_rows(8, &flat[..16]).unwrap();
    write_npy(&p32, &ys, Precision::F32).unwrap();
    assert_eq!(read_npy::<f64>(&p32, 8).unwrap().len(), 2);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // A NaN is refused and the old file is untouched; a missing folder is an error naming the file.
    let mut bad = flat.clone();
    bad[13] = f64::NAN;
    let bad = Particles::from_rows(8, &bad).unwrap();
    assert!(matches!(
        write_npy(&p32, &bad, Precision::F32),
        Err(MoleculesError::NonFiniteInput {
            sample: 1,
            coordinate: 5,
            ..
        })
    ));
    assert_eq!(read_npy::<f64>(&p32, 8).unwrap().len(), 2);
    let nowhere = dir.path().join("no/such/folder/samples.npy");
    let e = write_npy(&nowhere, &xs, Precision::F32).unwrap_err();
    assert!(matches!(e, MoleculesError::Io { .. }), "{e:?}");
    names_file(&e, &nowhere);
}
