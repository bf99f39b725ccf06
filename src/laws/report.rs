//! What a checker returns: `Ok(())`, or the law it found broken with a report of the worst violation.

use crate::error::Error;
use crate::kernel::Repulsion;
use crate::real::Real;
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// A law of one of the core's traits. [`Law::formula`] gives the equation that was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Law {
    /// `e·x = x` for the identity `e`.
    GroupIdentity,
    /// `(a∘b)·x = a·(b·x)`.
    GroupComposition,
    /// `a⁻¹·(a·x) = x` and `(a⁻¹∘a)·x = x`.
    GroupInverse,
    /// `dg·v = (g·(x + εv) − g·(x − εv)) / 2ε`: `act_vector` is the differential of `act`.
    GroupDifferential,
    /// `order() = |elements()|`.
    FiniteOrder,
    /// `elements()[0]` acts as the identity.
    FiniteIdentityFirst,
    /// `a∘b ∈ elements()` for all listed `a`, `b`.
    FiniteClosure,
    /// `a⁻¹ ∈ elements()` for every listed `a`.
    FiniteInverseClosure,
    /// Each element is listed once: `e_i·p ≠ e_j·p` on the probe points for `i ≠ j`.
    FiniteDistinct,
    /// `P(g·x) = P(x)`.
    OrbitInvariance,
    /// `J_P(x)ᵀv = Σ_o v_o ∂P_o/∂x`, the derivative by central differences.
    OrbitVjp,
    /// `k(g·x, g·y) = k(x, y)`.
    KernelJointInvariance,
    /// `k(g·x, h·y) = k(x, y)`.
    KernelSeparateInvariance,
    /// `k(x, y) = k(y, x)`.
    KernelSymmetry,
    /// `grad_first(x, y) = (k(x, y), ∇_x k(x, y))`, the gradient by central differences.
    KernelGradient,
    /// `E(g·x) = E(x)`.
    EnergyInvariance,
    /// `s(g·x) = dg·s(x)` for the score `s = −∇E`.
    ScoreEquivariance,
    /// `energy_grad(x) = (E(x), ∇E(x))`, the gradient by central differences.
    EnergyGradient,
    /// The batched `Kernel::stein_direction` equals `pointwise_stein_direction` for this repulsion form.
    BatchedDirection(Repulsion),
    /// `φ_{g·X}(g·x_i) = dg·φ_X(x_i)` for one SVGD direction with this repulsion form.
    DirectionEquivariance(Repulsion),
}

impl Law {
    /// The equation the law states.
    pub fn formula(&self) -> &'static str {
        match self {
            Law::GroupIdentity => "e·x = x",
            Law::GroupComposition => "(a∘b)·x = a·(b·x)",
            Law::GroupInverse => "a⁻¹·(a·x) = x and (a⁻¹∘a)·x = x",
            Law::GroupDifferential => "dg·v = (g·(x + εv) − g·(x − εv)) / 2ε",
            Law::FiniteOrder => "order() = |elements()|",
            Law::FiniteIdentityFirst => "elements()[0] = e",
            Law::FiniteClosure => "a∘b ∈ elements()",
            Law::FiniteInverseClosure => "a⁻¹ ∈ elements()",
            Law::FiniteDistinct => "elements() lists each element once",
            Law::OrbitInvariance => "P(g·x) = P(x)",
            Law::OrbitVjp => "J_P(x)ᵀv = finite differences of vᵀP",
            Law::KernelJointInvariance => "k(g·x, g·y) = k(x, y)",
            Law::KernelSeparateInvariance => "k(g·x, h·y) = k(x, y)",
            Law::KernelSymmetry => "k(x, y) = k(y, x)",
            Law::KernelGradient => "grad_first(x, y) = (k(x, y), finite differences of k(·, y))",
            Law::EnergyInvariance => "E(g·x) = E(x)",
            Law::ScoreEquivariance => "s(g·x) = dg·s(x)",
            Law::EnergyGradient => "energy_grad(x) = (E(x), finite differences of E)",
            Law::BatchedDirection(Repulsion::LiuWang) => {
                "stein_direction = pointwise_stein_direction (Liu–Wang repulsion)"
            }
            Law::BatchedDirection(Repulsion::AuthorsCode) => {
                "stein_direction = pointwise_stein_direction (authors' code repulsion)"
            }
            Law::DirectionEquivariance(Repulsion::LiuWang) => {
                "φ_{g·X}(g·x) = dg·φ_X(x) (Liu–Wang repulsion)"
            }
            Law::DirectionEquivariance(Repulsion::AuthorsCode) => {
                "φ_{g·X}(g·x) = dg·φ_X(x) (authors' code repulsion)"
            }
        }
    }
}

impl fmt::Display for Law {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.formula())
    }
}

/// One named input of a violated case, printed with `Debug` (a group element, a point, a particle set).
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// The input's name in the law's formula (`"g"`, `"x"`, …).
    pub name: &'static str,
    /// Its value, as `Debug` prints it.
    pub value: String,
}

impl Input {
    /// The input `name = value`.
    pub fn new(name: &'static str, value: &dyn fmt::Debug) -> Self {
        Input {
            name,
            value: format!("{value:?}"),
        }
    }
}

/// The worst violation a checker found: the law, the case, the two sides of the equation and the tolerance.
///
/// The two sides are compared coordinate by coordinate: the law holds when
/// `|left_i − right_i| ≤ tolerance · max(1, ‖left‖∞, ‖right‖∞)` for every `i` (the right side of that
/// inequality is [`Violation::allowed`]). For [`Law::FiniteDistinct`] the sides are the actions of two listed
/// elements on the probe points, and the law is broken when they agree: `max_i |left_i − right_i| ≤ allowed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The law broken.
    pub law: Law,
    /// The inputs of the case.
    pub inputs: Vec<Input>,
    /// The left side of the law's equation, widened to `f64`.
    pub left: Vec<f64>,
    /// The right side.
    pub right: Vec<f64>,
    /// The coordinate where `|left − right|` is largest.
    pub coordinate: usize,
    /// `|left − right|` at that coordinate (infinite where one side is not finite).
    pub error: f64,
    /// The largest difference allowed: `tolerance · max(1, ‖left‖∞, ‖right‖∞)`.
    pub allowed: f64,
    /// The relative tolerance used.
    pub tolerance: f64,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.law == Law::FiniteDistinct {
            write!(
                f,
                "law `{}` broken: two listed elements act alike (max |Δ| = {:e} ≤ {:e})",
                self.law, self.error, self.allowed
            )?;
        } else {
            write!(
                f,
                "law `{}` broken at coordinate {}: left {} vs right {}, |Δ| = {:e} > {:e} (tolerance {:e})",
                self.law,
                self.coordinate,
                self.left.get(self.coordinate).copied().unwrap_or(f64::NAN),
                self.right.get(self.coordinate).copied().unwrap_or(f64::NAN),
                self.error,
                self.allowed,
                self.tolerance
            )?;
        }
        for input in &self.inputs {
            write!(f, "; {} = {}", input.name, input.value)?;
        }
        write!(f, "; left = {:?}; right = {:?}", self.left, self.right)
    }
}

/// Why a law check did not pass.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LawError {
    /// The law is broken; the report of its worst violation.
    Violated(Box<Violation>),
    /// The code under test returned an error (or the inputs have the wrong dimension) while checking `law`.
    Failed {
        /// The law being checked.
        law: Law,
        /// The error.
        error: Error,
    },
}

impl LawError {
    /// The law broken or being checked.
    pub fn law(&self) -> Law {
        match self {
            LawError::Violated(v) => v.law,
            LawError::Failed { law, .. } => *law,
        }
    }

    /// The violation report, when the law is broken (rather than the code under test failing).
    pub fn violation(&self) -> Option<&Violation> {
        match self {
            LawError::Violated(v) => Some(v),
            LawError::Failed { .. } => None,
        }
    }
}

impl fmt::Display for LawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LawError::Violated(v) => v.fmt(f),
            LawError::Failed { law, error } => {
                write!(f, "checking `{law}` failed: {error}")
            }
        }
    }
}

impl core::error::Error for LawError {}

/// The result of one law check.
pub type LawResult = core::result::Result<(), LawError>;

/// Tags an error of the code under test with the law being checked.
pub(crate) fn failed(law: Law) -> impl FnOnce(Error) -> LawError {
    move |error| LawError::Failed { law, error }
}

/// Checks that `found == expected` (a slice length), or reports the mismatch for `law`.
pub(crate) fn dim(
    law: Law,
    what: &'static str,
    expected: usize,
    found: usize,
) -> Result<(), LawError> {
    crate::error::ensure_dim(what, expected, found).map_err(failed(law))
}

/// The worst violation over the comparisons of one check.
pub(crate) struct Worst {
    worst: Option<(f64, Violation)>,
}

/// `max(1, largest finite |v|)`.
fn scale(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .chain(b)
        .filter(|v| v.is_finite())
        .fold(1.0f64, |m, v| m.max(v.abs()))
}

impl Worst {
    pub(crate) fn new() -> Self {
        Worst { worst: None }
    }

    fn keep(&mut self, ratio: f64, make: impl FnOnce() -> Violation) {
        if self.worst.as_ref().is_none_or(|(r, _)| ratio > *r) {
            self.worst = Some((ratio, make()));
        }
    }

    /// Records `left = right` (relative tolerance `tolerance`); `inputs` is built only on a violation.
    pub(crate) fn equal<T: Real>(
        &mut self,
        law: Law,
        tolerance: f64,
        left: &[T],
        right: &[T],
        inputs: impl FnOnce() -> Vec<Input>,
    ) {
        let l: Vec<f64> = left.iter().map(|v| v.to_f64_lossy()).collect();
        let r: Vec<f64> = right.iter().map(|v| v.to_f64_lossy()).collect();
        self.equal_f64(law, tolerance, l, r, inputs);
    }

    pub(crate) fn equal_f64(
        &mut self,
        law: Law,
        tolerance: f64,
        left: Vec<f64>,
        right: Vec<f64>,
        inputs: impl FnOnce() -> Vec<Input>,
    ) {
        let allowed = tolerance * scale(&left, &right);
        let (mut coordinate, mut error) = (0, 0.0f64);
        if left.len() != right.len() {
            error = f64::INFINITY;
            coordinate = left.len().min(right.len());
        }
        for (i, (a, b)) in left.iter().zip(&right).enumerate() {
            let e = if a == b { 0.0 } else { (a - b).abs() };
            let e = if e.is_nan() { f64::INFINITY } else { e };
            if e > error {
                error = e;
                coordinate = i;
            }
        }
        if error > allowed {
            let ratio = error / allowed;
            self.keep(ratio, || Violation {
                law,
                inputs: inputs(),
                left,
                right,
                coordinate,
                error,
                allowed,
                tolerance,
            });
        }
    }

    /// Records `left ≠ right`: broken when every coordinate agrees within the tolerance.
    pub(crate) fn distinct(
        &mut self,
        law: Law,
        tolerance: f64,
        left: Vec<f64>,
        right: Vec<f64>,
        inputs: impl FnOnce() -> Vec<Input>,
    ) {
        let allowed = tolerance * scale(&left, &right);
        let (mut coordinate, mut error) = (0, 0.0f64);
        for (i, (a, b)) in left.iter().zip(&right).enumerate() {
            let e = (a - b).abs();
            if e > error || e.is_nan() {
                error = if e.is_nan() { f64::INFINITY } else { e };
                coordinate = i;
            }
        }
        if error <= allowed {
            let ratio = if error > 0.0 {
                allowed / error
            } else {
                f64::INFINITY
            };
            self.keep(ratio, || Violation {
                law,
                inputs: inputs(),
                left,
                right,
                coordinate,
                error,
                allowed,
                tolerance,
            });
        }
    }

    pub(crate) fn finish(self) -> LawResult {
        match self.worst {
            None => Ok(()),
            Some((_, v)) => Err(LawError::Violated(Box::new(v))),
        }
    }
}
