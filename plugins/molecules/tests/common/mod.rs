//! Helpers shared by the integration tests.
#![allow(dead_code)]

use equistein::group::{Group, PointCloud, PointCloudElement};
use rand_core::SeedableRng;
use std::path::PathBuf;

/// `../shared/data` of the checkout, found from this crate's manifest (`plugins/molecules`).
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// The DW-4 data folder.
pub fn dw4_dir() -> PathBuf {
    data_dir().join("dw4")
}

/// A seeded, portable RNG.
pub fn rng(seed: u64) -> rand_chacha::ChaCha8Rng {
    rand_chacha::ChaCha8Rng::seed_from_u64(seed)
}

/// E(2) × S_4 acting on DW-4 rows.
pub fn dw4_group() -> PointCloud {
    PointCloud::new(4, 2).expect("4 particles in 2-D")
}

/// A random element of E(2) × S_4 (Haar rotation, a fair reflection, N(0, I) translation, uniform permutation).
pub fn random_element(seed: u64) -> PointCloudElement<f64> {
    dw4_group().sample(&mut rng(seed))
}

/// `g · x`.
pub fn act(g: &PointCloudElement<f64>, x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    dw4_group().act(g, x, &mut out);
    out
}

/// `dg · v` (no translation).
pub fn act_vector(g: &PointCloudElement<f64>, v: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; v.len()];
    dw4_group().act_vector(g, v, &mut out);
    out
}

/// `max_i |a_i − b_i|`.
pub fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// The QM9 data folder.
pub fn qm9_dir() -> PathBuf {
    data_dir().join("qm9")
}
