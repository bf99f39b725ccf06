//! DW-4 data sets: loading a file centred, and the paper's five-state training set.

use crate::error::{MoleculesError, Result};
use crate::geometry::center;
use crate::states::STATES;
use equistein::{Particles, Real};
use rand_core::RngCore;
use std::path::Path;

/// The dimension of a DW-4 row `[x1, y1, …, x4, y4]`.
pub const DW4_DIM: usize = 8;

/// Reads a DW-4 file (`.npy`, else raw little-endian f32; see [`crate::io::read_particles`]) and centres every
/// sample (`fixed_DW4` and the EFM splits are not centred). A file without rows is [`MoleculesError::Empty`].
pub fn load_dw4<T: Real>(path: impl AsRef<Path>) -> Result<Particles<T>> {
    let path = path.as_ref();
    let mut xs = crate::io::read_particles(path, DW4_DIM)?;
    if xs.is_empty() {
        return Err(MoleculesError::Empty {
            path: path.to_path_buf(),
        });
    }
    center(&mut xs, 2);
    Ok(xs)
}

/// The paper's DW-4 training set (Section 5): each of the five meta-stable states ([`STATES`]) repeated
/// `copies` times, plus independent Gaussian noise `N(0, σ²)` on every coordinate, then each sample centred.
/// Rows are state-major: row `r` is a copy of `STATES[r / copies]`. Defaults: 200 copies, σ = 0.1
/// (1,000 samples).
///
/// ```
/// use equistein_molecules::TrainingSet;
/// use rand_core::SeedableRng;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
/// let xs = TrainingSet::default().build::<f32, _>(&mut rng);
/// assert_eq!((xs.len(), xs.dim()), (1000, 8));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainingSet {
    copies: usize,
    sigma: f64,
}

impl Default for TrainingSet {
    fn default() -> Self {
        TrainingSet {
            copies: 200,
            sigma: 0.1,
        }
    }
}

impl TrainingSet {
    /// `copies ≥ 1` noisy copies of each state with noise standard deviation `sigma ≥ 0` (finite).
    pub fn new(copies: usize, sigma: f64) -> Result<Self> {
        if copies == 0 {
            return Err(MoleculesError::InvalidParameter {
                name: "copies",
                reason: "at least one copy per state is needed".into(),
            });
        }
        if !(sigma.is_finite() && sigma >= 0.0) {
            return Err(MoleculesError::InvalidParameter {
                name: "sigma",
                reason: format!("the noise level must be finite and non-negative, got {sigma}"),
            });
        }
        Ok(TrainingSet { copies, sigma })
    }

    /// Copies per state.
    pub fn copies(&self) -> usize {
        self.copies
    }

    /// The noise standard deviation σ.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// The number of samples, `5 · copies`.
    pub fn len(&self) -> usize {
        STATES.len() * self.copies
    }

    /// Always false (there is at least one copy).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The state index (into [`STATES`]) of row `r`.
    pub fn state_of_row(&self, r: usize) -> usize {
        r / self.copies
    }

    /// Draws the set from `rng`.
    pub fn build<T: Real, R: RngCore + ?Sized>(&self, rng: &mut R) -> Particles<T> {
        let mut flat = Vec::with_capacity(self.len() * DW4_DIM);
        for state in &STATES {
            for _ in 0..self.copies {
                for &c in &state.coordinates {
                    let noise: f64 = equistein::random::standard_normal(rng);
                    flat.push(T::c(c + self.sigma * noise));
                }
            }
        }
        let mut xs = Particles::from_fn(DW4_DIM, self.len(), |i, c| flat[i * DW4_DIM + c]);
        center(&mut xs, 2);
        xs
    }
}
