//! Evaluation helpers shared by the EBM experiments: samples from a learned model, the picture grid,
//! densities from energies, Spearman's rank correlation, f32 ↔ f64 particle sets.

use super::ebm_training::Learned;
use super::RunError;
use crate::config::EbmEvaluation;
use equistein::{random, Particles};
use rand_chacha::ChaCha8Rng;

/// The particle set in f32.
pub fn to_f32(p: &Particles<f64>) -> Particles<f32> {
    Particles::from_fn(p.dim(), p.len(), |i, k| p.particle(i)[k] as f32)
}

/// The particle set in f64.
pub fn to_f64(p: &Particles<f32>) -> Particles<f64> {
    Particles::from_fn(p.dim(), p.len(), |i, k| p.particle(i)[k] as f64)
}

/// The centres of an `n × n` grid of cells over `[−extent, extent)²`, x fastest.
pub fn grid_points(extent: f64, n: usize) -> Particles<f64> {
    let d = 2.0 * extent / n as f64;
    Particles::from_fn(2, n * n, |k, c| {
        let (i, j) = (k % n, k / n);
        -extent + (if c == 0 { i } else { j } as f64 + 0.5) * d
    })
}

/// `exp(min E − E)`: a density with maximum 1 from energies (non-finite energies are ignored for the minimum).
pub fn norm_density(e: &[f64]) -> Vec<f64> {
    let m = e
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(f64::INFINITY, f64::min);
    e.iter().map(|v| (m - v).exp()).collect()
}

/// Spearman's rank correlation (average ranks for ties); NaN pairs are dropped.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let pairs: Vec<(f64, f64)> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(&x, &y)| (x, y))
        .collect();
    let ranks = |v: Vec<f64>| -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        let mut r = vec![0.0; v.len()];
        let mut s = 0;
        while s < idx.len() {
            let mut e = s;
            while e + 1 < idx.len() && v[idx[e + 1]] == v[idx[s]] {
                e += 1;
            }
            let avg = (s + e) as f64 / 2.0;
            for &k in &idx[s..=e] {
                r[k] = avg;
            }
            s = e + 1;
        }
        r
    };
    let ra = ranks(pairs.iter().map(|p| p.0).collect());
    let rb = ranks(pairs.iter().map(|p| p.1).collect());
    let n = ra.len() as f64;
    if n < 2.0 {
        return f64::NAN;
    }
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma) * (x - ma)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb) * (y - mb)).sum();
    cov / (va * vb).sqrt()
}

/// Samples from a learned 2-D model: `⌈samples / chain_size⌉` chains, each started uniform on
/// `[−box, box)²` and moved by the combination's sampler; with `classes = Some(C)` chain `i` samples class
/// `i mod C`'s conditional `E(x | y)` (the authors' JEM protocol), otherwise the joint energy. Particles that
/// left the finite numbers are dropped.
pub fn sample_learned(
    learned: &dyn Learned,
    e: &EbmEvaluation,
    classes: Option<usize>,
    rng: &mut ChaCha8Rng,
) -> Result<Particles<f64>, RunError> {
    let cs = e.chain_size;
    let chains = e.samples.div_ceil(cs);
    let extent = e.init_box;
    let mut flat = Vec::with_capacity(chains * cs * 2);
    for chain in 0..chains {
        let class = classes.map(|c| chain % c);
        let mut p = Particles::from_fn(2, cs, |_, _| {
            random::uniform(rng, -extent as f32, extent as f32)
        });
        learned
            .sample(&mut p, class, e.steps, e.step_size as f32, rng)
            .map_err(|e| RunError::core("sampling", e))?;
        flat.extend_from_slice(p.as_slice());
    }
    let samples = Particles::from_rows(2, &flat).map_err(|e| RunError::core("samples", e))?;
    let samples = to_f64(&samples);
    let finite: Vec<f64> = samples
        .iter()
        .filter(|x| x.iter().all(|v| v.is_finite()))
        .flatten()
        .copied()
        .collect();
    Particles::from_rows(2, &finite).map_err(|e| RunError::core("samples", e))
}
