//! Diagnostics of a particle set against a target or a reference sample:
//!
//! - [`ksd_imq`]: kernelized Stein discrepancy with the IMQ kernel (needs only the score, not samples);
//! - [`mmd_rbf`]: maximum mean discrepancy with an RBF kernel, against reference (exact) samples;
//! - [`mean_log_prob`]: the mean log-density of the particles;
//! - orbit statistics ([`mode_fractions`], [`ring_fractions`], [`mode_spread`], [`ring_spread`]): how the
//!   particles share out over the modes or rings of a symmetric target, and how widely they spread about them.

mod ksd;
mod log_density;
mod mmd;
mod orbit;

pub use ksd::{ksd_imq, ksd_imq_with};
pub use log_density::mean_log_prob;
pub use mmd::mmd_rbf;
pub use orbit::{
    mode_fractions, mode_spread, nearest_mode, nearest_ring, ring_fractions, ring_spread,
    spread_ratio, ModeSpread,
};
