//! The multi-particle double-well potential of DW-4 (Köhler, Klein & Noé 2020) as a core [`Energy`].

use crate::error::{ensure_positive, MoleculesError, Result};
use equistein::error::ensure_dim;
use equistein::{Energy, Particles, Real};
use rayon::prelude::*;

/// Batches at least this large are evaluated in parallel (rayon); smaller ones in the calling thread, where the
/// pool's wake-up would cost more than the arithmetic (one DW-4 row is about 40 ns).
pub const PARALLEL_MIN_BATCH: usize = 4096;

/// Which pairs the sum runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PairSum {
    /// Each unordered pair `i < j` once: the energy of every DW-4 paper and data set.
    #[default]
    Unordered,
    /// Every ordered pair `i ≠ j`: twice [`PairSum::Unordered`] (the variant in the authors' repository, used
    /// there only for the post-hoc minimisation).
    Ordered,
}

impl PairSum {
    fn multiplicity(self) -> f64 {
        match self {
            PairSum::Unordered => 1.0,
            PairSum::Ordered => 2.0,
        }
    }
}

/// The double-well pair potential of `k` particles in `R^m` at temperature `T`:
///
/// `E(x) = (s / T) Σ_{i<j} [ a (d_ij − d0)⁴ + b (d_ij − d0)² + c ]`,  `d_ij = ‖x_i − x_j‖`,
///
/// with `s = 1` ([`PairSum::Unordered`]) or `s = 2` ([`PairSum::Ordered`]). DW-4 ([`DoubleWell::dw4`]) is
/// `k = 4`, `m = 2`, `a = 0.9`, `b = −4`, `c = 0`, `d0 = 4`, `T = 1`, on rows `[x1, y1, …, x4, y4]`. With
/// `a > 0 > b` each pair term has two minima, at `d0 ± √(−b / 2a)` (2.5093 and 5.4907 for DW-4, value
/// `c − b² / 4a = −4.444`).
///
/// The forces are in closed form: with `u = d_ij − d0` and `φ'(d) = 4a u³ + 2b u`,
/// `∇_{x_i} E = (s / T) Σ_{j≠i} φ'(d_ij) (x_i − x_j) / d_ij`. At `d_ij = 0` (two particles on top of each other,
/// where `x ↦ d_ij` is not differentiable) the pair contributes no force.
///
/// The energy is invariant under rigid motions, reflections and relabellings of the particles (E(m) × S_k).
/// It is generic over the core's [`Real`] (f32 and f64); batches of at least [`PARALLEL_MIN_BATCH`] rows are
/// evaluated in parallel.
///
/// ```
/// use equistein::Energy;
/// use equistein_molecules::DoubleWell;
/// let dw4 = DoubleWell::dw4();
/// // A square of side 2.0983 (the first row of Köhler's `dimer_4particles`).
/// let s = 1.049148_f64;
/// let x = [-s, -s, -s, s, s, s, s, -s];
/// assert!((dw4.energy(&x).unwrap() + 17.2629).abs() < 1e-3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DoubleWell {
    particles: usize,
    spatial: usize,
    a: f64,
    b: f64,
    c: f64,
    d0: f64,
    temperature: f64,
    pairs: PairSum,
}

impl DoubleWell {
    /// DW-4's `a`.
    pub const A: f64 = 0.9;
    /// DW-4's `b`.
    pub const B: f64 = -4.0;
    /// DW-4's `c`.
    pub const C: f64 = 0.0;
    /// DW-4's `d0`.
    pub const D0: f64 = 4.0;

    /// DW-4: four particles in the plane, `a = 0.9`, `b = −4`, `c = 0`, `d0 = 4`, temperature 1, unordered pairs.
    pub fn dw4() -> Self {
        DoubleWell {
            particles: 4,
            spatial: 2,
            a: Self::A,
            b: Self::B,
            c: Self::C,
            d0: Self::D0,
            temperature: 1.0,
            pairs: PairSum::Unordered,
        }
    }

    /// A double-well potential of `particles ≥ 2` particles in `R^spatial` (`spatial ≥ 1`) with finite
    /// coefficients, at temperature 1 over unordered pairs.
    pub fn new(particles: usize, spatial: usize, a: f64, b: f64, c: f64, d0: f64) -> Result<Self> {
        if particles < 2 {
            return Err(MoleculesError::InvalidParameter {
                name: "particles",
                reason: format!("a pair potential needs at least 2 particles, got {particles}"),
            });
        }
        if spatial == 0 {
            return Err(MoleculesError::InvalidParameter {
                name: "spatial",
                reason: "the particles' dimension must be at least 1".into(),
            });
        }
        for (name, v) in [("a", a), ("b", b), ("c", c), ("d0", d0)] {
            if !v.is_finite() {
                return Err(MoleculesError::InvalidParameter {
                    name,
                    reason: format!("must be finite, got {v}"),
                });
            }
        }
        Ok(DoubleWell {
            particles,
            spatial,
            a,
            b,
            c,
            d0,
            temperature: 1.0,
            pairs: PairSum::Unordered,
        })
    }

    /// The same potential at temperature `t > 0`: the energy becomes `E / t`, the density `exp(−E / t)`.
    pub fn with_temperature(mut self, t: f64) -> Result<Self> {
        ensure_positive("temperature", t)?;
        self.temperature = t;
        Ok(self)
    }

    /// The same potential summed over `pairs`.
    pub fn with_pairs(mut self, pairs: PairSum) -> Self {
        self.pairs = pairs;
        self
    }

    /// The number of particles `k`.
    pub fn particles(&self) -> usize {
        self.particles
    }

    /// The dimension `m` of each particle.
    pub fn spatial_dim(&self) -> usize {
        self.spatial
    }

    /// The temperature `T`.
    pub fn temperature(&self) -> f64 {
        self.temperature
    }

    /// Which pairs the sum runs over.
    pub fn pairs(&self) -> PairSum {
        self.pairs
    }

    /// The number of unordered pairs, `k (k − 1) / 2`.
    pub fn pair_count(&self) -> usize {
        self.particles * (self.particles - 1) / 2
    }

    /// One pair's term `φ(d) = a (d − d0)⁴ + b (d − d0)² + c` (no temperature, no multiplicity).
    pub fn pair_energy(&self, d: f64) -> f64 {
        let u = d - self.d0;
        let u2 = u * u;
        self.a * u2 * u2 + self.b * u2 + self.c
    }

    /// Its derivative `φ'(d) = 4a (d − d0)³ + 2b (d − d0)`.
    pub fn pair_derivative(&self, d: f64) -> f64 {
        let u = d - self.d0;
        4.0 * self.a * u * u * u + 2.0 * self.b * u
    }

    /// The factor `s / T` in front of the pair sum.
    fn scale(&self) -> f64 {
        self.pairs.multiplicity() / self.temperature
    }

    /// `E(x)` without checks (`x.len()` is the dimension).
    fn value<T: Real>(&self, x: &[T]) -> T {
        let (k, m) = (self.particles, self.spatial);
        let (a, b, c, d0) = (T::c(self.a), T::c(self.b), T::c(self.c), T::c(self.d0));
        let mut sum = T::zero();
        for i in 0..k {
            let xi = &x[i * m..(i + 1) * m];
            for j in (i + 1)..k {
                let d = equistein::real::sq_dist(xi, &x[j * m..(j + 1) * m]).sqrt();
                let u = d - d0;
                let u2 = u * u;
                sum += a * u2 * u2 + b * u2 + c;
            }
        }
        sum * T::c(self.scale())
    }

    /// `E(x)`, and `grad ← ∇E(x)`, without checks.
    fn value_grad<T: Real>(&self, x: &[T], grad: &mut [T]) -> T {
        let (k, m) = (self.particles, self.spatial);
        let (a, b, c, d0) = (T::c(self.a), T::c(self.b), T::c(self.c), T::c(self.d0));
        let scale = T::c(self.scale());
        grad.iter_mut().for_each(|g| *g = T::zero());
        let mut sum = T::zero();
        let mut r = [T::zero(); 3];
        let mut r_heap = Vec::new();
        let r: &mut [T] = if m <= 3 {
            &mut r[..m]
        } else {
            r_heap.resize(m, T::zero());
            &mut r_heap
        };
        for i in 0..k {
            for j in (i + 1)..k {
                let mut d2 = T::zero();
                for (l, rl) in r.iter_mut().enumerate() {
                    *rl = x[i * m + l] - x[j * m + l];
                    d2 += *rl * *rl;
                }
                let d = d2.sqrt();
                let u = d - d0;
                let u2 = u * u;
                sum += a * u2 * u2 + b * u2 + c;
                if d > T::zero() {
                    let f = scale * (T::c(4.0) * a * u2 * u + T::c(2.0) * b * u) / d;
                    for (l, &rl) in r.iter().enumerate() {
                        grad[i * m + l] += f * rl;
                        grad[j * m + l] -= f * rl;
                    }
                }
            }
        }
        sum * scale
    }

    fn check_batch(
        &self,
        what: &'static str,
        xs_dim: usize,
        n: usize,
        out: usize,
    ) -> equistein::Result<()> {
        ensure_dim(what, self.particles * self.spatial, xs_dim)?;
        ensure_dim("output length", n, out)
    }
}

impl<T: Real> Energy<T> for DoubleWell {
    fn dim(&self) -> usize {
        self.particles * self.spatial
    }

    fn energy(&self, x: &[T]) -> equistein::Result<T> {
        ensure_dim("double-well input", self.particles * self.spatial, x.len())?;
        Ok(self.value(x))
    }

    fn energy_grad(&self, x: &[T], grad: &mut [T]) -> equistein::Result<T> {
        let d = self.particles * self.spatial;
        ensure_dim("double-well input", d, x.len())?;
        ensure_dim("double-well gradient", d, grad.len())?;
        Ok(self.value_grad(x, grad))
    }

    fn energy_batch(&self, xs: &Particles<T>, out: &mut [T]) -> equistein::Result<()> {
        self.check_batch(
            "double-well batch (dimension)",
            xs.dim(),
            xs.len(),
            out.len(),
        )?;
        let d = xs.dim();
        if xs.len() >= PARALLEL_MIN_BATCH {
            out.par_iter_mut()
                .zip(xs.as_slice().par_chunks_exact(d))
                .for_each(|(o, x)| *o = self.value(x));
        } else {
            for (o, x) in out.iter_mut().zip(xs.iter()) {
                *o = self.value(x);
            }
        }
        Ok(())
    }

    fn energy_grad_batch(
        &self,
        xs: &Particles<T>,
        energies: &mut [T],
        grads: &mut Particles<T>,
    ) -> equistein::Result<()> {
        self.check_batch(
            "double-well batch (dimension)",
            xs.dim(),
            xs.len(),
            energies.len(),
        )?;
        ensure_dim(
            "double-well batch (gradient dimension)",
            xs.dim(),
            grads.dim(),
        )?;
        ensure_dim("double-well batch (gradient count)", xs.len(), grads.len())?;
        let d = xs.dim();
        if xs.len() >= PARALLEL_MIN_BATCH {
            energies
                .par_iter_mut()
                .zip(xs.as_slice().par_chunks_exact(d))
                .zip(grads.as_mut_slice().par_chunks_exact_mut(d))
                .for_each(|((e, x), g)| *e = self.value_grad(x, g));
        } else {
            for ((e, x), g) in energies.iter_mut().zip(xs.iter()).zip(grads.iter_mut()) {
                *e = self.value_grad(x, g);
            }
        }
        Ok(())
    }
}
