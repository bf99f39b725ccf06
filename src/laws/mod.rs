//! Law checkers for every trait of the core: a user who implements a [`Group`](crate::Group), an
//! [`OrbitMap`](crate::OrbitMap), a [`ScalarKernel`](crate::ScalarKernel), a [`Kernel`](crate::Kernel) or an
//! [`Energy`](crate::Energy) checks it against the laws the samplers rely on.
//!
//! Each checker checks one case (given elements and points) and returns `Ok(())` or a [`LawError`]: either the
//! report of the worst [`Violation`] (which [`Law`], the inputs, the two sides of its equation, the tolerance)
//! or the error the code under test returned. The crate `equistein-testing` runs these checkers over many
//! random cases with proptest; the checkers themselves need nothing but `alloc`.
//!
//! | family | checkers | laws |
//! |---|---|---|
//! | groups | [`group_laws`], [`finite_group_laws`] | `e·x = x`, `(a∘b)·x = a·(b·x)`, `a⁻¹·(a·x) = x`, `act_vector` = differential of `act`; `elements()` closed, each listed once |
//! | orbit maps | [`orbit_map_invariance`], [`orbit_map_vjp`], [`is_smooth_at`] | `P(g·x) = P(x)`; `J_P(x)ᵀv` against finite differences away from ties |
//! | scalar kernels | [`kernel_joint_invariance`], [`kernel_separate_invariance`], [`kernel_symmetry`], [`kernel_gradient`] | `k(g·x, g·y) = k(x, y)`, `k(g·x, h·y) = k(x, y)`, `k(x, y) = k(y, x)`, `∇_x k` against finite differences |
//! | energies | [`energy_invariance`], [`energy_gradient`] | `E(g·x) = E(x)`, `s(g·x) = dg·s(x)`; `∇E` against finite differences |
//! | any [`Kernel`](crate::Kernel) | [`batched_direction`], [`direction_equivariance`] | batched = [`pointwise_stein_direction`](crate::kernel::pointwise_stein_direction); `φ_{g·X}(g·x) = dg·φ_X(x)` for both repulsion forms |
//!
//! Equalities hold when `|left_i − right_i| ≤ tol · max(1, ‖left‖∞, ‖right‖∞)` for every coordinate, with
//! `tol` = [`Tolerance::exact`] for exact laws and [`Tolerance::derivative`] for those against central
//! differences `(f(x + εv) − f(x − εv)) / 2ε`, `ε` = [`Tolerance::step`].
//!
//! ```
//! use equistein::group::CyclicRotation;
//! use equistein::laws::{self, Law, Tolerance};
//! use equistein::Group;
//!
//! /// C4 with a wrong composition: `a∘b = −(a + b) mod 4`, a turn the wrong way.
//! #[derive(Clone)]
//! struct BadC4(CyclicRotation);
//! impl Group<f64> for BadC4 {
//!     type Element = usize;
//!     fn dim(&self) -> usize { 2 }
//!     fn identity(&self) -> usize { 0 }
//!     fn compose(&self, a: &usize, b: &usize) -> usize { 3 * (a + b) % 4 }
//!     fn inverse(&self, a: &usize) -> usize { (4 - a) % 4 }
//!     fn act(&self, g: &usize, x: &[f64], out: &mut [f64]) { self.0.act(g, x, out) }
//!     fn sample<R: rand_core::RngCore + ?Sized>(&self, rng: &mut R) -> usize {
//!         Group::<f64>::sample(&self.0, rng)
//!     }
//! }
//!
//! let c4 = CyclicRotation::new(4).unwrap();
//! let tol = Tolerance::default();
//! assert!(laws::group_laws(&c4, &1, &2, &[1.0, 0.5], &[0.3, -0.2], &tol).is_ok());
//! let err = laws::group_laws(&BadC4(c4), &1, &2, &[1.0, 0.5], &[0.3, -0.2], &tol).unwrap_err();
//! assert_eq!(err.law(), Law::GroupComposition);
//! println!("{err}"); // the law, the inputs, both sides and the tolerance
//! ```

mod diff;
mod direction;
mod energy;
mod finite;
mod group;
mod kernel;
mod orbit_map;
mod report;

pub use diff::is_smooth_at;
pub use direction::{batched_direction, direction_equivariance};
pub use energy::{energy_gradient, energy_invariance};
pub use finite::finite_group_laws;
pub use group::group_laws;
pub use kernel::{
    kernel_gradient, kernel_joint_invariance, kernel_separate_invariance, kernel_symmetry,
};
pub use orbit_map::{orbit_map_invariance, orbit_map_vjp};
pub use report::{Input, Law, LawError, LawResult, Violation};

/// The tolerances of the law checkers (see the module documentation). The default suits `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// The relative tolerance of exact laws (invariances, group axioms, batched against pointwise).
    pub exact: f64,
    /// The relative tolerance of laws checked against central differences.
    pub derivative: f64,
    /// The central-difference step `ε`.
    pub step: f64,
}

impl Tolerance {
    /// For `f64`: `exact = 1e-9`, `derivative = 1e-6`, `step = 1e-6`.
    pub const F64: Tolerance = Tolerance {
        exact: 1e-9,
        derivative: 1e-6,
        step: 1e-6,
    };

    /// For `f32`: `exact = 1e-4`, `derivative = 2e-2`, `step = 1e-2`.
    pub const F32: Tolerance = Tolerance {
        exact: 1e-4,
        derivative: 2e-2,
        step: 1e-2,
    };

    /// These tolerances with `exact` replaced.
    pub fn with_exact(mut self, exact: f64) -> Self {
        self.exact = exact;
        self
    }

    /// These tolerances with `derivative` replaced.
    pub fn with_derivative(mut self, derivative: f64) -> Self {
        self.derivative = derivative;
        self
    }
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance::F64
    }
}
