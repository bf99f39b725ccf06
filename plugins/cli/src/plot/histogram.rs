//! Histograms of a scalar per panel against a reference density curve (radii of the particles against the
//! true radial marginal).

use super::{err, font::ensure_font, grid_shape, PlotError};
use plotters::prelude::*;
use std::path::Path;

/// One histogram panel.
#[derive(Debug, Clone)]
pub struct HistogramPanel {
    /// The title (the sampler's name).
    pub title: String,
    /// The values binned.
    pub values: Vec<f64>,
}

/// Draws one density-normalised histogram per panel over `range` with `bins` bins, each with the reference
/// density `curve` (pairs `(value, density)`) as a line, and writes the PNG to `path`.
pub fn histogram_panels(
    path: &Path,
    caption: &str,
    panels: &[HistogramPanel],
    range: (f64, f64),
    bins: usize,
    curve: &[(f64, f64)],
    x_label: &str,
) -> Result<(), PlotError> {
    ensure_font();
    let bins = bins.max(1);
    let width = (range.1 - range.0) / bins as f64;
    let (rows, cols) = grid_shape(panels.len(), 3);
    let root =
        BitMapBackend::new(path, (cols as u32 * 420, rows as u32 * 320 + 40)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (top, body) = root.split_vertically(40);
    top.titled(caption, ("sans-serif", 22)).map_err(err)?;
    let areas = body.split_evenly((rows, cols));
    let curve_max = curve
        .iter()
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    for (panel, area) in panels.iter().zip(areas.iter()) {
        let mut counts = vec![0usize; bins];
        for &v in &panel.values {
            if v >= range.0 && v <= range.1 {
                let b = (((v - range.0) / width) as usize).min(bins - 1);
                counts[b] += 1;
            }
        }
        let n = panel.values.len().max(1) as f64;
        let heights: Vec<f64> = counts.iter().map(|&c| c as f64 / (n * width)).collect();
        let hmax = heights.iter().copied().fold(curve_max, f64::max).max(1e-12) * 1.08;
        let mut chart = ChartBuilder::on(area)
            .caption(&panel.title, ("sans-serif", 18))
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(45)
            .build_cartesian_2d(range.0..range.1, 0.0..hmax)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(x_label)
            .y_desc("density")
            .x_labels(6)
            .y_labels(5)
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(
                heights
                    .iter()
                    .enumerate()
                    .filter(|(_, &h)| h > 0.0)
                    .map(|(b, &h)| {
                        let x0 = range.0 + b as f64 * width;
                        Rectangle::new(
                            [(x0, 0.0), (x0 + width, h)],
                            RGBColor(31, 119, 180).mix(0.6).filled(),
                        )
                    }),
            )
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                curve.iter().copied(),
                RGBColor(214, 39, 40).stroke_width(2),
            ))
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}
