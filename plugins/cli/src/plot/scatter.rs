//! Panels of particles over a density heatmap (one panel per sampler).

use super::{err, font::ensure_font, grid_shape, heat, PlotError};
use plotters::prelude::*;
use std::path::Path;

/// A density evaluated on a regular grid of cell centres; NaN marks cells outside the region drawn.
#[derive(Debug, Clone)]
pub struct DensityGrid {
    /// The x range covered.
    pub x: (f64, f64),
    /// The y range covered.
    pub y: (f64, f64),
    /// Cells along x.
    pub nx: usize,
    /// Cells along y.
    pub ny: usize,
    /// `values[j * nx + i]` at the centre of cell (i, j).
    pub values: Vec<f64>,
}

impl DensityGrid {
    /// Evaluates `f(x, y)` at the centre of every cell.
    pub fn new(
        x: (f64, f64),
        y: (f64, f64),
        nx: usize,
        ny: usize,
        f: impl Fn(f64, f64) -> f64,
    ) -> Self {
        let (nx, ny) = (nx.max(1), ny.max(1));
        let dx = (x.1 - x.0) / nx as f64;
        let dy = (y.1 - y.0) / ny as f64;
        let mut values = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            for i in 0..nx {
                values.push(f(x.0 + (i as f64 + 0.5) * dx, y.0 + (j as f64 + 0.5) * dy));
            }
        }
        DensityGrid {
            x,
            y,
            nx,
            ny,
            values,
        }
    }

    fn max(&self) -> f64 {
        self.values
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
    }
}

/// One panel: a title and 2-D points.
#[derive(Debug, Clone)]
pub struct ScatterPanel {
    /// The panel's title (the sampler's name).
    pub title: String,
    /// The points drawn.
    pub points: Vec<(f64, f64)>,
}

/// Draws `panels` side by side (at most three per row), each over the density heatmap, with optional circles
/// of the given radii about the origin, and writes the PNG to `path`.
#[allow(clippy::too_many_arguments)]
pub fn scatter_panels(
    path: &Path,
    caption: &str,
    panels: &[ScatterPanel],
    density: Option<&DensityGrid>,
    x: (f64, f64),
    y: (f64, f64),
    circles: &[f64],
    labels: (&str, &str),
) -> Result<(), PlotError> {
    ensure_font();
    let (rows, cols) = grid_shape(panels.len(), 3);
    let side = 380u32;
    let root =
        BitMapBackend::new(path, (cols as u32 * side, rows as u32 * side + 40)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (top, body) = root.split_vertically(40);
    top.titled(caption, ("sans-serif", 22)).map_err(err)?;
    let areas = body.split_evenly((rows, cols));
    let dmax = density.map(|d| d.max()).unwrap_or(0.0);
    for (panel, area) in panels.iter().zip(areas.iter()) {
        let inside: Vec<(f64, f64)> = panel
            .points
            .iter()
            .copied()
            .filter(|&(a, b)| a >= x.0 && a <= x.1 && b >= y.0 && b <= y.1)
            .collect();
        let outside = panel.points.len() - inside.len();
        let title = if outside > 0 {
            format!("{} ({} outside)", panel.title, outside)
        } else {
            panel.title.clone()
        };
        let mut chart = ChartBuilder::on(area)
            .caption(title, ("sans-serif", 18))
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(38)
            .build_cartesian_2d(x.0..x.1, y.0..y.1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(labels.0)
            .y_desc(labels.1)
            .x_labels(5)
            .y_labels(5)
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(err)?;
        if let Some(d) = density {
            if dmax > 0.0 {
                let dx = (d.x.1 - d.x.0) / d.nx as f64;
                let dy = (d.y.1 - d.y.0) / d.ny as f64;
                chart
                    .draw_series(d.values.iter().enumerate().filter_map(|(k, &v)| {
                        if !v.is_finite() {
                            return None;
                        }
                        let (i, j) = ((k % d.nx) as f64, (k / d.nx) as f64);
                        let x0 = d.x.0 + i * dx;
                        let y0 = d.y.0 + j * dy;
                        Some(Rectangle::new(
                            [(x0, y0), (x0 + dx, y0 + dy)],
                            heat(v / dmax).filled(),
                        ))
                    }))
                    .map_err(err)?;
            }
        }
        for &r in circles {
            chart
                .draw_series(LineSeries::new(
                    (0..=180).map(|k| {
                        let t = std::f64::consts::TAU * k as f64 / 180.0;
                        (r * t.cos(), r * t.sin())
                    }),
                    RGBColor(120, 120, 120).stroke_width(1),
                ))
                .map_err(err)?;
        }
        chart
            .draw_series(
                inside
                    .iter()
                    .map(|&p| Circle::new(p, 3, RGBColor(200, 30, 30).filled())),
            )
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}
