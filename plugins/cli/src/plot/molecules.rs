//! A grid of molecules drawn in 2-D (like the appendix's figure 13): atoms as discs in element colours, bonds as
//! one, two or three parallel lines, a label under each molecule.

use super::{err, font::ensure_font, PlotError};
use plotters::prelude::*;
use std::path::Path;

/// One molecule of the grid, already projected to the plane.
#[derive(Debug, Clone)]
pub struct MoleculeDrawing {
    /// Atom positions in the plane (Å).
    pub points: Vec<(f64, f64)>,
    /// Each atom's colour and radius in pixels.
    pub atoms: Vec<(RGBColor, u32)>,
    /// Bonds `(i, j, order)` with order 1–3 (0: no bond estimated, drawn as a dotted grey line).
    pub bonds: Vec<(usize, usize, u8)>,
    /// The label under the molecule (e.g. its SMILES, or "invalid").
    pub label: String,
    /// Whether the label is drawn in red (an invalid molecule).
    pub flagged: bool,
}

/// Draws up to `cols` molecules a row in square panels of half-width `extent` (Å) about each molecule's
/// centroid, and writes the PNG to `path`.
pub fn molecule_grid(
    path: &Path,
    caption: &str,
    molecules: &[MoleculeDrawing],
    cols: usize,
    extent: f64,
) -> Result<(), PlotError> {
    ensure_font();
    let cols = cols.max(1);
    let rows = molecules.len().div_ceil(cols).max(1);
    let side = 170u32;
    let root =
        BitMapBackend::new(path, (cols as u32 * side, rows as u32 * side + 40)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (top, body) = root.split_vertically(40);
    top.titled(caption, ("sans-serif", 20)).map_err(err)?;
    let areas = body.split_evenly((rows, cols));
    for (m, area) in molecules.iter().zip(areas.iter()) {
        let (panel, label) = area.split_vertically(side - 18);
        let n = m.points.len().max(1) as f64;
        let cx = m.points.iter().map(|p| p.0).sum::<f64>() / n;
        let cy = m.points.iter().map(|p| p.1).sum::<f64>() / n;
        let mut chart = ChartBuilder::on(&panel)
            .margin(4)
            .build_cartesian_2d(cx - extent..cx + extent, cy - extent..cy + extent)
            .map_err(err)?;
        chart
            .plotting_area()
            .draw(&Rectangle::new(
                [(cx - extent, cy - extent), (cx + extent, cy + extent)],
                RGBColor(220, 220, 220).stroke_width(1),
            ))
            .map_err(err)?;
        for &(i, j, order) in &m.bonds {
            let (Some(&a), Some(&b)) = (m.points.get(i), m.points.get(j)) else {
                continue;
            };
            for line in bond_lines(a, b, order, extent) {
                let style = if order == 0 {
                    RGBColor(180, 180, 180).stroke_width(1)
                } else {
                    RGBColor(70, 70, 70).stroke_width(2)
                };
                chart
                    .draw_series(LineSeries::new(line, style))
                    .map_err(err)?;
            }
        }
        // Atoms far from the viewer last would need depth; the projection drops it, so draw hydrogens first.
        let mut order: Vec<usize> = (0..m.points.len()).collect();
        order.sort_by_key(|&i| m.atoms.get(i).map_or(0, |a| a.1));
        chart
            .draw_series(order.iter().filter_map(|&i| {
                let (colour, r) = *m.atoms.get(i)?;
                Some(Circle::new(m.points[i], r, colour.filled()))
            }))
            .map_err(err)?;
        let colour = if m.flagged {
            RGBColor(200, 30, 30)
        } else {
            RGBColor(40, 40, 40)
        };
        let text: String = m.label.chars().take(26).collect();
        label
            .draw_text(
                &text,
                &("sans-serif", 12).into_text_style(&label).color(&colour),
                (4, 2),
            )
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

/// The segments of a bond of `order` between `a` and `b`: one line, or two / three offset in parallel.
fn bond_lines(a: (f64, f64), b: (f64, f64), order: u8, extent: f64) -> Vec<[(f64, f64); 2]> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = dx.hypot(dy);
    if len == 0.0 || order <= 1 {
        return vec![[a, b]];
    }
    let gap = extent * 0.035;
    let (nx, ny) = (-dy / len * gap, dx / len * gap);
    let offsets: &[f64] = if order == 2 {
        &[-0.5, 0.5]
    } else {
        &[-1.0, 0.0, 1.0]
    };
    offsets
        .iter()
        .map(|&o| [(a.0 + o * nx, a.1 + o * ny), (b.0 + o * nx, b.1 + o * ny)])
        .collect()
}
