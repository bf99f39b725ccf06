//! Pictures (plotters, PNG, text in the bundled DejaVu Sans font so that no system font library is needed).
//!
//! The helpers take plain numbers (points, grids of density values, curves), not library types, and keep
//! rendering cheap: one density grid per picture, shared by its panels.

mod bars;
mod boxplot;
mod clouds;
mod ebm;
mod font;
mod histogram;
mod lines;
mod molecules;
mod scatter;

pub use bars::grouped_bars;
pub use boxplot::boxplots;
pub use clouds::{cloud_grid, CloudRow};
pub use ebm::{ebm_grid, EbmGridRow};
pub use histogram::{histogram_panels, HistogramPanel};
pub use lines::{line_chart, Series};
pub use molecules::{molecule_grid, MoleculeDrawing};
pub use scatter::{scatter_panels, DensityGrid, ScatterPanel};

use core::fmt;
use plotters::style::RGBColor;

/// A picture could not be drawn or written.
#[derive(Debug, Clone)]
pub struct PlotError(pub String);

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "drawing failed: {}", self.0)
    }
}

impl std::error::Error for PlotError {}

pub(crate) fn err<E: fmt::Display>(e: E) -> PlotError {
    PlotError(e.to_string())
}

/// The colours of successive series.
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

/// The colour of series `i`.
pub(crate) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A sequential white → blue colour for `t ∈ [0, 1]` (square-root scaled so that the tails show).
pub(crate) fn heat(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0).sqrt();
    let lerp = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(lerp(255.0, 40.0), lerp(255.0, 90.0), lerp(255.0, 170.0))
}

/// Rows and columns of a grid of `n` panels with at most `max_cols` columns.
pub(crate) fn grid_shape(n: usize, max_cols: usize) -> (usize, usize) {
    let cols = n.clamp(1, max_cols);
    (n.div_ceil(cols).max(1), cols)
}

/// A finite range `(lo, hi)` covering `values`, padded by `pad` of its width (±1 around a single value).
pub(crate) fn range_of(values: impl IntoIterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let w = hi - lo;
    if w <= 1e-12 * lo.abs().max(1.0) {
        return (lo - 1.0, hi + 1.0);
    }
    (lo - pad * w, hi + pad * w)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders every kind of picture; the files must be PNGs. Set `EQUISTEIN_PLOT_DIR` to keep them for
    /// inspection.
    #[test]
    fn every_picture_renders() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = std::env::var_os("EQUISTEIN_PLOT_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| tmp.path().to_path_buf());
        let grid = DensityGrid::new((-10.0, 10.0), (-10.0, 10.0), 100, 100, |x, y| {
            let r = (x * x + y * y).sqrt();
            (-(r - 4.0).powi(2) * 2.0).exp() + (-(r - 8.0).powi(2) * 2.0).exp()
        });
        let pts: Vec<(f64, f64)> = (0..50)
            .map(|i| {
                let t = i as f64 * 0.7;
                let r = if i % 2 == 0 { 4.0 } else { 8.0 };
                (r * t.cos(), r * t.sin())
            })
            .collect();
        let panels = vec![
            ScatterPanel {
                title: "svgd".into(),
                points: pts.clone(),
            },
            ScatterPanel {
                title: "esvgd-scalar".into(),
                points: pts.iter().map(|p| (p.0 * 1.3, p.1)).collect(),
            },
        ];
        let p = dir.join("scatter.png");
        scatter_panels(
            &p,
            "circles: samples",
            &panels,
            Some(&grid),
            (-10.0, 10.0),
            (-10.0, 10.0),
            &[4.0, 8.0],
            ("x0", "x1"),
        )
        .unwrap();
        let h = dir.join("hist.png");
        let curve: Vec<(f64, f64)> = (0..200)
            .map(|i| {
                let r = i as f64 * 0.06;
                (r, 0.3 * (-(r - 4.0).powi(2) * 2.0).exp())
            })
            .collect();
        histogram_panels(
            &h,
            "radii",
            &[HistogramPanel {
                title: "svgd".into(),
                values: (0..50).map(|i| 3.5 + i as f64 * 0.02).collect(),
            }],
            (0.0, 12.0),
            48,
            &curve,
            "‖x‖",
        )
        .unwrap();
        let l = dir.join("lines.png");
        line_chart(
            &l,
            "mean log π",
            &[Series {
                name: "svgd-n20".into(),
                points: (0..50)
                    .map(|i| (i as f64 * 10.0, -5.0 + (i as f64).sqrt() * 0.5))
                    .collect(),
            }],
            Some(("exact", -1.4)),
            ("step", "mean log π"),
            None,
        )
        .unwrap();
        let b = dir.join("box.png");
        boxplots(
            &b,
            "final mean log π",
            &[
                ("svgd".into(), vec![-3.0, -2.5, -2.0, -1.9, -8.0]),
                ("esvgd-scalar".into(), vec![-1.5, -1.4, -1.45]),
            ],
            Some(("true", -1.42)),
            "mean log π",
        )
        .unwrap();
        let g = dir.join("bars.png");
        grouped_bars(
            &g,
            "state shares",
            &["1".into(), "2".into(), "3".into()],
            &[
                ("reference".into(), vec![0.2, 0.5, 0.3]),
                ("run".into(), vec![0.1, 0.6, f64::NAN]),
            ],
            "share",
        )
        .unwrap();
        let c = dir.join("clouds.png");
        cloud_grid(
            &c,
            "configurations",
            &[CloudRow {
                title: "reference".into(),
                clouds: vec![vec![(0.0, 0.0), (2.5, 0.0), (0.0, 2.5), (-3.0, -3.0)]; 3],
            }],
            5.0,
            3.5,
        )
        .unwrap();
        for f in [p, h, l, b, g, c] {
            let bytes = std::fs::read(&f).unwrap();
            assert_eq!(&bytes[1..4], b"PNG", "{}", f.display());
        }
    }
}
