//! A line chart of several series with an optional horizontal reference line.

use super::{color, err, font::ensure_font, range_of, PlotError};
use plotters::prelude::*;
use std::path::Path;

/// One named series of `(x, y)` points.
#[derive(Debug, Clone)]
pub struct Series {
    /// The legend entry.
    pub name: String,
    /// The points.
    pub points: Vec<(f64, f64)>,
}

/// Draws the series (one colour each, with a legend) and the horizontal line `reference = (label, y)`, and
/// writes the PNG to `path`. `y_floor` cuts the y range from below (early values far below the rest would
/// squash the interesting part).
pub fn line_chart(
    path: &Path,
    caption: &str,
    series: &[Series],
    reference: Option<(&str, f64)>,
    labels: (&str, &str),
    y_floor: Option<f64>,
) -> Result<(), PlotError> {
    ensure_font();
    let root = BitMapBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let x = range_of(
        series.iter().flat_map(|s| s.points.iter().map(|p| p.0)),
        0.0,
    );
    let ys = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .chain(reference.map(|r| r.1))
        .filter(|&v| y_floor.is_none_or(|f| v >= f));
    let y = range_of(ys, 0.05);
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(labels.0)
        .y_desc(labels.1)
        .x_label_formatter(&|v: &f64| {
            if x.1 - x.0 >= 10.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.2}")
            }
        })
        .label_style(("sans-serif", 14))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)?;
    for (i, s) in series.iter().enumerate() {
        let c = color(i);
        let pts: Vec<(f64, f64)> = s.points.iter().map(|&(a, b)| (a, b.max(y.0))).collect();
        chart
            .draw_series(LineSeries::new(pts, c.stroke_width(2)))
            .map_err(err)?
            .label(s.name.clone())
            .legend(move |(a, b)| PathElement::new(vec![(a, b), (a + 18, b)], c.stroke_width(2)));
    }
    if let Some((label, v)) = reference {
        chart
            .draw_series(LineSeries::new(
                vec![(x.0, v), (x.1, v)],
                BLACK.stroke_width(2),
            ))
            .map_err(err)?
            .label(label.to_owned())
            .legend(|(a, b)| PathElement::new(vec![(a, b), (a + 18, b)], BLACK.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}
