//! Kernelized Stein discrepancy with the inverse multiquadric kernel (Gorham & Mackey 2017).

use crate::energy::{scores, Energy};
use crate::error::{ensure_dim, ensure_positive, Error, Result};
use crate::particles::Particles;
use crate::real::{dot, sq_dist, Real};

/// The kernelized Stein discrepancy of `particles` against the target of `energy`, with the IMQ base kernel
/// `k(x, y) = (1 + ‖x − y‖²)^{−1/2}` (`c = 1`, `β = −1/2`, Gorham & Mackey 2017). See [`ksd_imq_with`] for the
/// formula.
///
/// ```
/// use equistein::diagnostics::ksd_imq;
/// use equistein::target::Gaussian;
/// use equistein::Particles;
/// let target = Gaussian::isotropic(vec![0.0, 0.0], 1.0).unwrap();
/// // All particles at the mode: the scores vanish and KSD² = −2βd c^{2β−2} = d.
/// let at_mode = Particles::zeros(2, 10);
/// assert!((ksd_imq(&target, &at_mode).unwrap() - 2f64.sqrt()).abs() < 1e-12);
/// ```
pub fn ksd_imq<T: Real, E: Energy<T> + ?Sized>(energy: &E, particles: &Particles<T>) -> Result<T> {
    ksd_imq_with(energy, particles, T::one(), T::c(-0.5))
}

/// The kernelized Stein discrepancy with the IMQ base kernel `k(x, y) = (c² + ‖x − y‖²)^β`, `c > 0`, `β < 0`
/// (`β ∈ (−1, 0)` gives a discrepancy that detects non-convergence, Gorham & Mackey 2017).
///
/// With scores `s = ∇ log π = −∇E`, `q = c² + ‖x − y‖²` and `d` the dimension, the Langevin Stein kernel is
///
/// `u(x, y) = s(x)ᵀs(y) k + s(x)ᵀ∇_y k + s(y)ᵀ∇_x k + tr(∇_x∇_y k)`
/// `        = s(x)ᵀs(y) q^β + 2β q^{β−1} (s(y) − s(x))ᵀ(x − y) − 2βd q^{β−1} − 4β(β−1) q^{β−2} ‖x − y‖²`,
///
/// and the V-statistic `KSD² = (1/n²) Σ_{i,j} u(x_i, x_j)` (diagonal included) is returned as
/// `sqrt(max(KSD², 0))`. Cost O(n² d), one score evaluation per particle.
///
/// Errors on an empty particle set, a dimension mismatch, `c` not positive and finite, `β` not negative and
/// finite, and non-finite particles or scores (naming the particle).
pub fn ksd_imq_with<T: Real, E: Energy<T> + ?Sized>(
    energy: &E,
    particles: &Particles<T>,
    c: T,
    beta: T,
) -> Result<T> {
    ensure_positive("c", c.to_f64_lossy())?;
    if beta >= T::zero() || !beta.is_finite() {
        return Err(Error::InvalidParameter {
            name: "beta",
            reason: alloc::format!("the IMQ exponent must be negative and finite, got {beta}"),
        });
    }
    let n = particles.len();
    if n == 0 {
        return Err(Error::TooFewParticles { found: 0, min: 1 });
    }
    ensure_dim("KSD particles (dimension)", energy.dim(), particles.dim())?;
    particles.check_finite("particles")?;
    let mut s = Particles::zeros(particles.dim(), n);
    scores(energy, particles, &mut s)?;

    let d = T::c(particles.dim() as f64);
    let two = T::c(2.0);
    let c2 = c * c;
    let stein = |i: usize, j: usize| -> T {
        let (x, y) = (particles.particle(i), particles.particle(j));
        let (sx, sy) = (s.particle(i), s.particle(j));
        let r2 = sq_dist(x, y);
        let q = c2 + r2;
        let k = q.powf(beta);
        let k1 = k / q; // q^{β−1}
        let k2 = k1 / q; // q^{β−2}
                         // (s(y) − s(x))ᵀ(x − y)
        let cross = x
            .iter()
            .zip(y)
            .zip(sx.iter().zip(sy))
            .fold(T::zero(), |acc, ((&a, &b), (&sa, &sb))| {
                acc + (sb - sa) * (a - b)
            });
        dot(sx, sy) * k + two * beta * k1 * cross
            - two * beta * d * k1
            - T::c(4.0) * beta * (beta - T::one()) * k2 * r2
    };
    let mut total = T::zero();
    for i in 0..n {
        total += stein(i, i);
        for j in (i + 1)..n {
            total += two * stein(i, j);
        }
    }
    let nn = T::c(n as f64);
    let ksd2 = total / (nn * nn);
    Ok(ksd2.max(T::zero()).sqrt())
}
