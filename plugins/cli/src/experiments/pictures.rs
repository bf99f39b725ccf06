//! The toys' pictures: particles over the target density in the original space (`samples.png`) and in the
//! group-factorized space (`factorized.png`).

use super::target::ToyTarget;
use super::toy::ToyOutcome;
use crate::plot::{
    histogram_panels, scatter_panels, DensityGrid, HistogramPanel, PlotError, ScatterPanel,
};
use equistein::group::WedgeMap;
use equistein::{OrbitMap, Particles};
use std::path::Path;

/// Grid cells per axis of the density heatmaps.
const GRID: usize = 110;

/// The exact sample first, then every sampler's particles.
fn sets(outcome: &ToyOutcome) -> Vec<(String, &Particles<f64>)> {
    let mut v = vec![(
        format!("exact sample ({})", outcome.exact.len()),
        &outcome.exact,
    )];
    v.extend(outcome.finals.iter().map(|(n, p)| (n.clone(), p)));
    v
}

/// The first two coordinates of every particle (0 for a missing second coordinate).
fn project(p: &Particles<f64>) -> Vec<(f64, f64)> {
    p.iter()
        .map(|x| (x[0], x.get(1).copied().unwrap_or(0.0)))
        .collect()
}

/// Writes `samples.png` and `factorized.png` into `dir`.
pub fn toy_pictures(outcome: &ToyOutcome, dir: &Path) -> Result<(), PlotError> {
    let target = &outcome.target;
    let name = &outcome.metrics.experiment;
    let r = target.extent();
    let d = target.dim();
    let panels: Vec<ScatterPanel> = sets(outcome)
        .into_iter()
        .map(|(title, p)| ScatterPanel {
            title,
            points: project(p),
        })
        .collect();
    let circles: Vec<f64> = match target {
        ToyTarget::Radial { mixture } => mixture.radii().to_vec(),
        ToyTarget::Gaussians { .. } => Vec::new(),
    };
    let density = (d == 2).then(|| {
        DensityGrid::new((-r, r), (-r, r), GRID, GRID, |a, b| {
            target.log_prob(&[a, b]).exp()
        })
    });
    let caption = if d == 2 {
        format!("{name}: particles over the target density")
    } else {
        format!("{name}: particles projected on (x0, x1), d = {d}; circles at the ring radii")
    };
    scatter_panels(
        &dir.join("samples.png"),
        &caption,
        &panels,
        density.as_ref(),
        (-r, r),
        (-r, r),
        &circles,
        ("x0", "x1"),
    )?;

    match target {
        ToyTarget::Gaussians { group, .. } => {
            let wedge = WedgeMap::new(*group);
            let n = group.n();
            let half = if n >= 3 {
                r * (std::f64::consts::PI / n as f64).tan()
            } else {
                r
            };
            let x_range = if n == 1 { (-r, r) } else { (0.0, r) };
            let panels: Vec<ScatterPanel> = sets(outcome)
                .into_iter()
                .map(|(title, p)| ScatterPanel {
                    title,
                    points: p
                        .iter()
                        .map(|x| {
                            let mut y = [0.0; 2];
                            wedge.map(x, &mut y);
                            (y[0], y[1])
                        })
                        .collect(),
                })
                .collect();
            let density = DensityGrid::new(x_range, (-half, half), GRID, GRID, |a, b| {
                if wedge.sector(&[a, b]) == 0 {
                    target.log_prob(&[a, b]).exp()
                } else {
                    f64::NAN
                }
            });
            scatter_panels(
                &dir.join("factorized.png"),
                &format!(
                    "{name}: particles in the C{n} wedge (orbit representatives) over the density"
                ),
                &panels,
                Some(&density),
                x_range,
                (-half, half),
                &[],
                ("x0", "x1"),
            )
        }
        ToyTarget::Radial { .. } => {
            let panels: Vec<HistogramPanel> = sets(outcome)
                .into_iter()
                .map(|(title, p)| HistogramPanel {
                    title,
                    values: p
                        .iter()
                        .map(|x| x.iter().map(|v| v * v).sum::<f64>().sqrt())
                        .collect(),
                })
                .collect();
            // Cover every particle too (a short run in high dimension leaves norms far outside the rings).
            let r_max = panels
                .iter()
                .flat_map(|p| p.values.iter().copied())
                .filter(|v| v.is_finite())
                .fold(r, f64::max);
            let curve = target.radial_marginal(r_max, 400);
            histogram_panels(
                &dir.join("factorized.png"),
                &format!("{name}: ‖x‖ of the particles against the true radial density (d = {d})"),
                &panels,
                (0.0, r_max),
                60,
                &curve,
                "‖x‖",
            )
        }
    }
}
