//! The one error type of the core.

use alloc::string::String;
use core::fmt;

/// Everything that can go wrong in the core. Library code never panics on user input: it returns one of these,
/// naming the parameter, particle or coordinate at fault.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Fewer particles than an algorithm needs (SVGD needs two to have any interaction).
    TooFewParticles {
        /// How many were given.
        found: usize,
        /// The least number accepted.
        min: usize,
    },
    /// A parameter that must be strictly positive (step size, bandwidth, width, …) was not.
    NonPositive {
        /// The parameter's name.
        name: &'static str,
        /// Its value.
        value: f64,
    },
    /// A parameter outside its allowed range, with the reason.
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Two things that must have the same dimension (or length) do not.
    DimensionMismatch {
        /// What was checked.
        what: &'static str,
        /// The dimension required.
        expected: usize,
        /// The dimension found.
        found: usize,
    },
    /// A NaN or infinity, where it first appeared.
    NonFinite {
        /// What held it (for example "particles", "score", "SVGD direction").
        what: &'static str,
        /// The particle (column) index.
        particle: usize,
        /// The coordinate within the particle.
        coordinate: usize,
    },
    /// A NaN or infinity computed during a sampler step (a score, an energy, the Stein direction, or the
    /// particles after the move): the chain diverged at `step` (counted from 0 since the sampler's last reset).
    /// The contrastive-divergence driver treats it as recoverable: it restarts the chain.
    Diverged {
        /// What held it ("score", "energy", "SVGD direction", "particles after the move", …).
        what: &'static str,
        /// The sampler step at which it appeared.
        step: usize,
        /// The particle (column) index.
        particle: usize,
        /// The coordinate within the particle.
        coordinate: usize,
    },
    /// A NaN or infinity in the model under training (its loss or its parameters): training cannot go on. The
    /// contrastive-divergence driver stops with this error; checkpoints written before it are the last good
    /// state.
    TrainingDiverged {
        /// What held it ("loss", "parameters").
        what: &'static str,
        /// The epoch, from 0.
        epoch: usize,
        /// The minibatch within the epoch, from 0.
        batch: usize,
        /// The model's own account (which parameter), possibly empty.
        detail: String,
    },
    /// An energy failed to evaluate (plugins report their own failures through this).
    Energy(String),
}

impl Error {
    /// The error of sampler step `step`: a [`Error::NonFinite`] found in a computed quantity becomes
    /// [`Error::Diverged`] at that step; every other error is returned unchanged.
    pub fn at_step(self, step: usize) -> Error {
        match self {
            Error::NonFinite {
                what,
                particle,
                coordinate,
            } => Error::Diverged {
                what,
                step,
                particle,
                coordinate,
            },
            other => other,
        }
    }

    /// Whether a negative chain diverged ([`Error::Diverged`]): recoverable by restarting the chain.
    pub fn is_divergence(&self) -> bool {
        matches!(self, Error::Diverged { .. })
    }
}

/// The core's result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::TooFewParticles { found, min } => {
                write!(f, "too few particles: {found} given, at least {min} needed")
            }
            Error::NonPositive { name, value } => {
                write!(f, "`{name}` must be positive and finite, got {value}")
            }
            Error::InvalidParameter { name, reason } => write!(f, "invalid `{name}`: {reason}"),
            Error::DimensionMismatch {
                what,
                expected,
                found,
            } => write!(
                f,
                "dimension mismatch in {what}: expected {expected}, found {found}"
            ),
            Error::NonFinite {
                what,
                particle,
                coordinate,
            } => write!(
                f,
                "non-finite value in {what} at particle {particle}, coordinate {coordinate}"
            ),
            Error::Diverged {
                what,
                step,
                particle,
                coordinate,
            } => write!(
                f,
                "the sampler diverged at step {step}: non-finite {what} at particle {particle}, coordinate {coordinate}"
            ),
            Error::TrainingDiverged {
                what,
                epoch,
                batch,
                detail,
            } => {
                write!(f, "training diverged in epoch {epoch}, batch {batch}: non-finite {what}")?;
                if !detail.is_empty() {
                    write!(f, " ({detail})")?;
                }
                Ok(())
            }
            Error::Energy(msg) => write!(f, "energy evaluation failed: {msg}"),
        }
    }
}

impl core::error::Error for Error {}

/// Checks that `value` is finite and strictly positive.
pub fn ensure_positive(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::NonPositive { name, value })
    }
}

/// Checks that `found == expected`.
pub fn ensure_dim(what: &'static str, expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::DimensionMismatch {
            what,
            expected,
            found,
        })
    }
}
