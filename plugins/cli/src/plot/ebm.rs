//! The EBM experiments' picture: one row per model (the target first), heatmaps with samples, and the samples
//! in the group-factorized space.

use super::{err, font::ensure_font, heat, DensityGrid, PlotError};
use equistein::Particles;
use plotters::prelude::*;
use std::path::Path;

/// One row: its title, its heatmaps (the first is drawn without samples when `first_is_boundary`), its samples.
pub type EbmGridRow = (String, Vec<DensityGrid>, Particles<f64>);

/// Draws the grid and writes the PNG. Columns: the heatmaps, then the samples in the factorized space (the C4
/// wedge `x₀ ≥ |x₁|` when `c4`, else `(‖x‖, 0)`).
pub fn ebm_grid(
    path: &Path,
    caption: &str,
    columns: &[&str],
    rows: &[EbmGridRow],
    extent: f64,
    c4: bool,
) -> Result<(), PlotError> {
    ensure_font();
    let cols = rows.iter().map(|r| r.1.len()).max().unwrap_or(0) + 1;
    let side = 300u32;
    let root = BitMapBackend::new(path, (cols as u32 * side, rows.len() as u32 * side + 40))
        .into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (top, body) = root.split_vertically(40);
    top.titled(caption, ("sans-serif", 20)).map_err(err)?;
    let areas = body.split_evenly((rows.len(), cols));
    for (r, (name, grids, samples)) in rows.iter().enumerate() {
        let pts: Vec<(f64, f64)> = samples.iter().map(|x| (x[0], x[1])).collect();
        for (cidx, area) in areas[r * cols..(r + 1) * cols].iter().enumerate() {
            let col = columns.get(cidx).copied().unwrap_or("");
            let title = format!("{name}: {col}");
            if cidx < grids.len() {
                let g = &grids[cidx];
                let mut chart = ChartBuilder::on(area)
                    .caption(title, ("sans-serif", 13))
                    .margin(5)
                    .x_label_area_size(20)
                    .y_label_area_size(28)
                    .build_cartesian_2d(-extent..extent, -extent..extent)
                    .map_err(err)?;
                chart
                    .configure_mesh()
                    .disable_mesh()
                    .x_labels(5)
                    .y_labels(5)
                    .label_style(("sans-serif", 10))
                    .draw()
                    .map_err(err)?;
                let max = g
                    .values
                    .iter()
                    .copied()
                    .filter(|v| v.is_finite())
                    .fold(0.0, f64::max);
                let dx = (g.x.1 - g.x.0) / g.nx as f64;
                let dy = (g.y.1 - g.y.0) / g.ny as f64;
                if max > 0.0 {
                    chart
                        .draw_series(g.values.iter().enumerate().filter_map(|(k, &v)| {
                            if !v.is_finite() {
                                return None;
                            }
                            let (i, j) = ((k % g.nx) as f64, (k / g.nx) as f64);
                            let (x0, y0) = (g.x.0 + i * dx, g.y.0 + j * dy);
                            Some(Rectangle::new(
                                [(x0, y0), (x0 + dx, y0 + dy)],
                                heat(v / max).filled(),
                            ))
                        }))
                        .map_err(err)?;
                }
                if cidx > 0 || grids.len() == 1 {
                    chart
                        .draw_series(
                            pts.iter()
                                .filter(|p| p.0.abs() <= extent && p.1.abs() <= extent)
                                .map(|&p| Circle::new(p, 1, RGBColor(20, 20, 220).filled())),
                        )
                        .map_err(err)?;
                }
            } else {
                let folded: Vec<(f64, f64)> = pts
                    .iter()
                    .map(|&(a, b)| {
                        if c4 {
                            let (mut a, mut b) = (a, b);
                            for _ in 0..4 {
                                if a >= b.abs() {
                                    break;
                                }
                                (a, b) = (b, -a); // rotate by −90°
                            }
                            (a, b)
                        } else {
                            ((a * a + b * b).sqrt(), 0.0)
                        }
                    })
                    .collect();
                let (ylo, yhi) = if c4 { (-extent, extent) } else { (-1.0, 1.0) };
                let mut chart = ChartBuilder::on(area)
                    .caption(title, ("sans-serif", 13))
                    .margin(5)
                    .x_label_area_size(20)
                    .y_label_area_size(28)
                    .build_cartesian_2d(0.0..extent * 1.2, ylo..yhi)
                    .map_err(err)?;
                chart
                    .configure_mesh()
                    .x_labels(5)
                    .y_labels(5)
                    .label_style(("sans-serif", 10))
                    .draw()
                    .map_err(err)?;
                chart
                    .draw_series(
                        folded
                            .iter()
                            .filter(|p| p.0 <= extent * 1.2 && p.1 >= ylo && p.1 <= yhi)
                            .map(|&p| Circle::new(p, 1, RGBColor(200, 30, 30).filled())),
                    )
                    .map_err(err)?;
            }
        }
    }
    root.present().map_err(err)?;
    Ok(())
}
