//! Box plots of several groups of values with an optional horizontal reference line.

use super::{color, err, font::ensure_font, range_of, PlotError};
use crate::metrics::quartiles;
use plotters::prelude::*;
use std::path::Path;

/// Draws one box per group (quartiles, whiskers to the most extreme values within 1.5 IQR of the box, the
/// values beyond as points) and the horizontal line `reference = (label, y)`; writes the PNG to `path`.
pub fn boxplots(
    path: &Path,
    caption: &str,
    groups: &[(String, Vec<f64>)],
    reference: Option<(&str, f64)>,
    y_label: &str,
) -> Result<(), PlotError> {
    ensure_font();
    let root =
        BitMapBackend::new(path, (220 * groups.len().max(3) as u32 + 160, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let y = range_of(
        groups
            .iter()
            .flat_map(|g| g.1.iter().copied())
            .chain(reference.map(|r| r.1)),
        0.08,
    );
    let n = groups.len() as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5..n - 0.5, y.0..y.1)
        .map_err(err)?;
    let names: Vec<String> = groups.iter().map(|g| g.0.clone()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(groups.len().max(1))
        .x_label_formatter(&|v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc(y_label)
        .label_style(("sans-serif", 14))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)?;
    for (i, (_, values)) in groups.iter().enumerate() {
        let c = color(i);
        let [q1, q2, q3] = quartiles(values);
        if !q2.is_finite() {
            continue;
        }
        let iqr = q3 - q1;
        let (lo_fence, hi_fence) = (q1 - 1.5 * iqr, q3 + 1.5 * iqr);
        let inside: Vec<f64> = values
            .iter()
            .copied()
            .filter(|v| *v >= lo_fence && *v <= hi_fence)
            .collect();
        let lo = inside.iter().copied().fold(q1, f64::min);
        let hi = inside.iter().copied().fold(q3, f64::max);
        let x = i as f64;
        let w = 0.25;
        chart
            .draw_series([Rectangle::new(
                [(x - w, q1), (x + w, q3)],
                c.mix(0.35).filled(),
            )])
            .map_err(err)?;
        chart
            .draw_series([Rectangle::new(
                [(x - w, q1), (x + w, q3)],
                c.stroke_width(2),
            )])
            .map_err(err)?;
        for seg in [
            vec![(x - w, q2), (x + w, q2)],
            vec![(x, q3), (x, hi)],
            vec![(x, q1), (x, lo)],
            vec![(x - w / 2.0, hi), (x + w / 2.0, hi)],
            vec![(x - w / 2.0, lo), (x + w / 2.0, lo)],
        ] {
            chart
                .draw_series([PathElement::new(seg, c.stroke_width(2))])
                .map_err(err)?;
        }
        chart
            .draw_series(
                values
                    .iter()
                    .filter(|v| **v < lo_fence || **v > hi_fence)
                    .map(|&v| Circle::new((x, v), 3, c.filled())),
            )
            .map_err(err)?;
    }
    if let Some((label, v)) = reference {
        chart
            .draw_series(LineSeries::new(
                vec![(-0.5, v), (n - 0.5, v)],
                BLACK.stroke_width(2),
            ))
            .map_err(err)?
            .label(label.to_owned())
            .legend(|(a, b)| PathElement::new(vec![(a, b), (a + 18, b)], BLACK.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}
