//! Helpers shared by the integration tests.

use equistein::{Particles, Real};

/// `(max |a − b|, max |b|)` over every coordinate, in `f64`.
pub fn max_err_and_scale<T: Real>(a: &Particles<T>, b: &Particles<T>) -> (f64, f64) {
    let scale = b
        .as_slice()
        .iter()
        .fold(0.0f64, |m, v| m.max(v.to_f64_lossy().abs()));
    let err = a
        .as_slice()
        .iter()
        .zip(b.as_slice())
        .fold(0.0f64, |m, (x, y)| {
            m.max((x.to_f64_lossy() - y.to_f64_lossy()).abs())
        });
    (err, scale)
}
