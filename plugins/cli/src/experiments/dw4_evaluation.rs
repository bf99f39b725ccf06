//! Judging DW-4 samples: every sample is quenched by gradient descent on the true potential and assigned to one
//! of the five meta-stable states ([`equistein_molecules::Classifier`]); its energy and pair distances are
//! binned on fixed bins ([`Histogram::dw4_energy`]: `[−26, −10)` in 64 bins of 0.25;
//! [`Histogram::dw4_pair_distance`]: `[0, 8)` in 80 bins of 0.1) and compared with the reference set's by the
//! total-variation distance `½ Σ_c |p_c − q_c|` (values outside the range count in an under- or overflow bin).
//! Also: drawing the samples from `U[−b, b)^8` with a learned energy and a kernel, in independent chains.

use super::RunError;
use crate::config::Dw4Invariant;
use crate::streams::{stream, Purpose};
use equistein::group::{CanonicalFrame, PairDistances, PointCloud};
use equistein::kernel::{InvariantMap, Rbf};
use equistein::{random, Energy, Kernel, Particles, RunLimits, Sampler, Svgd};
use equistein_molecules::{
    dw4_energies, dw4_energy_histogram, dw4_pair_distance_histogram, Classifier, Histogram,
    StateShares,
};
use rayon::prelude::*;
use serde::Serialize;

/// What is measured of a DW-4 sample set.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The samples (finite rows only).
    pub samples: Particles<f64>,
    /// Rows of the sample that were not finite (dropped before judging).
    pub non_finite: usize,
    /// The DW-4 energy of each sample.
    pub energies: Vec<f64>,
    /// Their histogram.
    pub energy_histogram: Histogram,
    /// The histogram of all six pair distances of every sample.
    pub distance_histogram: Histogram,
    /// Samples per state after the quench.
    pub shares: StateShares,
}

impl Judged {
    /// Judges `xs` (rows with a non-finite coordinate are counted and dropped).
    pub fn new(xs: &Particles<f64>) -> Result<Self, RunError> {
        let finite: Vec<f64> = xs
            .iter()
            .filter(|x| x.iter().all(|v| v.is_finite()))
            .flatten()
            .copied()
            .collect();
        let samples = Particles::from_rows(8, &finite).map_err(|e| RunError::core("samples", e))?;
        let other = |e: equistein_molecules::MoleculesError| RunError::Other(e.to_string());
        Ok(Judged {
            non_finite: xs.len() - samples.len(),
            energies: dw4_energies(&samples).map_err(other)?,
            energy_histogram: dw4_energy_histogram(&samples).map_err(other)?,
            distance_histogram: dw4_pair_distance_histogram(&samples).map_err(other)?,
            shares: Classifier::default().shares(&samples).map_err(other)?,
            samples,
        })
    }

    /// The mean DW-4 energy (NaN for an empty set).
    pub fn mean_energy(&self) -> f64 {
        self.energies.iter().sum::<f64>() / self.energies.len() as f64
    }

    /// The statistics of `metrics.json`, against `reference`.
    pub fn statistics(&self, reference: &Judged) -> StateStatistics {
        let tv = |a: &Histogram, b: &Histogram| a.total_variation(b).unwrap_or(f64::NAN);
        StateStatistics {
            samples: self.samples.len(),
            non_finite: self.non_finite,
            state_shares: self.shares.fractions(),
            state_counts: self.shares.counts,
            states_found: self.shares.states_found(1),
            state_tv: self.shares.total_variation(&reference.shares),
            energy_tv: tv(&self.energy_histogram, &reference.energy_histogram),
            distance_tv: tv(&self.distance_histogram, &reference.distance_histogram),
            mean_energy: self.mean_energy(),
        }
    }
}

/// The state and histogram statistics of one sample set.
#[derive(Debug, Clone, Serialize)]
pub struct StateStatistics {
    /// Finite samples judged.
    pub samples: usize,
    /// Samples dropped for a non-finite coordinate.
    pub non_finite: usize,
    /// Shares of states 1–5, then unassigned (saddles and diverged quenches).
    pub state_shares: [f64; 6],
    /// Samples per state.
    pub state_counts: [usize; 5],
    /// States with at least one sample.
    pub states_found: usize,
    /// Total variation between the state shares and the reference's.
    pub state_tv: f64,
    /// Total variation between the energy histograms.
    pub energy_tv: f64,
    /// Total variation between the pair-distance histograms.
    pub distance_tv: f64,
    /// Mean DW-4 energy.
    pub mean_energy: f64,
}

/// The sampler of one combination: vanilla SVGD (RBF on the coordinates) or E-SVGD (RBF on an invariant map
/// of E(2) × S_4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dw4Kernel {
    /// `k(x, y) = exp(−‖x − y‖² / (2h²))`.
    Rbf(f64),
    /// `k(x, y) = exp(−‖P(x) − P(y)‖² / (2h²))` with `P` the configured invariant map.
    Invariant(f64, Dw4Invariant),
}

/// The canonical frame of four particles in the plane (E(2) × S_4, reflections quotiented).
pub fn frame() -> Result<CanonicalFrame, RunError> {
    Ok(PointCloud::new(4, 2)
        .map_err(|e| RunError::core("point cloud", e))?
        .orbit_map())
}

/// The sorted pair distances of four particles in the plane.
pub fn pair_distances() -> PairDistances {
    PairDistances::new(4, 2)
}

/// How evaluation chains run.
#[derive(Debug, Clone, Copy)]
pub struct Chains {
    /// Samples in all.
    pub samples: usize,
    /// Particles per chain.
    pub chain_size: usize,
    /// Half-width of the uniform start box.
    pub init_box: f64,
    /// The step limit and stopping rule.
    pub limits: RunLimits<f32>,
    /// The step size.
    pub step_size: f64,
}

/// What sampling cost.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct SamplingCost {
    /// Wall-clock seconds.
    pub seconds: f64,
    /// SVGD steps summed over the chains.
    pub steps: usize,
}

/// Draws `chains.samples` samples from `exp(−E)`: independent chains of `chain_size` particles started
/// uniformly in `[−b, b)^8`, run in parallel; chain `k` uses the stream `Sampler(stream_base + k)`, so the
/// result does not depend on the number of threads.
pub fn sample(
    energy: &(dyn Energy<f32> + Sync),
    kernel: Dw4Kernel,
    chains: &Chains,
    seed: u64,
    stream_base: u64,
) -> Result<(Particles<f64>, SamplingCost), RunError> {
    let count = chains.samples.div_ceil(chains.chain_size);
    let start = std::time::Instant::now();
    let results: Vec<Result<(Vec<f32>, usize), RunError>> = (0..count)
        .into_par_iter()
        .map(|k| {
            let mut rng = stream(seed, Purpose::Sampler(stream_base + k as u64));
            let n = chains
                .chain_size
                .min(chains.samples - k * chains.chain_size);
            let b = chains.init_box as f32;
            let mut p = Particles::from_fn(8, n, |_, _| random::uniform(&mut rng, -b, b));
            let steps = match kernel {
                Dw4Kernel::Rbf(h) => run_chain(rbf(h)?, energy, &mut p, chains, &mut rng)?,
                Dw4Kernel::Invariant(h, Dw4Invariant::CanonicalFrame) => {
                    let k = InvariantMap::new(frame()?, rbf(h)?);
                    run_chain(k, energy, &mut p, chains, &mut rng)?
                }
                Dw4Kernel::Invariant(h, Dw4Invariant::PairDistances) => {
                    let k = InvariantMap::new(pair_distances(), rbf(h)?);
                    run_chain(k, energy, &mut p, chains, &mut rng)?
                }
            };
            Ok((p.as_slice().to_vec(), steps))
        })
        .collect();
    let mut flat = Vec::with_capacity(chains.samples * 8);
    let mut steps = 0;
    for r in results {
        let (rows, s) = r?;
        flat.extend(rows.iter().map(|&v| f64::from(v)));
        steps += s;
    }
    let samples = Particles::from_rows(8, &flat).map_err(|e| RunError::core("samples", e))?;
    let cost = SamplingCost {
        seconds: start.elapsed().as_secs_f64(),
        steps,
    };
    Ok((samples, cost))
}

fn rbf(h: f64) -> Result<Rbf<f32>, RunError> {
    Rbf::fixed(h as f32).map_err(|e| RunError::core("kernel", e))
}

fn run_chain<K: Kernel<f32>>(
    kernel: K,
    energy: &(dyn Energy<f32> + Sync),
    p: &mut Particles<f32>,
    chains: &Chains,
    rng: &mut rand_chacha::ChaCha8Rng,
) -> Result<usize, RunError> {
    let mut svgd = Svgd::builder(kernel)
        .step_size(chains.step_size as f32)
        .build()
        .map_err(|e| RunError::core("sampler", e))?;
    let summary = svgd
        .run(energy, p, rng, chains.limits, &mut ())
        .map_err(|e| RunError::core("sampling", e))?;
    Ok(summary.steps)
}
