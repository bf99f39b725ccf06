//! The persistent negative chain with its reset probability and fresh-start policy.

use crate::error::{ensure_dim, Error, Result};
use crate::particles::Particles;
use crate::random::{standard_normal, uniform, uniform01};
use crate::real::Real;
use alloc::boxed::Box;
use core::fmt;
use rand_core::RngCore;

/// A closure that fills a fresh chain (`d × n`, already allocated) from an RNG and the positive batch.
pub type FreshFn<T> =
    dyn FnMut(&mut dyn RngCore, &Particles<T>, &mut Particles<T>) -> Result<()> + Send;

/// Where a fresh chain starts.
pub enum FreshStart<T: Real> {
    /// From the positive batch (the toy EBMs): negative `j` starts at positive `j mod B`.
    Positives,
    /// Independent uniform draws from `[lo, hi)` in every coordinate (DW-4: `U[−5, 5)^8`).
    Uniform {
        /// The lower bound.
        lo: T,
        /// The upper bound (exclusive), `> lo`.
        hi: T,
    },
    /// Independent normal draws `N(mean, std²)` in every coordinate.
    Normal {
        /// The mean of every coordinate.
        mean: T,
        /// The standard deviation, `> 0`.
        std: T,
    },
    /// Any other distribution: the closure fills the chain.
    Custom(Box<FreshFn<T>>),
}

impl<T: Real> fmt::Debug for FreshStart<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FreshStart::Positives => f.write_str("Positives"),
            FreshStart::Uniform { lo, hi } => f
                .debug_struct("Uniform")
                .field("lo", lo)
                .field("hi", hi)
                .finish(),
            FreshStart::Normal { mean, std } => f
                .debug_struct("Normal")
                .field("mean", mean)
                .field("std", std)
                .finish(),
            FreshStart::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

impl<T: Real> FreshStart<T> {
    fn validate(&self) -> Result<()> {
        match self {
            FreshStart::Uniform { lo, hi } if !(lo.is_finite() && hi.is_finite() && lo < hi) => {
                Err(Error::InvalidParameter {
                    name: "fresh start (uniform)",
                    reason: alloc::format!("need finite lo < hi, got [{lo}, {hi})"),
                })
            }
            FreshStart::Normal { mean, std } if !(mean.is_finite() && std.is_finite()) => {
                Err(Error::InvalidParameter {
                    name: "fresh start (normal)",
                    reason: alloc::format!("need a finite mean and std, got {mean}, {std}"),
                })
            }
            FreshStart::Normal { std, .. } => {
                crate::error::ensure_positive("fresh start std", std.to_f64_lossy())
            }
            _ => Ok(()),
        }
    }
}

/// Forwards to an RNG that may be unsized, so that it can be lent as `&mut dyn RngCore`.
struct Lend<'a, R: ?Sized>(&'a mut R);

impl<R: RngCore + ?Sized> RngCore for Lend<'_, R> {
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        self.0.fill_bytes(dst)
    }
}

/// One persistent chain of `n` negatives in `R^d`, shared across batches and epochs (Tieleman 2008).
///
/// Before each batch, [`PersistentChain::prepare`] draws `u ~ U[0, 1)` once and starts fresh if `u < p_reset`
/// or the chain is empty (the first batch, or after [`PersistentChain::clear`]); otherwise the chain keeps the
/// previous batch's final negatives untouched.
///
/// ```
/// use equistein::cd::{FreshStart, PersistentChain};
/// use equistein::Particles;
/// use rand_core::SeedableRng;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
/// let positives = Particles::from_fn(2, 4, |i, k| (i * 2 + k) as f64);
/// let mut chain = PersistentChain::new(2, 4, 0.0, FreshStart::Positives).unwrap();
/// assert!(chain.prepare(&positives, &mut rng).unwrap()); // the first batch always starts fresh
/// chain.particles_mut().unwrap().as_mut_slice()[0] = 9.0; // the sampler moves the chain
/// assert!(!chain.prepare(&positives, &mut rng).unwrap()); // p_reset = 0: the chain is kept
/// assert_eq!(chain.particles().unwrap().as_slice()[0], 9.0);
/// ```
#[derive(Debug)]
pub struct PersistentChain<T: Real> {
    dim: usize,
    size: usize,
    reset_probability: f64,
    fresh: FreshStart<T>,
    particles: Option<Particles<T>>,
    resets: usize,
    prepared: usize,
}

impl<T: Real> PersistentChain<T> {
    /// A chain of `size ≥ 1` negatives in `R^dim`, reset with probability `reset_probability ∈ [0, 1]` per batch
    /// to `fresh`.
    pub fn new(
        dim: usize,
        size: usize,
        reset_probability: f64,
        fresh: FreshStart<T>,
    ) -> Result<Self> {
        if dim == 0 {
            return Err(Error::InvalidParameter {
                name: "chain dimension",
                reason: "must be at least 1".into(),
            });
        }
        if size == 0 {
            return Err(Error::InvalidParameter {
                name: "chain size",
                reason: "must be at least 1".into(),
            });
        }
        if !(0.0..=1.0).contains(&reset_probability) {
            return Err(Error::InvalidParameter {
                name: "reset probability",
                reason: alloc::format!("must lie in [0, 1], got {reset_probability}"),
            });
        }
        fresh.validate()?;
        Ok(PersistentChain {
            dim,
            size,
            reset_probability,
            fresh,
            particles: None,
            resets: 0,
            prepared: 0,
        })
    }

    /// The dimension `d`.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The number of negatives `n`.
    pub fn size(&self) -> usize {
        self.size
    }

    /// `p_reset`.
    pub fn reset_probability(&self) -> f64 {
        self.reset_probability
    }

    /// The current negatives (`None` before the first batch).
    pub fn particles(&self) -> Option<&Particles<T>> {
        self.particles.as_ref()
    }

    /// The current negatives, mutable (the sampler moves them).
    pub fn particles_mut(&mut self) -> Option<&mut Particles<T>> {
        self.particles.as_mut()
    }

    /// Replaces the chain (restoring a checkpoint); `None` empties it. Checks the shape and finiteness.
    pub fn set_particles(&mut self, particles: Option<Particles<T>>) -> Result<()> {
        if let Some(p) = &particles {
            ensure_dim("chain (dimension)", self.dim, p.dim())?;
            ensure_dim("chain (size)", self.size, p.len())?;
            p.check_finite("chain")?;
        }
        self.particles = particles;
        Ok(())
    }

    /// Empties the chain: the next batch starts fresh.
    pub fn clear(&mut self) {
        self.particles = None;
    }

    /// How many times [`PersistentChain::prepare`] started fresh, and how many times it was called.
    pub fn counts(&self) -> (usize, usize) {
        (self.resets, self.prepared)
    }

    /// Readies the chain for the next batch: one draw `u ~ U[0, 1)`; if `u < p_reset` or the chain is empty,
    /// refills it from the fresh-start policy (`positives` is the batch, used by [`FreshStart::Positives`]).
    /// Returns whether it started fresh.
    pub fn prepare<R: RngCore + ?Sized>(
        &mut self,
        positives: &Particles<T>,
        rng: &mut R,
    ) -> Result<bool> {
        let u = uniform01(rng);
        self.prepared += 1;
        let fresh = self.particles.is_none() || u < self.reset_probability;
        if !fresh {
            return Ok(false);
        }
        let mut p = self
            .particles
            .take()
            .unwrap_or_else(|| Particles::zeros(self.dim, self.size));
        match &mut self.fresh {
            FreshStart::Positives => {
                ensure_dim("positive batch (dimension)", self.dim, positives.dim())?;
                if positives.is_empty() {
                    return Err(Error::InvalidParameter {
                        name: "positive batch",
                        reason: "a fresh start from the positives needs at least one".into(),
                    });
                }
                let m = positives.len();
                for j in 0..self.size {
                    p.particle_mut(j).copy_from_slice(positives.particle(j % m));
                }
            }
            FreshStart::Uniform { lo, hi } => {
                let (lo, hi) = (*lo, *hi);
                p.as_mut_slice()
                    .iter_mut()
                    .for_each(|v| *v = uniform(rng, lo, hi));
            }
            FreshStart::Normal { mean, std } => {
                let (mean, std) = (*mean, *std);
                p.as_mut_slice()
                    .iter_mut()
                    .for_each(|v| *v = mean + std * standard_normal::<T, R>(rng));
            }
            FreshStart::Custom(f) => {
                let mut lent = Lend(rng);
                f(&mut lent, positives, &mut p)?;
                ensure_dim("fresh chain (dimension)", self.dim, p.dim())?;
                ensure_dim("fresh chain (size)", self.size, p.len())?;
            }
        }
        p.check_finite("fresh chain")?;
        self.particles = Some(p);
        self.resets += 1;
        Ok(true)
    }
}
