//! What a DW-4 experiment writes: `metrics.json`; each run's samples as `samples_RUN.npy` (`N × 8`, `<f4`,
//! rows `[x1, y1, …, x4, y4]`, finite samples only); and four pictures: `energies.png` and `distances.png`
//! (each run's histogram against the reference's, as a red step line), `states.png` (state shares per run
//! beside the reference's) and `configurations.png` (sampled configurations in their canonical pose, pairs
//! shorter than 3.5 drawn as bonds, like the appendix's figure 7).

use super::dw4::{Dw4Outcome, Dw4Row};
use super::samples_out::write_samples;
use super::{write_json, RunError};
use crate::output::StagedOutput;
use crate::plot::{cloud_grid, grouped_bars, histogram_panels, CloudRow, HistogramPanel};
use equistein::group::OrbitMap;
use equistein_molecules::geometry::pair_distances;
use equistein_molecules::{Histogram, Precision};

/// Configurations drawn per row.
const CONFIGURATIONS: usize = 8;

/// Writes `metrics.json`, the samples and the pictures.
pub fn write(outcome: &Dw4Outcome, out: &StagedOutput) -> Result<(), RunError> {
    write_json(out, "metrics.json", &outcome.metrics)?;
    let runs = &outcome.rows[1..];
    let reference = &outcome.rows[0];
    for row in runs {
        write_samples(out, &row.name, &row.judged.samples, Precision::F32)?;
    }
    let experiment = &outcome.metrics.experiment;
    let energies: Vec<HistogramPanel> = runs
        .iter()
        .map(|r| HistogramPanel {
            title: r.name.clone(),
            values: r.judged.energies.clone(),
        })
        .collect();
    let h = &reference.judged.energy_histogram;
    histogram_panels(
        &out.dir().join("energies.png"),
        &format!("{experiment}: DW-4 energy of the samples (red: reference)"),
        &energies,
        (h.lo(), h.hi()),
        h.counts().len(),
        &steps(h),
        "E(x)",
    )?;
    let distances: Vec<HistogramPanel> = runs
        .iter()
        .map(|r| HistogramPanel {
            title: r.name.clone(),
            values: r
                .judged
                .samples
                .iter()
                .flat_map(|x| pair_distances(x, 2))
                .collect(),
        })
        .collect();
    let h = &reference.judged.distance_histogram;
    histogram_panels(
        &out.dir().join("distances.png"),
        &format!("{experiment}: pair distances of the samples (red: reference)"),
        &distances,
        (h.lo(), h.hi()),
        h.counts().len(),
        &steps(h),
        "d_ij",
    )?;
    let mut categories: Vec<String> = (1..=5).map(|s| format!("state {s}")).collect();
    categories.push("unassigned".into());
    let series: Vec<(String, Vec<f64>)> = outcome
        .rows
        .iter()
        .map(|r| (r.name.clone(), r.judged.shares.fractions().to_vec()))
        .collect();
    grouped_bars(
        &out.dir().join("states.png"),
        &format!("{experiment}: meta-stable state of each sample after a quench"),
        &categories,
        &series,
        "share",
    )?;
    let rows = outcome
        .rows
        .iter()
        .map(cloud_row)
        .collect::<Result<Vec<_>, _>>()?;
    cloud_grid(
        &out.dir().join("configurations.png"),
        &format!("{experiment}: configurations in their canonical pose"),
        &rows,
        4.5,
        3.5,
    )?;
    Ok(())
}

/// The histogram's densities as a step line.
fn steps(h: &Histogram) -> Vec<(f64, f64)> {
    let edges = h.edges();
    h.densities()
        .iter()
        .enumerate()
        .flat_map(|(i, &d)| [(edges[i], d), (edges[i + 1], d)])
        .collect()
}

/// Configurations spread evenly over a row's samples, each mapped to its canonical pose (centred, farthest particle on +x).
fn cloud_row(row: &Dw4Row) -> Result<CloudRow, RunError> {
    let frame = super::dw4_evaluation::frame()?;
    let mut pose = [0.0f64; 8];
    let xs = &row.judged.samples;
    let k = CONFIGURATIONS.min(xs.len());
    let clouds = (0..k)
        .map(|i| {
            frame.map(xs.particle(i * xs.len() / k), &mut pose);
            pose.chunks_exact(2).map(|p| (p[0], p[1])).collect()
        })
        .collect();
    Ok(CloudRow {
        title: row.name.clone(),
        clouds,
    })
}
