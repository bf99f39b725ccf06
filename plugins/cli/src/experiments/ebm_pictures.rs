//! The EBM experiments' outputs: `metrics.json`, `samples_MODEL.npy` and `ebm.png` (a row per learned model under the target's
//! row: heatmaps, then the samples in the original and the group-factorized space).

use super::ebm_metrics::EbmOutcome;
use super::samples_out::write_samples;
use super::{write_json, RunError};
use crate::output::StagedOutput;
use equistein_molecules::Precision;

/// How the picture is labelled.
#[derive(Debug, Clone, Copy)]
pub struct EbmPicture {
    /// The figure's caption.
    pub caption: &'static str,
    /// Column titles: one per heatmap, then the factorized-space scatter.
    pub columns: &'static [&'static str],
    /// Whether the factorized space is C4's wedge (otherwise the norm map's `(‖x‖, 0)`).
    pub c4_wedge: bool,
}

/// Writes `metrics.json`, each learned model's samples as `samples_MODEL.npy` (`N × 2`, `<f8`) and `ebm.png`.
pub fn write_ebm(
    outcome: &EbmOutcome,
    picture: &EbmPicture,
    out: &StagedOutput,
) -> Result<(), RunError> {
    write_json(out, "metrics.json", &outcome.metrics)?;
    for row in &outcome.rows {
        write_samples(out, &row.name, &row.samples, Precision::F64)?;
    }
    crate::plot::ebm_grid(
        &out.dir().join("ebm.png"),
        picture.caption,
        picture.columns,
        &outcome
            .rows
            .iter()
            .map(|r| (r.name.clone(), r.grids.clone(), r.samples.clone()))
            .collect::<Vec<_>>(),
        outcome.extent,
        picture.c4_wedge,
    )?;
    Ok(())
}
