//! The bad-input suite: 44 cases through the `equistein` binary, each a damaged file, a wrong value or an
//! impossible place, and each must give a non-zero exit (2 for a rejected command line or configuration and for
//! the `bonds` command's file; 1 for a run whose data turns out bad), exactly one line `error: …` on stderr that
//! names the file (with `:LINE:` for text files), field, row or particle, no panic, and nothing left behind: the working folder holds after
//! the run exactly what it held before (no output folder, no temporary folder, no checkpoint).
//!
//! | group | cases |
//! |---|---|
//! | command line and configuration | 21: unknown experiment, command, preset and keys; bad values (negative bandwidth, step size and step count, NaN and infinite numbers, fewer than two particles, a wrong type); missing, malformed and unknown-key config files |
//! | DW-4 data (raw f32 rows) | 5: a data folder that does not exist, an empty file, a truncated row, a NaN and an infinite coordinate (row named) |
//! | FashionMNIST data (IDX, gzip) | 7: a missing folder, an empty file, a corrupt gzip stream, a truncated gzip stream, a wrong magic number, a header that declares 2³¹ images (no allocation beyond the file), label and image counts that disagree |
//! | QM9 data (XYZ) | 5: a missing folder, a molecule with a missing atom, an unknown element, a NaN coordinate, molecules whose formulas (and so dimensions) disagree |
//! | `bonds FILE` | 4: a missing file, a truncated gzip file, an atom line with too few fields, an unknown estimator |
//! | output | 2: an output folder under a regular file, an output path that is a regular file |

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

mod common;
use common::equistein;

/// Every path under `dir`, relative, recursively.
fn listing(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() && !p.is_symlink() {
                stack.push(p.clone());
            }
            out.insert(p.strip_prefix(dir).unwrap().to_path_buf());
        }
    }
    out
}

/// One case: the files it needs are already in `dir`; runs `args` there and checks the exit code, the single
/// `error:` line containing every needle, no panic, and an unchanged folder. Returns 1 (the case counted).
fn case(dir: &Path, args: &[&str], code: i32, needles: &[&str]) -> usize {
    let before = listing(dir);
    let o = equistein(args, dir);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    for needle in needles {
        assert!(err.contains(needle), "{args:?}: `{err}` lacks `{needle}`");
    }
    assert_eq!(before, listing(dir), "{args:?} left something behind");
    print!("{}", err);
    1
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

#[test]
fn command_line_and_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("bad.toml"), "particles = [\n").unwrap();
    std::fs::write(
        dir.join("unknown.toml"),
        "[target]\nradii = [1.0]\nfoo = 1\n",
    )
    .unwrap();
    let mut n = 0;
    n += case(
        dir,
        &["run", "no-such-experiment"],
        2,
        &["no-such-experiment"],
    );
    n += case(dir, &["frobnicate"], 2, &["frobnicate"]);
    n += case(dir, &["config", "nope"], 2, &["nope"]);
    n += case(dir, &["run", "circles", "--preset", "huge"], 2, &["huge"]);
    n += case(dir, &["run", "circles", "--seed", "-3"], 2, &["-3"]);
    n += case(
        dir,
        &["run", "circles", "--set", "nonsense=1"],
        2,
        &["nonsense"],
    );
    n += case(
        dir,
        &["run", "circles", "--set", "target.nonsense=1"],
        2,
        &["target.nonsense"],
    );
    n += case(
        dir,
        &["run", "circles", "--set", "novalue"],
        2,
        &["novalue"],
    );
    n += case(
        dir,
        &["run", "circles", "--set", "bandwidth=-0.1"],
        2,
        &["bandwidth"],
    );
    n += case(
        dir,
        &["run", "circles", "--set", "bandwidth=nan"],
        2,
        &["bandwidth"],
    );
    n += case(
        dir,
        &["run", "circles", "--set", "step_size=-0.5"],
        2,
        &["step_size"],
    );
    n += case(
        dir,
        &["run", "circles", "--set", "step_size=inf"],
        2,
        &["step_size"],
    );
    n += case(
        dir,
        &["run", "circles", "--set", "particles=many"],
        2,
        &["many"],
    );
    n += case(
        dir,
        &["run", "circles", "--set", "particles=1"],
        2,
        &["particles"],
    );
    n += case(
        dir,
        &["run", "dw4", "--set", "evaluation.steps=-5"],
        2,
        &["evaluation.steps"],
    );
    n += case(
        dir,
        &["run", "circles", "--set", "samplers=[\"esvgd-matrix\"]"],
        2,
        &["esvgd-matrix"],
    );
    n += case(
        dir,
        &["run", "c4-gaussians", "--set", "target.n_components=0"],
        2,
        &["n_components"],
    );
    n += case(
        dir,
        &["run", "spheres", "--set", "target.radii=[3, -6]"],
        2,
        &["radii"],
    );
    n += case(
        dir,
        &["run", "circles", "--config", "missing.toml"],
        2,
        &["missing.toml"],
    );
    n += case(
        dir,
        &["run", "circles", "--config", "bad.toml"],
        2,
        &["bad.toml"],
    );
    n += case(
        dir,
        &["run", "circles", "--config", "unknown.toml"],
        2,
        &["target.foo"],
    );
    assert_eq!(n, 21);
}

/// A DW-4 data folder holding `bytes` as the five-state training file.
fn dw4_folder(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let data = dir.join(name).join("jaini2021");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("fixed_DW4.1000x8.f32le"), bytes).unwrap();
    format!("data_dir={}", dir.join(name).display())
}

fn f32_rows(rows: &[[f32; 8]]) -> Vec<u8> {
    rows.iter()
        .flatten()
        .flat_map(|v| v.to_le_bytes())
        .collect()
}

#[test]
fn dw4_data() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let row = [1.0, 0.0, -1.0, 0.0, 0.0, 1.0, 0.0, -1.0];
    let mut nan = vec![row; 4];
    nan[2][5] = f32::NAN;
    let mut inf = vec![row; 4];
    inf[3][0] = f32::INFINITY;
    let empty = dw4_folder(dir, "empty", b"");
    let truncated = dw4_folder(dir, "truncated", &f32_rows(&[row; 3])[..90]);
    let nan = dw4_folder(dir, "nan", &f32_rows(&nan));
    let inf = dw4_folder(dir, "inf", &f32_rows(&inf));
    let run = |set: &str| {
        [
            "run", "dw4", "--preset", "quick", "--out", "out", "--set", set,
        ]
        .map(String::from)
    };
    let mut n = 0;
    let args = run("data_dir=no/such/folder");
    n += case(
        dir,
        &args.each_ref().map(|s| s.as_str()),
        1,
        &["no/such/folder", "does not exist"],
    );
    for (set, needles) in [
        (empty, &["fixed_DW4", "empty"][..]),
        (truncated, &["fixed_DW4", "row 2"][..]),
        (nan, &["fixed_DW4", "row 2"][..]),
        (inf, &["fixed_DW4", "row 3"][..]),
    ] {
        let args = run(&set);
        n += case(dir, &args.each_ref().map(|s| s.as_str()), 1, needles);
    }
    assert_eq!(n, 5);
}

/// A FashionMNIST folder: the shipped files linked, except `replace` (file name → bytes; the name decides gzip
/// or raw, and the shipped file of the other form is left out).
fn fashion_folder(dir: &Path, name: &str, replace: &[(&str, Vec<u8>)]) -> String {
    let data = dir.join(name);
    std::fs::create_dir_all(&data).unwrap();
    let shipped = shared_data().join("fashion_mnist");
    for f in [
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ] {
        if let Some((file, bytes)) = replace.iter().find(|(r, _)| r.starts_with(f)) {
            std::fs::write(data.join(file), bytes).unwrap();
        } else {
            let gz = format!("{f}.gz");
            std::os::unix::fs::symlink(shipped.join(&gz), data.join(&gz)).unwrap();
        }
    }
    format!("data_dir={}", data.display())
}

/// An IDX header: the magic (type 0x08, `dims.len()` dimensions) and the sizes.
fn idx_header(dims: &[u32]) -> Vec<u8> {
    let mut h = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        h.extend_from_slice(&d.to_be_bytes());
    }
    h
}

#[test]
fn fashion_mnist_data() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let images = "train-images-idx3-ubyte";
    let names_images: &[&str] = &[images];
    let labels = "train-labels-idx1-ubyte";
    let real =
        std::fs::read(shared_data().join("fashion_mnist/t10k-images-idx3-ubyte.gz")).unwrap();
    let mut corrupt = real[..4096].to_vec();
    for b in corrupt.iter_mut().skip(20) {
        *b ^= 0x5a;
    }
    let mut wrong_magic = idx_header(&[2, 28, 28]);
    wrong_magic[2] = 0x0d; // float64 pixels
    wrong_magic.extend(vec![0u8; 2 * 28 * 28 * 8]);
    let mut huge = idx_header(&[1 << 31, 28, 28]);
    huge.extend(vec![7u8; 3 * 28 * 28]);
    let mut five = idx_header(&[5, 28, 28]);
    five.extend(vec![9u8; 5 * 28 * 28]);
    let mut four_labels = idx_header(&[4]);
    four_labels.truncate(4 + 4);
    four_labels[3] = 1;
    four_labels.extend([1, 2, 3, 4]);
    let cases: Vec<(String, &[&str])> = vec![
        ("data_dir=no/such/folder".into(), &["no/such/folder"]),
        (
            fashion_folder(dir, "empty", &[(images, vec![])]),
            names_images,
        ),
        (
            fashion_folder(dir, "corrupt", &[(&format!("{images}.gz"), corrupt)]),
            names_images,
        ),
        (
            fashion_folder(
                dir,
                "cut",
                &[(&format!("{images}.gz"), real[..real.len() / 2].to_vec())],
            ),
            names_images,
        ),
        (
            fashion_folder(dir, "magic", &[(images, wrong_magic)]),
            names_images,
        ),
        (fashion_folder(dir, "huge", &[(images, huge)]), names_images),
        (
            fashion_folder(dir, "counts", &[(images, five), (labels, four_labels)]),
            &["5", "4"],
        ),
    ];
    let mut n = 0;
    for (set, needles) in &cases {
        let args = [
            "run",
            "fashion-mnist",
            "--preset",
            "quick",
            "--out",
            "out",
            "--set",
            set,
        ];
        n += case(dir, &args, 1, needles);
    }
    assert_eq!(n, 7);
}

const METHANOL: &str = "6\nmethanol\nC 0.0 0.0 0.0\nO 1.4 0.0 0.0\nH -0.5 0.9 0.0\nH -0.5 -0.5 0.8\nH -0.5 -0.5 -0.8\nH 1.7 0.9 0.0\n";

fn qm9_folder(dir: &Path, name: &str, text: &str) -> String {
    let data = dir.join(name);
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("qm9_C5H8O_train35.xyz"), text).unwrap();
    format!("data_dir={}", data.display())
}

#[test]
fn qm9_data_and_the_bonds_command() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let missing_atom = METHANOL.replacen("6\n", "7\n", 1);
    let unknown = METHANOL.replace("O 1.4", "Xq 1.4");
    let nan = METHANOL.replace("H 1.7 0.9", "H 1.7 NaN");
    let water = "3\nwater\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n";
    let mixed = format!("{METHANOL}{water}");
    let cases: Vec<(String, &[&str])> = vec![
        ("data_dir=no/such/folder".into(), &["no/such/folder"][..]),
        (
            qm9_folder(dir, "missing", &missing_atom),
            &["qm9_C5H8O_train35.xyz"][..],
        ),
        (
            qm9_folder(dir, "unknown", &unknown),
            &["qm9_C5H8O_train35.xyz", ":4:", "Xq"][..],
        ),
        (
            qm9_folder(dir, "nan", &nan),
            &["qm9_C5H8O_train35.xyz", ":8:"][..],
        ),
        (qm9_folder(dir, "mixed", &mixed), &["formula"][..]),
    ];
    let mut n = 0;
    for (set, needles) in &cases {
        let args = [
            "run", "qm9", "--preset", "quick", "--out", "out", "--set", set,
        ];
        n += case(dir, &args, 1, needles);
    }
    let gz = gzip(METHANOL.repeat(20).as_bytes());
    std::fs::write(dir.join("cut.xyz.gz"), &gz[..gz.len() - 9]).unwrap();
    std::fs::write(
        dir.join("short.xyz"),
        METHANOL.replace("O 1.4 0.0 0.0", "O 1.4 0.0"),
    )
    .unwrap();
    std::fs::write(dir.join("ok.xyz"), METHANOL).unwrap();
    n += case(dir, &["bonds", "absent.xyz"], 2, &["absent.xyz"]);
    n += case(dir, &["bonds", "cut.xyz.gz"], 2, &["cut.xyz.gz"]);
    n += case(dir, &["bonds", "short.xyz"], 2, &["short.xyz:4:"]);
    n += case(
        dir,
        &["bonds", "ok.xyz", "--estimator", "guess"],
        2,
        &["guess"],
    );
    assert_eq!(n, 9);
}

#[test]
fn output_that_cannot_be_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("plain-file"), "not a folder").unwrap();
    let mut n = 0;
    n += case(
        dir,
        &[
            "run",
            "circles",
            "--preset",
            "quick",
            "--out",
            "plain-file/sub",
        ],
        1,
        &["plain-file"],
    );
    n += case(
        dir,
        &["run", "circles", "--preset", "quick", "--out", "plain-file"],
        1,
        &["plain-file"],
    );
    assert_eq!(n, 2);
}
