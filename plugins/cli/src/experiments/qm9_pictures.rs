//! What `qm9` writes: `metrics.json`; per combination the generated molecules as `samples_COMBO.xyz`
//! (multi-record XYZ, Å, atoms in the training order; the comment line holds `index=`, `valid=` and `smiles=`
//! of our estimator's graph, so any molecule viewer opens them) and `samples_COMBO.npy` (`N × 42`, `<f4`,
//! non-finite rows included); and `molecules_COMBO.png`, a grid of the first molecules (up to 64) with our
//! estimator's bonds and element colours, like the appendix's figure 13. The picture projects each molecule
//! onto its own two principal axes (the plane of largest spread), so it shows the same shape whatever the
//! molecule's orientation.

use super::qm9::{Generated, Qm9Outcome};
use super::samples_out::{file_stem, write_samples};
use super::{write_json, RunError};
use crate::output::StagedOutput;
use crate::plot::{molecule_grid, MoleculeDrawing};
use equistein_molecules::{write_xyz, Element, MolGraph, Molecule, Precision, XyzRecord};
use nalgebra::{Matrix3, SymmetricEigen, Vector3};
use plotters::style::RGBColor;

/// Writes `metrics.json`, the molecules and the pictures.
pub fn write(outcome: &Qm9Outcome, out: &StagedOutput, picture: usize) -> Result<(), RunError> {
    write_json(out, "metrics.json", &outcome.metrics)?;
    for g in &outcome.generated {
        let stem = file_stem(&g.name);
        write_samples(out, &g.name, &g.samples, Precision::F32)?;
        let xyz = format!("samples_{stem}.xyz");
        write_xyz(out.dir().join(&xyz), &records(g))
            .map_err(|e| RunError::Io(format!("cannot write {xyz}: {e}")))?;
        let drawings: Vec<MoleculeDrawing> = g
            .molecules
            .iter()
            .zip(&g.graphs)
            .filter_map(|(m, graph)| Some(drawing(m.as_ref()?, graph.as_ref()?)))
            .take(picture)
            .collect();
        let valid = g.graphs.iter().flatten().filter(|x| x.valid()).count();
        molecule_grid(
            &out.dir().join(format!("molecules_{stem}.png")),
            &format!(
                "qm9 {}: generated molecules, our bond estimate ({valid} of {} valid; red: invalid)",
                g.name,
                g.molecules.len()
            ),
            &drawings,
            8,
            3.2,
        )?;
    }
    Ok(())
}

/// The XYZ records of a combination's finite molecules.
fn records(g: &Generated) -> Vec<XyzRecord> {
    g.molecules
        .iter()
        .zip(&g.graphs)
        .enumerate()
        .filter_map(|(i, (m, graph))| {
            let m = m.as_ref()?;
            let (valid, smiles) = graph
                .as_ref()
                .map_or((false, String::new()), |x| (x.valid(), x.to_smiles()));
            Some(XyzRecord::new(
                m.clone(),
                format!(
                    "combination={} index={i} valid={valid} smiles={smiles}",
                    g.name
                ),
            ))
        })
        .collect()
}

/// CPK-like colours and disc radii (pixels).
fn atom_style(e: Element) -> (RGBColor, u32) {
    match e {
        Element::H => (RGBColor(200, 200, 200), 4),
        Element::C => (RGBColor(60, 60, 60), 7),
        Element::N => (RGBColor(48, 80, 248), 7),
        Element::O => (RGBColor(230, 30, 30), 7),
        Element::F => (RGBColor(60, 190, 60), 7),
    }
}

/// A molecule projected onto its two principal axes, with its graph's bonds.
fn drawing(m: &Molecule, graph: &MolGraph) -> MoleculeDrawing {
    let n = m.positions.len().max(1) as f64;
    let mut c = Vector3::zeros();
    for p in &m.positions {
        c += Vector3::from(*p) / n;
    }
    let mut cov = Matrix3::zeros();
    for p in &m.positions {
        let d = Vector3::from(*p) - c;
        cov += d * d.transpose();
    }
    let eig = SymmetricEigen::new(cov);
    let mut axes: Vec<(f64, Vector3<f64>)> = eig
        .eigenvalues
        .iter()
        .zip(eig.eigenvectors.column_iter())
        .map(|(&l, v)| (l, v.into_owned()))
        .collect();
    axes.sort_by(|a, b| b.0.total_cmp(&a.0));
    let points = m
        .positions
        .iter()
        .map(|p| {
            let d = Vector3::from(*p) - c;
            (d.dot(&axes[0].1), d.dot(&axes[1].1))
        })
        .collect();
    MoleculeDrawing {
        points,
        atoms: m.elements.iter().map(|&e| atom_style(e)).collect(),
        bonds: graph.bonds.iter().map(|b| (b.a, b.b, b.order)).collect(),
        label: if graph.valid() {
            graph.to_smiles()
        } else {
            format!("invalid {}", graph.to_smiles())
        },
        flagged: !graph.valid(),
    }
}
