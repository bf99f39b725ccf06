//! A grid of small point clouds (e.g. DW-4 configurations: four particles in the plane), one row per run,
//! with the pairs closer than a threshold drawn as bonds.

use super::{err, font::ensure_font, PlotError};
use plotters::prelude::*;
use std::path::Path;

/// One row of the grid: its title and the clouds drawn (each a list of 2-D points).
#[derive(Debug, Clone)]
pub struct CloudRow {
    /// The row's title.
    pub title: String,
    /// The clouds, left to right.
    pub clouds: Vec<Vec<(f64, f64)>>,
}

/// Draws every row's clouds in square panels of half-width `extent` about the origin, joining the points of a
/// cloud closer than `bond` by a line, and writes the PNG to `path`.
pub fn cloud_grid(
    path: &Path,
    caption: &str,
    rows: &[CloudRow],
    extent: f64,
    bond: f64,
) -> Result<(), PlotError> {
    ensure_font();
    let cols = rows
        .iter()
        .map(|r| r.clouds.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let (side, title_w) = (120u32, 150u32);
    let root = BitMapBackend::new(
        path,
        (
            title_w + cols as u32 * side,
            rows.len().max(1) as u32 * side + 40,
        ),
    )
    .into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (top, body) = root.split_vertically(40);
    top.titled(caption, ("sans-serif", 20)).map_err(err)?;
    let strips = body.split_evenly((rows.len().max(1), 1));
    for (row, strip) in rows.iter().zip(strips.iter()) {
        let (label, panels) = strip.split_horizontally(title_w);
        label
            .draw_text(
                &row.title,
                &("sans-serif", 15).into_text_style(&label),
                (6, side as i32 / 2 - 8),
            )
            .map_err(err)?;
        let areas = panels.split_evenly((1, cols));
        for (cloud, area) in row.clouds.iter().zip(areas.iter()) {
            let mut chart = ChartBuilder::on(area)
                .margin(6)
                .build_cartesian_2d(-extent..extent, -extent..extent)
                .map_err(err)?;
            chart
                .plotting_area()
                .draw(&Rectangle::new(
                    [(-extent, -extent), (extent, extent)],
                    RGBColor(200, 200, 200).stroke_width(1),
                ))
                .map_err(err)?;
            for (i, &a) in cloud.iter().enumerate() {
                for &b in &cloud[i + 1..] {
                    if (a.0 - b.0).hypot(a.1 - b.1) < bond {
                        chart
                            .draw_series(LineSeries::new(
                                [a, b],
                                RGBColor(90, 90, 90).stroke_width(2),
                            ))
                            .map_err(err)?;
                    }
                }
            }
            chart
                .draw_series(
                    cloud
                        .iter()
                        .map(|&p| Circle::new(p, 5, RGBColor(31, 119, 180).filled())),
                )
                .map_err(err)?;
        }
    }
    root.present().map_err(err)?;
    Ok(())
}
