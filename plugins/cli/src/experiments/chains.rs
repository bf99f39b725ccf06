//! Drawing evaluation samples from a learned energy: independent SVGD chains started uniformly in a box, run in
//! parallel, each on its own random stream (so the result does not depend on the number of threads). Used by
//! `dw4` (8 coordinates from `U[−5, 5)^8`) and `qm9` (42 coordinates from `U[0, 4)` each).

use super::RunError;
use crate::streams::{stream, Purpose};
use equistein::{random, Energy, Kernel, Particles, RunLimits, Sampler, Svgd};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

/// How evaluation chains run.
#[derive(Debug, Clone, Copy)]
pub struct Chains {
    /// Samples in all.
    pub samples: usize,
    /// Particles per chain.
    pub chain_size: usize,
    /// Every coordinate of a start is drawn from `U[lo, hi)`.
    pub start: (f64, f64),
    /// The step limit and stopping rule.
    pub limits: RunLimits<f32>,
    /// The step size.
    pub step_size: f64,
    /// The noise temperature (noisy SVGD, `x ← x + εφ + √(2εT) ξ`; 0: none).
    pub noise: f64,
}

/// What sampling cost.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct SamplingCost {
    /// Wall-clock seconds.
    pub seconds: f64,
    /// SVGD steps summed over the chains.
    pub steps: usize,
}

/// Runs one chain in place with the caller's kernel (see [`run_chain`]) and returns its step count.
pub type ChainRunner<'a> =
    dyn Fn(&mut Particles<f32>, &mut ChaCha8Rng) -> Result<usize, RunError> + Sync + 'a;

/// Draws `chains.samples` samples of dimension `dim`: `⌈samples / chain_size⌉` chains started in the box, each
/// run by `run`; chain `k` uses the stream `Sampler(stream_base + k)`.
pub fn sample_chains(
    dim: usize,
    chains: &Chains,
    seed: u64,
    stream_base: u64,
    run: &ChainRunner<'_>,
) -> Result<(Particles<f64>, SamplingCost), RunError> {
    let count = chains.samples.div_ceil(chains.chain_size);
    let start = std::time::Instant::now();
    let (lo, hi) = (chains.start.0 as f32, chains.start.1 as f32);
    let results: Vec<Result<(Vec<f32>, usize), RunError>> = (0..count)
        .into_par_iter()
        .map(|k| {
            let mut rng = stream(seed, Purpose::Sampler(stream_base + k as u64));
            let n = chains
                .chain_size
                .min(chains.samples - k * chains.chain_size);
            let mut p = Particles::from_fn(dim, n, |_, _| random::uniform(&mut rng, lo, hi));
            let steps = run(&mut p, &mut rng)?;
            Ok((p.as_slice().to_vec(), steps))
        })
        .collect();
    let mut flat = Vec::with_capacity(chains.samples * dim);
    let mut steps = 0;
    for r in results {
        let (rows, s) = r?;
        flat.extend(rows.iter().map(|&v| f64::from(v)));
        steps += s;
    }
    let samples = Particles::from_rows(dim, &flat).map_err(|e| RunError::core("samples", e))?;
    let cost = SamplingCost {
        seconds: start.elapsed().as_secs_f64(),
        steps,
    };
    Ok((samples, cost))
}

/// Runs SVGD with `kernel` on `p` from where it stands, under `chains`' step size and limits.
pub fn run_chain<K: Kernel<f32>>(
    kernel: K,
    energy: &(dyn Energy<f32> + Sync),
    p: &mut Particles<f32>,
    chains: &Chains,
    rng: &mut ChaCha8Rng,
) -> Result<usize, RunError> {
    let mut svgd = Svgd::builder(kernel)
        .step_size(chains.step_size as f32)
        .noise(chains.noise as f32)
        .build()
        .map_err(|e| RunError::core("sampler", e))?;
    let summary = svgd
        .run(energy, p, rng, chains.limits, &mut ())
        .map_err(|e| RunError::core("sampling", e))?;
    Ok(summary.steps)
}
