//! The statistics of one particle set: mean log π, KSD, MMD against a fresh exact sample, orbit statistics.

use super::target::{ToyTarget, Truth};
use super::RunError;
use crate::metrics::SampleStats;
use crate::streams::{stream, Purpose};
use equistein::diagnostics::{ksd_imq, mean_log_prob, mmd_rbf};
use equistein::Particles;

/// Computes the statistics of `p`; the MMD's exact sample (of `mmd_samples` points) comes from the stream
/// `mmd_stream` under `seed`. With `truth`, the orbit statistics are added.
pub fn sample_stats(
    target: &ToyTarget,
    p: &Particles<f64>,
    seed: u64,
    mmd_stream: u64,
    mmd_samples: usize,
    truth: Option<&Truth>,
) -> Result<SampleStats, RunError> {
    let energy = target.energy();
    let mean_log_prob = mean_log_prob(energy, p).map_err(|e| RunError::core("mean log π", e))?;
    let ksd = ksd_imq(energy, p).map_err(|e| RunError::core("KSD", e))?;
    let exact = target.sample_exact(
        &mut stream(seed, Purpose::MmdSample(mmd_stream)),
        mmd_samples,
    );
    let mmd = mmd_rbf(p, &exact, None).map_err(|e| RunError::core("MMD", e))?;
    let orbit = truth.map(|t| target.orbit_stats(p, t)).transpose()?;
    Ok(SampleStats {
        particles: p.len(),
        mean_log_prob,
        ksd,
        mmd,
        mmd_samples,
        orbit,
    })
}
