//! Metrics of a set of generated molecules against reference isomers: atom stability, validity, uniqueness,
//! training isomers recovered, held-out isomers found, novel graphs.

use crate::element::Element;
use crate::error::{io_error, MoleculesError, Result};
use crate::graph::{same_labelled, MolGraph};
use petgraph::graph::UnGraph;
use std::io::BufRead;
use std::path::Path;

/// One reference isomer: a name (QM9's `gdb` index), its SMILES, and its graph read from the SMILES.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// The name, e.g. the QM9 index `"222"`.
    pub name: String,
    /// The SMILES string it was read from.
    pub smiles: String,
    /// The graph (explicit hydrogens).
    pub graph: MolGraph,
}

impl Reference {
    /// A reference from its name and SMILES (read through [`MolGraph::from_smiles`]).
    pub fn from_smiles(name: impl Into<String>, smiles: &str) -> Result<Self> {
        Ok(Reference {
            name: name.into(),
            smiles: smiles.to_string(),
            graph: MolGraph::from_smiles(smiles)?,
        })
    }
}

/// The training isomers and the held-out ones (for C5H8O: 35 and 13).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReferenceSet {
    /// Isomers of the training split.
    pub train: Vec<Reference>,
    /// Isomers outside it.
    pub held_out: Vec<Reference>,
}

impl ReferenceSet {
    /// Reads a tab-separated index with a header row naming (at least) the columns `gdb`, `split` and `smiles`,
    /// as `qm9_C5H8O_index.tsv`: rows whose `split` is `train` are training isomers, the others held out. The
    /// graphs come from the `smiles` column. Errors name the file and line.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let refs = equistein_molecules::ReferenceSet::from_index_tsv("../shared/data/qm9/qm9_C5H8O_index.tsv")?;
    /// assert_eq!((refs.train.len(), refs.held_out.len()), (35, 13));
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_index_tsv(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
        let mut lines = std::io::BufReader::new(file).lines();
        let row_error = |line: usize, reason: String| MoleculesError::TableRow {
            path: path.to_path_buf(),
            line,
            reason,
        };
        let header = match lines.next() {
            Some(h) => h.map_err(|e| io_error(path, e))?,
            None => return Err(row_error(1, "empty file (expected a header row)".into())),
        };
        let columns: Vec<&str> = header.split('\t').map(str::trim).collect();
        let column = |name: &str| {
            columns
                .iter()
                .position(|c| *c == name)
                .ok_or_else(|| row_error(1, format!("no column {name:?} in the header")))
        };
        let (gdb, split, smiles) = (column("gdb")?, column("split")?, column("smiles")?);
        let mut set = ReferenceSet::default();
        for (k, line) in lines.enumerate() {
            let number = k + 2;
            let line = line.map_err(|e| io_error(path, e))?;
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
            let field = |i: usize, name: &str| {
                fields
                    .get(i)
                    .copied()
                    .ok_or_else(|| row_error(number, format!("no {name} field")))
            };
            let reference = Reference::from_smiles(field(gdb, "gdb")?, field(smiles, "smiles")?)
                .map_err(|e| row_error(number, e.to_string()))?;
            if field(split, "split")? == "train" {
                set.train.push(reference);
            } else {
                set.held_out.push(reference);
            }
        }
        Ok(set)
    }
}

/// The metrics of a set of generated molecules. Shares are in [0, 1] (0 where their denominator is 0).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MoleculeMetrics {
    /// Molecules in the set (estimated or not).
    pub molecules: usize,
    /// Molecules without a graph (bond estimation failed); they count as invalid, their atoms are not counted.
    pub failed: usize,
    /// Atoms of the molecules with a graph.
    pub atoms: usize,
    /// Atoms that spend their valence exactly ([`MolGraph::atom_stable`]).
    pub stable_atoms: usize,
    /// `stable_atoms / atoms`.
    pub atom_stability: f64,
    /// Valid molecules ([`MolGraph::valid`]).
    pub valid: usize,
    /// `valid / molecules`.
    pub validity: f64,
    /// Distinct graphs among the valid molecules ([`MolGraph::same_molecule`]).
    pub unique: usize,
    /// `unique / valid`.
    pub uniqueness: f64,
    /// Training isomers in the reference set.
    pub train_total: usize,
    /// Training isomers generated at least once.
    pub train_recovered: usize,
    /// Their names, in the reference set's order.
    pub train_recovered_names: Vec<String>,
    /// Valid molecules that are training isomers.
    pub train_molecules: usize,
    /// Held-out isomers in the reference set.
    pub held_out_total: usize,
    /// Held-out isomers generated at least once.
    pub held_out_found: usize,
    /// Their names, in the reference set's order.
    pub held_out_found_names: Vec<String>,
    /// Valid molecules that are held-out isomers.
    pub held_out_molecules: usize,
    /// Distinct valid graphs that are neither training nor held-out isomers.
    pub novel: usize,
    /// Valid molecules that are neither.
    pub novel_molecules: usize,
}

type Labelled = UnGraph<(Element, u8), u8>;

struct Class {
    key: (Vec<(Element, usize)>, i32),
    graph: Labelled,
}

/// Index of the class of `g` in `classes`, adding a class when it is new.
fn class_of(classes: &mut Vec<Class>, g: &MolGraph) -> (usize, bool) {
    let key = g.invariant();
    let graph = g.labelled();
    if let Some(k) = classes
        .iter()
        .position(|c| c.key == key && same_labelled(&c.graph, &graph))
    {
        return (k, false);
    }
    classes.push(Class { key, graph });
    (classes.len() - 1, true)
}

/// The metrics of generated molecules (`None` where bond estimation gave no graph) against references.
///
/// ```
/// use equistein_molecules::{molecule_metrics, MolGraph, Reference, ReferenceSet};
/// let refs = ReferenceSet {
///     train: vec![Reference::from_smiles("ethanol", "CCO").unwrap()],
///     held_out: vec![Reference::from_smiles("dimethyl ether", "COC").unwrap()],
/// };
/// let g = |s: &str| Some(MolGraph::from_smiles(s).unwrap());
/// let m = molecule_metrics(&[g("OCC"), g("CCO"), g("COC"), None], &refs);
/// assert_eq!((m.valid, m.unique, m.train_recovered, m.held_out_found, m.novel), (3, 2, 1, 1, 0));
/// assert_eq!(m.held_out_found_names, vec!["dimethyl ether".to_string()]);
/// ```
pub fn molecule_metrics(graphs: &[Option<MolGraph>], refs: &ReferenceSet) -> MoleculeMetrics {
    let share = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let mut classes = Vec::new();
    let train: Vec<usize> = refs
        .train
        .iter()
        .map(|r| class_of(&mut classes, &r.graph).0)
        .collect();
    let held: Vec<usize> = refs
        .held_out
        .iter()
        .map(|r| class_of(&mut classes, &r.graph).0)
        .collect();
    let known = classes.len();
    let mut hits = vec![0usize; known];
    let mut generated_classes = Vec::new();
    let (mut atoms, mut stable, mut valid, mut failed, mut novel_molecules) = (0, 0, 0, 0, 0);
    for g in graphs {
        let Some(g) = g else {
            failed += 1;
            continue;
        };
        atoms += g.len();
        stable += g.stable_atoms();
        if !g.valid() {
            continue;
        }
        valid += 1;
        let (k, _) = class_of(&mut classes, g);
        if !generated_classes.contains(&k) {
            generated_classes.push(k);
        }
        if k < known {
            hits[k] += 1;
        } else {
            novel_molecules += 1;
        }
    }
    let names = |list: &[Reference], idx: &[usize]| -> Vec<String> {
        list.iter()
            .zip(idx)
            .filter(|(_, &k)| hits[k] > 0)
            .map(|(r, _)| r.name.clone())
            .collect()
    };
    let train_recovered_names = names(&refs.train, &train);
    let held_out_found_names = names(&refs.held_out, &held);
    let molecules_in = |idx: &[usize]| {
        let mut seen: Vec<usize> = idx.to_vec();
        seen.sort_unstable();
        seen.dedup();
        seen.iter().map(|&k| hits[k]).sum::<usize>()
    };
    MoleculeMetrics {
        molecules: graphs.len(),
        failed,
        atoms,
        stable_atoms: stable,
        atom_stability: share(stable, atoms),
        valid,
        validity: share(valid, graphs.len()),
        unique: generated_classes.len(),
        uniqueness: share(generated_classes.len(), valid),
        train_total: refs.train.len(),
        train_recovered: train_recovered_names.len(),
        train_recovered_names,
        train_molecules: molecules_in(&train),
        held_out_total: refs.held_out.len(),
        held_out_found: held_out_found_names.len(),
        held_out_found_names,
        held_out_molecules: molecules_in(&held),
        novel: generated_classes.iter().filter(|&&k| k >= known).count(),
        novel_molecules,
    }
}
