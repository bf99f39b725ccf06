//! Point-cloud geometry on flat rows: pair distances, their sorted form (the states' fingerprint) and centring.

use equistein::{Particles, Real};

/// The distances `d_ij = ‖x_i − x_j‖` of the `k (k − 1) / 2` unordered pairs `i < j` of a row of `k` particles in
/// `R^m` (`x.len() = k·m`, particle `p` is `x[p·m..(p+1)·m]`), in the order (0,1), (0,2), …, (k−2, k−1),
/// appended to `out` (cleared first).
pub fn pair_distances_into<T: Real>(x: &[T], m: usize, out: &mut Vec<T>) {
    out.clear();
    if m == 0 {
        return;
    }
    let k = x.len() / m;
    for i in 0..k {
        for j in (i + 1)..k {
            out.push(
                equistein::real::sq_dist(&x[i * m..(i + 1) * m], &x[j * m..(j + 1) * m]).sqrt(),
            );
        }
    }
}

/// [`pair_distances_into`] into a new vector.
pub fn pair_distances<T: Real>(x: &[T], m: usize) -> Vec<T> {
    let mut out = Vec::new();
    pair_distances_into(x, m, &mut out);
    out
}

/// The pair distances sorted ascending (NaN last): invariant under E(m) × S_k, so the fingerprint by which
/// [`crate::Classifier`] tells the meta-stable states apart.
pub fn sorted_pair_distances<T: Real>(x: &[T], m: usize) -> Vec<T> {
    let mut d = pair_distances(x, m);
    d.sort_by(|a, b| {
        a.partial_cmp(b)
            .unwrap_or_else(|| a.is_nan().cmp(&b.is_nan()))
    });
    d
}

/// Subtracts the centroid `(1/k) Σ_p x_p` from every particle of one row (particles in `R^m`).
pub fn center_row<T: Real>(x: &mut [T], m: usize) {
    if m == 0 || x.len() < m {
        return;
    }
    let k = x.len() / m;
    let inv = T::one() / T::c(k as f64);
    for l in 0..m {
        let mean = (0..k).map(|p| x[p * m + l]).fold(T::zero(), |s, v| s + v) * inv;
        for p in 0..k {
            x[p * m + l] -= mean;
        }
    }
}

/// Centres every sample of a set (each sample a row of particles in `R^m`): afterwards each sample's centroid
/// is 0 (to rounding). The `fixed_DW4` and EFM files are not centred; translation-invariant models and the
/// orbit maps want centred input.
pub fn center<T: Real>(xs: &mut Particles<T>, m: usize) {
    for x in xs.iter_mut() {
        center_row(x, m);
    }
}

/// The largest centroid norm over the samples (0 for a centred set).
pub fn max_centroid_norm<T: Real>(xs: &Particles<T>, m: usize) -> f64 {
    if m == 0 {
        return 0.0;
    }
    xs.iter()
        .map(|x| {
            let k = x.len() / m;
            let mut s = 0.0;
            for l in 0..m {
                let mean = (0..k).map(|p| x[p * m + l].to_f64_lossy()).sum::<f64>() / k as f64;
                s += mean * mean;
            }
            s.sqrt()
        })
        .fold(0.0, f64::max)
}
