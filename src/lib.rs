//! # equistein
//!
//! Sampling from and learning probability densities that have symmetries: equivariant Stein variational
//! gradient descent (E-SVGD) and the pieces to build it from (Jaini, Holdijk & Welling, NeurIPS 2021).
//!
//! - [`group`]: symmetry groups acting on `R^d` ([`Group`], [`FiniteGroup`]) and invariant maps ([`OrbitMap`]).
//! - [`kernel`]: scalar kernels ([`ScalarKernel`]) and the batched Stein direction SVGD uses ([`Kernel`]).
//! - [`energy`]: energies and scores ([`Energy`]).
//! - [`sampler`]: SVGD (generic over the kernel; E-SVGD is SVGD with an invariant kernel) and Langevin
//!   ([`Sampler`]).
//! - [`target`]: analytic targets (Gaussian, Gaussian mixtures with C_N symmetry, radial mixtures).
//! - [`cd`]: contrastive-divergence training of energy-based models with persistent SVGD chains.
//! - [`diagnostics`]: kernelized Stein discrepancy, MMD, mean log-density, orbit statistics.
//!
//! ## Quick start
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use equistein::group::CyclicRotation;
//! use equistein::kernel::{GroupAveraged, Rbf};
//! use equistein::target::GaussianMixture;
//! use equistein::{random, Particles, RunLimits, Sampler, Svgd};
//! use rand_core::SeedableRng;
//!
//! let target = GaussianMixture::c_n_symmetric(4, 3.0, 1.0, 0.2)?; // a C4-invariant density
//! let kernel = GroupAveraged::new(CyclicRotation::new(4)?, Rbf::fixed(0.2)?); // invariant kernel: E-SVGD
//! let mut svgd = Svgd::builder(kernel).step_size(0.02).build()?;
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let mut x = Particles::from_fn(2, 50, |_, _| 2.0 * random::standard_normal::<f64, _>(&mut rng));
//! svgd.run(&target, &mut x, &mut rng, RunLimits::steps(2_000), &mut ())?;
//! # let fractions = equistein::diagnostics::mode_fractions(&x, &target.means());
//! # assert!(fractions.iter().all(|&f| f > 0.1), "{fractions:?}");
//! # Ok(())
//! # }
//! ```
//!
//! The crate is `no_std` + `alloc` without its default `std` feature. RNGs are passed in explicitly.
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

pub mod cd;
pub mod diagnostics;
pub mod energy;
pub mod error;
pub mod group;
pub mod kernel;
pub mod laws;
pub mod particles;
pub mod random;
pub mod real;
pub mod sampler;
pub mod target;

pub use energy::{Energy, EnergyFn};
pub use error::{Error, Result};
pub use group::{FiniteGroup, Group, OrbitMap};
pub use kernel::{
    GroupAveraged, Imq, InvariantMap, Kernel, MatrixValued, Rbf, Repulsion, ScalarKernel,
};
pub use particles::Particles;
pub use real::Real;
pub use sampler::{
    Annealing, Control, Langevin, Observer, RunLimits, Sampler, StepInfo, StepSchedule, Svgd,
    SvgdBuilder, Update,
};
