//! The RBF (Gaussian) kernel `k(x, y) = exp(−‖x − y‖² / (2h²))`, fixed or median-heuristic bandwidth.

use super::{Kernel, Repulsion, ScalarKernel, SteinInput};
use crate::error::{ensure_dim, ensure_positive, Error, Result};
use crate::particles::Particles;
use crate::real::{sq_dist, Real};
use alloc::vec::Vec;
use nalgebra::DMatrix;

/// How the RBF bandwidth `h` is chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bandwidth<T> {
    /// A fixed length scale `h > 0`.
    Fixed(T),
    /// The median heuristic over the source set, recomputed at every step:
    /// `h = sqrt(0.5 · median(D²) / ln(N + 1))` over the full `N × N` squared-distance matrix (zeros on the
    /// diagonal included, as in the authors' code and Liu & Wang's). A zero median (all particles equal) falls
    /// back to `h = 1`.
    Median,
}

/// The RBF kernel `k(x, y) = exp(−‖x − y‖² / (2h²))`; `∇_x k = −(x − y)/h² · k`.
///
/// ```
/// use equistein::kernel::{Rbf, ScalarKernel};
/// let k = Rbf::fixed(1.0f64).unwrap();
/// assert!((k.eval(&[1.0, 0.5], &[-0.4, 1.2]) - 0.293758).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rbf<T> {
    bandwidth: Bandwidth<T>,
}

impl<T: Real> Rbf<T> {
    /// A fixed bandwidth `h`; errors unless `h` is positive and finite.
    pub fn fixed(h: T) -> Result<Self> {
        ensure_positive("bandwidth", h.to_f64_lossy())?;
        Ok(Rbf {
            bandwidth: Bandwidth::Fixed(h),
        })
    }

    /// The median heuristic (see [`Bandwidth::Median`]).
    pub fn median() -> Self {
        Rbf {
            bandwidth: Bandwidth::Median,
        }
    }

    /// The bandwidth rule.
    pub fn bandwidth(&self) -> Bandwidth<T> {
        self.bandwidth
    }

    /// The fixed bandwidth, or 1 while the median rule is not yet resolved by [`ScalarKernel::fit`].
    #[inline]
    pub fn h(&self) -> T {
        match self.bandwidth {
            Bandwidth::Fixed(h) => h,
            Bandwidth::Median => T::one(),
        }
    }
}

/// The median-heuristic bandwidth of a point set (see [`Bandwidth::Median`]).
pub fn median_bandwidth<T: Real>(points: &Particles<T>) -> Result<T> {
    let n = points.len();
    if n < 2 {
        return Err(Error::TooFewParticles { found: n, min: 2 });
    }
    let mut d2: Vec<T> = Vec::with_capacity(n * n);
    for a in points.iter() {
        for b in points.iter() {
            d2.push(sq_dist(a, b));
        }
    }
    let mid = d2.len() / 2;
    d2.select_nth_unstable_by(mid, |a, b| {
        a.partial_cmp(b).unwrap_or(core::cmp::Ordering::Equal)
    });
    let mut med = d2[mid];
    if d2.len() % 2 == 0 {
        let lower = d2[..mid]
            .iter()
            .copied()
            .fold(T::neg_infinity(), |a, b| if b > a { b } else { a });
        med = (med + lower) * T::c(0.5);
    }
    let h2 = T::c(0.5) * med / T::c(libm::log(n as f64 + 1.0));
    if h2.partial_cmp(&T::zero()) != Some(core::cmp::Ordering::Greater) || !h2.is_finite() {
        return Ok(T::one());
    }
    Ok(h2.sqrt())
}

impl<T: Real> ScalarKernel<T> for Rbf<T> {
    #[inline]
    fn eval(&self, x: &[T], y: &[T]) -> T {
        let h = self.h();
        (-sq_dist(x, y) / (T::c(2.0) * h * h)).exp()
    }

    #[inline]
    fn grad_first(&self, x: &[T], y: &[T], grad: &mut [T]) -> T {
        let h = self.h();
        let inv_h2 = T::one() / (h * h);
        let k = (-sq_dist(x, y) * T::c(0.5) * inv_h2).exp();
        for ((g, &a), &b) in grad.iter_mut().zip(x).zip(y) {
            *g = -(a - b) * inv_h2 * k;
        }
        k
    }

    fn fit(&self, sources: &Particles<T>) -> Result<Self> {
        match self.bandwidth {
            Bandwidth::Fixed(_) => Ok(*self),
            Bandwidth::Median => Ok(Rbf {
                bandwidth: Bandwidth::Fixed(median_bandwidth(sources)?),
            }),
        }
    }
}

impl<T: Real> Kernel<T> for Rbf<T> {
    /// The Stein direction in matrix form (the reference is
    /// [`pointwise_stein_direction`](super::pointwise_stein_direction)).
    ///
    /// With targets `X` (d × n), sources `Z` (d × N), scores `S` (d × N), both point sets shifted by the mean
    /// source (which changes no distance or difference and keeps the expansion below well conditioned), the
    /// transposed kernel matrix `Kᵀ[j, i] = k(z_j, x_i) = exp(−(‖z_j‖² + ‖x_i‖² − 2 z_jᵀx_i) / (2h²))` comes from
    /// one product `ZᵀX`, and then
    ///
    /// `Φ = ((γ S − r Z / h²) Kᵀ + r X diag(1ᵀKᵀ) / h²) / N`
    ///
    /// with `r = 1` (Liu–Wang: `Σ_j ∇_{z_j} k(z_j, x_i) = Σ_j k_ij (x_i − z_j)/h²`) or `r = 2` (the code form,
    /// `−2 Σ_j ∇_{x_i} k(x_i, z_j)`, the same vector doubled). When the expansion would lose too much to
    /// cancellation (points far from their mean relative to `h`: `4ε(max‖x̃‖² + max‖z̃‖²)/(2h²) > 10⁻³√ε`, which is
    /// most configurations in `f32`) the squared distances are computed pair by pair instead.
    fn stein_direction(&self, input: &SteinInput<'_, T>, out: &mut Particles<T>) -> Result<()> {
        input.validate()?;
        ensure_dim("output (count)", input.targets.len(), out.len())?;
        ensure_dim("output (dimension)", input.targets.dim(), out.dim())?;
        let h = self.fit(input.sources)?.h();
        let d = input.targets.dim();
        let n = input.targets.len();
        let n_src = input.sources.len();
        let centre = input.sources.mean();
        let xc = DMatrix::from_fn(d, n, |a, i| input.targets.particle(i)[a] - centre[a]);
        let zc = DMatrix::from_fn(d, n_src, |a, j| input.sources.particle(j)[a] - centre[a]);
        let xn: Vec<T> = xc
            .column_iter()
            .map(|c| c.iter().fold(T::zero(), |a, &v| a + v * v))
            .collect();
        let zn: Vec<T> = zc
            .column_iter()
            .map(|c| c.iter().fold(T::zero(), |a, &v| a + v * v))
            .collect();
        let max = |v: &[T]| {
            v.iter()
                .copied()
                .fold(T::zero(), |a, b| if b > a { b } else { a })
        };
        let inv_h2 = T::one() / (h * h);
        let half = T::c(0.5) * inv_h2;
        let cancellation = T::c(4.0) * T::epsilon() * (max(&xn) + max(&zn)) * half;
        let direct = cancellation > T::c(1e-3) * T::epsilon().sqrt();
        // kt[j, i] = k(z_j, x_i)
        let mut kt = if direct {
            DMatrix::from_fn(n_src, n, |j, i| {
                sq_dist(input.sources.particle(j), input.targets.particle(i))
            })
        } else {
            let mut g = zc.tr_mul(&xc);
            for (i, col) in g.column_iter_mut().enumerate() {
                for (j, v) in col.into_iter().enumerate() {
                    let d2 = zn[j] + xn[i] - T::c(2.0) * *v;
                    *v = if d2 > T::zero() { d2 } else { T::zero() };
                }
            }
            g
        };
        kt.iter_mut().for_each(|v| *v = (-*v * half).exp());
        let r = match input.repulsion {
            Repulsion::LiuWang => T::one(),
            Repulsion::AuthorsCode => T::c(2.0),
        };
        let gamma = input.drive_weight;
        let scores = input.scores.matrix();
        let w = DMatrix::from_fn(d, n_src, |a, j| {
            gamma * scores[(a, j)] - r * inv_h2 * zc[(a, j)]
        });
        let inv_n = T::one() / T::c(n_src as f64);
        out.matrix_mut().gemm(inv_n, &w, &kt, T::zero());
        for (i, (col, kcol)) in out
            .matrix_mut()
            .column_iter_mut()
            .zip(kt.column_iter())
            .enumerate()
        {
            let c = r * inv_h2 * inv_n * kcol.sum();
            for (o, &xv) in col.into_iter().zip(xc.column(i).iter()) {
                *o += c * xv;
            }
        }
        Ok(())
    }
}
