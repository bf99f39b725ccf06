//! Judging DW-4 samples: every sample is quenched by gradient descent on the true potential and assigned to one
//! of the five meta-stable states ([`equistein_molecules::Classifier`]); its energy and pair distances are
//! binned on fixed bins ([`Histogram::dw4_energy`]: `[−26, −10)` in 64 bins of 0.25;
//! [`Histogram::dw4_pair_distance`]: `[0, 8)` in 80 bins of 0.1) and compared with the reference set's by the
//! total-variation distance `½ Σ_c |p_c − q_c|` (values outside the range count in an under- or overflow bin).
//! Also: drawing the samples from `U[−b, b)^8` with a learned energy and the combination's kernel.

use super::chains::{run_chain, sample_chains, Chains, SamplingCost};
use super::RunError;
use crate::config::Dw4Invariant;
use equistein::group::{CanonicalFrame, PairDistances, PointCloud};
use equistein::kernel::{InvariantMap, Rbf};
use equistein::{Energy, Particles};
use equistein_molecules::{
    dw4_energies, dw4_energy_histogram, dw4_pair_distance_histogram, Classifier, Histogram,
    StateShares,
};
use rand_chacha::ChaCha8Rng;
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

/// Draws `chains.samples` samples from `exp(−E)` in independent chains ([`sample_chains`]) with the
/// combination's kernel.
pub fn sample(
    energy: &(dyn Energy<f32> + Sync),
    kernel: Dw4Kernel,
    chains: &Chains,
    seed: u64,
    stream_base: u64,
) -> Result<(Particles<f64>, SamplingCost), RunError> {
    let run = |p: &mut Particles<f32>, rng: &mut ChaCha8Rng| match kernel {
        Dw4Kernel::Rbf(h) => run_chain(rbf(h)?, energy, p, chains, rng),
        Dw4Kernel::Invariant(h, Dw4Invariant::CanonicalFrame) => {
            run_chain(InvariantMap::new(frame()?, rbf(h)?), energy, p, chains, rng)
        }
        Dw4Kernel::Invariant(h, Dw4Invariant::PairDistances) => {
            let k = InvariantMap::new(pair_distances(), rbf(h)?);
            run_chain(k, energy, p, chains, rng)
        }
    };
    sample_chains(8, chains, seed, stream_base, &run)
}

fn rbf(h: f64) -> Result<Rbf<f32>, RunError> {
    Rbf::fixed(h as f32).map_err(|e| RunError::core("kernel", e))
}
