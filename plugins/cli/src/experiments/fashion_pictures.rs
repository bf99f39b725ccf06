//! What `fashion-mnist` writes: `metrics.json`; per combination `samples_COMBINATION.npy` (the class-conditional
//! samples, `N × 784` `<f4`, rows class-major: `per_class` images of class 0, then class 1, …) and
//! `samples_COMBINATION.png` (a row per class,
//! labelled with the class name, its class-conditional samples clamped to `[0, 1]` for display); and
//! `accuracy.png`, the per-class accuracy on the upright and on the rotated test set of every combination as
//! grouped bars.

use super::fashion_mnist::FashionOutcome;
use super::samples_out::{file_stem, write_samples};
use super::{write_json, RunError};
use crate::output::StagedOutput;
use crate::plot::grouped_bars;
use equistein_molecules::Precision;
use equistein_vision::fashion::{CLASSES, PIXELS, SIDE};
use equistein_vision::{GridOptions, ImageGrid, CLASS_NAMES};

/// Writes `metrics.json` and the pictures.
pub fn write(outcome: &FashionOutcome, out: &StagedOutput) -> Result<(), RunError> {
    write_json(out, "metrics.json", &outcome.metrics)?;
    let vision = |e: equistein_vision::Error| RunError::Io(format!("sample grid: {e}"));
    for row in &outcome.rows {
        write_samples(out, &row.name, &row.samples, Precision::F32)?;
        let mut grid = ImageGrid::new(SIDE, SIDE, 1).map_err(vision)?;
        let n = row.per_class * PIXELS;
        for (y, images) in row.samples.as_slice().chunks(n).enumerate().take(CLASSES) {
            // Non-finite pixels are drawn black, the rest clamped to the displayed range.
            let shown: Vec<f32> = images
                .iter()
                .map(|&v| {
                    if v.is_finite() {
                        v.clamp(0.0, 1.0)
                    } else {
                        0.0
                    }
                })
                .collect();
            grid.push_row(Some(CLASS_NAMES[y]), &shown)
                .map_err(vision)?;
        }
        let file = format!("samples_{}.png", file_stem(&row.name));
        grid.write_png(out.dir().join(&file), &GridOptions::default())
            .map_err(|e| RunError::Io(format!("cannot write {file}: {e}")))?;
    }
    let categories: Vec<String> = CLASS_NAMES.iter().map(|s| s.to_string()).collect();
    let mut series = Vec::new();
    for (name, r) in &outcome.metrics.runs.0 {
        series.push((format!("{name} upright"), r.per_class_accuracy.clone()));
        series.push((
            format!("{name} rotated"),
            r.rotated_per_class_accuracy.clone(),
        ));
    }
    grouped_bars(
        &out.dir().join("accuracy.png"),
        "fashion-mnist: test accuracy per class, upright and rotated by k·90°",
        &categories,
        &series,
        "accuracy",
    )?;
    Ok(())
}
