//! # equistein-testing
//!
//! Property tests for your own symmetry groups, orbit maps, kernels and energies: the checkers of
//! [`equistein::laws`] run over many random cases with [proptest](https://docs.rs/proptest), shrinking a failing
//! case to a simple one and reporting the law, the inputs, the two sides of its equation and the tolerance.
//!
//! | macro | function form | checks |
//! |---|---|---|
//! | [`group_laws!`] | [`check_group_laws`] | `e·x = x`, `(a∘b)·x = a·(b·x)`, `a⁻¹·(a·x) = x`, `act_vector` = the differential of `act` |
//! | [`finite_group_laws!`] | [`check_finite_group_laws`] | the above, and `elements()`: identity first, each once, closed |
//! | [`orbit_map_laws!`] | [`check_orbit_map_laws`] | `P(g·x) = P(x)`, `J_P(x)ᵀv` against finite differences away from ties |
//! | [`kernel_laws!`] | [`check_kernel_laws`] | `k(x, y) = k(y, x)`, `k(g·x, g·y) = k(x, y)`, `∇_x k`, batched = pointwise direction |
//! | [`invariant_kernel_laws!`] | [`check_invariant_kernel_laws`] | the above and `k(g·x, h·y) = k(x, y)` |
//! | [`energy_laws!`] | [`check_energy_laws`] | `E(g·x) = E(x)`, `s(g·x) = dg·s(x)`, `∇E` against finite differences |
//! | [`svgd_laws!`] | [`check_svgd_laws`] | `φ_{g·X}(g·x) = dg·φ_X(x)` for both repulsion forms, any [`Kernel`](equistein::Kernel) |
//!
//! Add it as a dev-dependency and write one line per trait:
//!
//! ```
//! use equistein::group::{CyclicRotation, WedgeMap};
//! use equistein::kernel::{GroupAveraged, Rbf};
//! use equistein::target::GaussianMixture;
//! use equistein_testing::*;
//!
//! let c4 = CyclicRotation::new(4).unwrap();
//! finite_group_laws!(c4);
//! orbit_map_laws!(WedgeMap::new(c4), c4);
//! invariant_kernel_laws!(GroupAveraged::new(c4, Rbf::fixed(1.0).unwrap()), c4);
//! energy_laws!(GaussianMixture::c_n_symmetric(4, 3.0, 1.0, 0.2).unwrap(), c4);
//! ```
//!
//! The function forms return the [`Failure`] instead of panicking, so a test can assert that a wrong
//! implementation is caught:
//!
//! ```
//! use equistein::laws::Law;
//! use equistein::{Particles, ScalarKernel};
//! use equistein_testing::{check_invariant_kernel_laws, Config};
//!
//! /// `k(x, y) = exp(−(x₀ − y₀)²)`: not invariant under rotations.
//! #[derive(Clone)]
//! struct FirstCoordinate;
//! impl ScalarKernel<f64> for FirstCoordinate {
//!     fn eval(&self, x: &[f64], y: &[f64]) -> f64 { (-(x[0] - y[0]).powi(2)).exp() }
//!     fn grad_first(&self, x: &[f64], y: &[f64], g: &mut [f64]) -> f64 {
//!         let k = self.eval(x, y);
//!         g.fill(0.0);
//!         g[0] = -2.0 * (x[0] - y[0]) * k;
//!         k
//!     }
//! }
//! impl equistein::Kernel<f64> for FirstCoordinate {
//!     fn stein_direction(
//!         &self,
//!         input: &equistein::kernel::SteinInput<'_, f64>,
//!         out: &mut Particles<f64>,
//!     ) -> equistein::Result<()> {
//!         equistein::kernel::pointwise_stein_direction(self, input, out)
//!     }
//! }
//!
//! let so2 = equistein::group::So2::new();
//! let failure = check_invariant_kernel_laws(&FirstCoordinate, &so2, &Config::default()).unwrap_err();
//! assert_eq!(failure.report().unwrap().law(), Law::KernelJointInvariance);
//! ```
//!
//! Points are uniform in `[−scale, scale]^d`, group elements come from [`Group::sample`](equistein::Group)
//! (Haar for the compact groups) seeded by the case, and derivative laws are checked only at points where the
//! function is smooth on the scale [`Config::gap`] ([`strategies::away_from_ties`]). The kit works in `f64`;
//! the checkers of [`equistein::laws`] are generic over the scalar.

mod config;
mod energy;
mod group;
mod kernel;
mod macros;
mod orbit_map;
mod run;
pub mod strategies;

pub use config::Config;
pub use energy::{check_energy_laws, check_svgd_laws};
pub use group::{check_finite_group_laws, check_group_laws};
pub use kernel::{check_invariant_kernel_laws, check_kernel_laws};
pub use orbit_map::{check_orbit_map_laws, check_orbit_map_laws_with};
pub use run::{assert_laws, Failure};

/// The checkers and their reports, re-exported: [`Law`](equistein::laws::Law),
/// [`LawError`](equistein::laws::LawError), [`Violation`](equistein::laws::Violation),
/// [`Tolerance`](equistein::laws::Tolerance).
pub use equistein::laws::{self, Law, LawError, Tolerance, Violation};

/// The RNG trait crate of [`Group::sample`](equistein::Group::sample), so that a test crate can implement a
/// group with no dependency but `equistein` and `equistein-testing`.
pub use rand_chacha::rand_core;
