//! Maximum mean discrepancy with an RBF kernel.

use crate::error::{ensure_dim, ensure_positive, Error, Result};
use crate::kernel::median_bandwidth;
use crate::particles::Particles;
use crate::real::{sq_dist, Real};

/// The maximum mean discrepancy between the samples `a` (`n` points) and `b` (`m` points) with the RBF kernel
/// `k(x, y) = exp(−‖x − y‖² / (2h²))`, as the biased V-statistic
///
/// `MMD² = (1/n²) Σ_{i,j} k(a_i, a_j) + (1/m²) Σ_{i,j} k(b_i, b_j) − (2/(nm)) Σ_{i,j} k(a_i, b_j)`,
///
/// returned as `sqrt(max(MMD², 0))`. With `h = None` the bandwidth is the median heuristic of the RBF kernel
/// ([`median_bandwidth`]: `h = sqrt(0.5 · median(D²) / ln(N + 1))` over the pooled `N = n + m` points, zeros
/// of the diagonal included, `h = 1` when the median is 0). Cost O((n + m)² d).
///
/// Errors when either sample is empty, the dimensions differ, a given `h` is not positive and finite, or a
/// sample holds a non-finite value.
///
/// ```
/// use equistein::diagnostics::mmd_rbf;
/// use equistein::Particles;
/// let a = Particles::from_rows(1, &[0.0, 1.0, 2.0]).unwrap();
/// assert_eq!(mmd_rbf(&a, &a, Some(1.0)).unwrap(), 0.0);
/// let b = Particles::from_rows(1, &[5.0, 6.0]).unwrap();
/// assert!(mmd_rbf(&a, &b, None).unwrap() > 0.5);
/// ```
pub fn mmd_rbf<T: Real>(a: &Particles<T>, b: &Particles<T>, h: Option<T>) -> Result<T> {
    if a.is_empty() || b.is_empty() {
        return Err(Error::TooFewParticles {
            found: a.len().min(b.len()),
            min: 1,
        });
    }
    ensure_dim("MMD samples (dimension)", a.dim(), b.dim())?;
    a.check_finite("MMD sample a")?;
    b.check_finite("MMD sample b")?;
    let h = match h {
        Some(h) => {
            ensure_positive("bandwidth", h.to_f64_lossy())?;
            h
        }
        None => median_bandwidth(&a.concat(b)?)?,
    };
    let scale = -T::one() / (T::c(2.0) * h * h);
    let mean_k = |p: &Particles<T>, q: &Particles<T>| -> T {
        let mut s = T::zero();
        for x in p.iter() {
            for y in q.iter() {
                s += (sq_dist(x, y) * scale).exp();
            }
        }
        s / (T::c(p.len() as f64) * T::c(q.len() as f64))
    };
    let mmd2 = mean_k(a, a) + mean_k(b, b) - T::c(2.0) * mean_k(a, b);
    Ok(mmd2.max(T::zero()).sqrt())
}
