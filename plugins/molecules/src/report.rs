//! Bond estimation over a whole XYZ file, as the `equistein bonds FILE.xyz[.gz] [--estimator paper|ours]`
//! command prints it: per molecule its validity and graph as SMILES, and where the header has `smiles=`, whether
//! the estimated graph is that molecule; a summary of the counts.

use crate::bonds::Estimator;
use crate::error::Result;
use crate::graph::MolGraph;
use crate::io::xyz::{XyzReader, XyzRecord};
use rayon::prelude::*;
use std::fmt;
use std::path::{Path, PathBuf};

/// Records estimated in parallel at a time (the file is streamed, never read whole).
const CHUNK: usize = 512;

/// One molecule of a [`BondsReport`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BondsLine {
    /// Its position in the file, from 1.
    pub index: usize,
    /// Its first line in the file, from 1.
    pub line: usize,
    /// The header's `gdb=` value, if any.
    pub name: Option<String>,
    /// The formula of its atoms (C, H, N, O, F order).
    pub formula: String,
    /// Whether the estimated graph is valid ([`MolGraph::valid`]).
    pub valid: bool,
    /// The estimated graph as SMILES ([`MolGraph::to_smiles`]).
    pub smiles: String,
    /// The header's `smiles=` value, if any.
    pub reference: Option<String>,
    /// Whether the estimated graph is the reference molecule ([`MolGraph::same_molecule`]; an invalid graph never
    /// is); `None` without a reference or when the reference SMILES cannot be read.
    pub matches: Option<bool>,
    /// Why the reference could not be compared, if so.
    pub note: Option<String>,
}

/// Bond estimation over one file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BondsReport {
    /// The file.
    pub file: PathBuf,
    /// The estimator used.
    pub estimator: Estimator,
    /// One line per molecule, in file order.
    pub lines: Vec<BondsLine>,
    /// Molecules in the file.
    pub molecules: usize,
    /// Molecules whose estimated graph is valid.
    pub valid: usize,
    /// Molecules with a readable `smiles=` reference.
    pub with_reference: usize,
    /// Molecules whose estimated graph is their reference molecule.
    pub matching: usize,
    /// Molecules whose `smiles=` value could not be read.
    pub unreadable_references: usize,
}

impl BondsReport {
    /// The summary line, e.g. `qm9_C5H8O.xyz (ours): 48 molecules, 48 valid, 48 of 48 match their smiles=`.
    pub fn summary(&self) -> String {
        let name = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.file.display().to_string());
        let mut s = format!(
            "{name} ({}): {} molecules, {} valid",
            self.estimator, self.molecules, self.valid
        );
        if self.with_reference > 0 {
            s.push_str(&format!(
                ", {} of {} match their smiles=",
                self.matching, self.with_reference
            ));
        }
        if self.unreadable_references > 0 {
            s.push_str(&format!(
                ", {} smiles= unreadable",
                self.unreadable_references
            ));
        }
        s
    }
}

impl fmt::Display for BondsLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self
            .name
            .as_deref()
            .map_or(String::new(), |n| format!(" gdb={n}"));
        let validity = if self.valid { "valid" } else { "invalid" };
        write!(
            f,
            "{}{name} {} {validity} {}",
            self.index, self.formula, self.smiles
        )?;
        match (self.matches, &self.reference, &self.note) {
            (Some(true), _, _) => write!(f, " matches"),
            (Some(false), Some(r), _) => write!(f, " differs from {r}"),
            (None, _, Some(note)) => write!(f, " ({note})"),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for BondsReport {
    /// One line per molecule (`index [gdb=…] formula valid|invalid SMILES [matches | differs from REF]`), then
    /// the summary line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            writeln!(f, "{line}")?;
        }
        write!(f, "{}", self.summary())
    }
}

fn line_of(index: usize, record: &XyzRecord, estimator: Estimator) -> BondsLine {
    let g = estimator.estimate(&record.molecule);
    let valid = g.valid();
    let reference = record.property("smiles").map(str::to_string);
    let (matches, note) = match &reference {
        None => (None, None),
        Some(r) => match MolGraph::from_smiles(r) {
            Ok(rg) => (Some(valid && g.same_molecule(&rg)), None),
            Err(e) => (None, Some(e.to_string())),
        },
    };
    BondsLine {
        index,
        line: record.line,
        name: record.property("gdb").map(str::to_string),
        formula: record.molecule.formula(),
        valid,
        smiles: g.to_smiles(),
        reference,
        matches,
        note,
    }
}

/// Estimates the bonds of every molecule of a multi-record XYZ file (plain or gzip), streaming it in chunks
/// estimated in parallel, and compares each with its `smiles=` header value where there is one.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use equistein_molecules::{bonds_report, Estimator};
/// let dir = std::env::temp_dir().join(format!("bonds-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("water.xyz");
/// std::fs::write(&path, "3\nsmiles=O\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n")?;
/// let report = bonds_report(&path, Estimator::Ours)?;
/// assert_eq!((report.molecules, report.valid, report.matching), (1, 1, 1));
/// assert_eq!(report.to_string(), "1 H2O valid O matches\nwater.xyz (ours): 1 molecules, 1 valid, 1 of 1 match their smiles=");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub fn bonds_report(path: impl AsRef<Path>, estimator: Estimator) -> Result<BondsReport> {
    let path = path.as_ref();
    let mut reader = XyzReader::open(path)?;
    let mut lines: Vec<BondsLine> = Vec::new();
    loop {
        let chunk: Vec<XyzRecord> = reader.by_ref().take(CHUNK).collect::<Result<_>>()?;
        if chunk.is_empty() {
            break;
        }
        let first = lines.len() + 1;
        let mut done: Vec<BondsLine> = chunk
            .par_iter()
            .enumerate()
            .map(|(k, r)| line_of(first + k, r, estimator))
            .collect();
        lines.append(&mut done);
    }
    let count = |f: &dyn Fn(&BondsLine) -> bool| lines.iter().filter(|l| f(l)).count();
    Ok(BondsReport {
        file: path.to_path_buf(),
        estimator,
        molecules: lines.len(),
        valid: count(&|l| l.valid),
        with_reference: count(&|l| l.matches.is_some()),
        matching: count(&|l| l.matches == Some(true)),
        unreadable_references: count(&|l| l.note.is_some()),
        lines,
    })
}
