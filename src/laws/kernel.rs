//! The laws of a [`ScalarKernel`]: invariance (joint and separate), symmetry, and its gradient.

use super::diff::gradient;
use super::report::{dim, Input, Law, LawResult, Worst};
use super::Tolerance;
use crate::group::Group;
use crate::kernel::ScalarKernel;
use crate::real::Real;
use alloc::vec;
use alloc::vec::Vec;

fn act<T: Real, G: Group<T>>(group: &G, g: &G::Element, x: &[T]) -> Vec<T> {
    let mut out = vec![T::zero(); x.len()];
    group.act(g, x, &mut out);
    out
}

fn pair_dims<T: Real, G: Group<T>>(law: Law, group: &G, x: &[T], y: &[T]) -> LawResult {
    dim(law, "kernel first argument", group.dim(), x.len())?;
    dim(law, "kernel second argument", group.dim(), y.len())
}

/// Checks joint invariance, `k(g·x, g·y) = k(x, y)` ([`Law::KernelJointInvariance`], tolerance
/// [`Tolerance::exact`]): what makes one SVGD direction equivariant (ESVGD.md §2). RBF and IMQ have it for
/// groups that act by isometries.
///
/// ```
/// use equistein::group::So3;
/// use equistein::kernel::Imq;
/// use equistein::laws::{kernel_joint_invariance, Tolerance};
/// let g = So3::from_axis_angle([0.0, 1.0, 1.0], 0.4);
/// let k = Imq::new(0.9).unwrap();
/// kernel_joint_invariance(&So3::new(), &k, &g, &[1.0, 0.0, 2.0], &[0.5, 0.5, 0.0], &Tolerance::default())
///     .unwrap();
/// ```
pub fn kernel_joint_invariance<T: Real, G: Group<T>, K: ScalarKernel<T>>(
    group: &G,
    kernel: &K,
    g: &G::Element,
    x: &[T],
    y: &[T],
    tol: &Tolerance,
) -> LawResult {
    let law = Law::KernelJointInvariance;
    pair_dims(law, group, x, y)?;
    let mut worst = Worst::new();
    let left = kernel.eval(&act(group, g, x), &act(group, g, y));
    worst.equal(law, tol.exact, &[left], &[kernel.eval(x, y)], || {
        vec![Input::new("g", g), Input::new("x", &x), Input::new("y", &y)]
    });
    worst.finish()
}

/// Checks separate invariance, `k(g·x, h·y) = k(x, y)` ([`Law::KernelSeparateInvariance`], tolerance
/// [`Tolerance::exact`]): the property of invariant kernels (group-averaged, invariant-map) that lets a particle
/// interact with every particle whose orbit is near its own.
///
/// ```
/// use equistein::group::CyclicRotation;
/// use equistein::kernel::{GroupAveraged, Rbf};
/// use equistein::laws::{kernel_separate_invariance, Tolerance};
/// let c4 = CyclicRotation::new(4).unwrap();
/// let k = GroupAveraged::new(c4, Rbf::fixed(1.0).unwrap());
/// kernel_separate_invariance(&c4, &k, &1, &2, &[1.0, 0.5], &[-0.3, 2.0], &Tolerance::default()).unwrap();
/// ```
pub fn kernel_separate_invariance<T: Real, G: Group<T>, K: ScalarKernel<T>>(
    group: &G,
    kernel: &K,
    g: &G::Element,
    h: &G::Element,
    x: &[T],
    y: &[T],
    tol: &Tolerance,
) -> LawResult {
    let law = Law::KernelSeparateInvariance;
    pair_dims(law, group, x, y)?;
    let mut worst = Worst::new();
    let left = kernel.eval(&act(group, g, x), &act(group, h, y));
    worst.equal(law, tol.exact, &[left], &[kernel.eval(x, y)], || {
        vec![
            Input::new("g", g),
            Input::new("h", h),
            Input::new("x", &x),
            Input::new("y", &y),
        ]
    });
    worst.finish()
}

/// Checks symmetry, `k(x, y) = k(y, x)` ([`Law::KernelSymmetry`], tolerance [`Tolerance::exact`]). Errors when
/// `x` and `y` differ in length.
///
/// ```
/// use equistein::kernel::Rbf;
/// use equistein::laws::{kernel_symmetry, Tolerance};
/// kernel_symmetry(&Rbf::fixed(0.5).unwrap(), &[1.0, 2.0], &[0.0, 1.5], &Tolerance::default()).unwrap();
/// ```
pub fn kernel_symmetry<T: Real, K: ScalarKernel<T>>(
    kernel: &K,
    x: &[T],
    y: &[T],
    tol: &Tolerance,
) -> LawResult {
    let law = Law::KernelSymmetry;
    dim(law, "kernel arguments", x.len(), y.len())?;
    let mut worst = Worst::new();
    worst.equal(
        law,
        tol.exact,
        &[kernel.eval(x, y)],
        &[kernel.eval(y, x)],
        || vec![Input::new("x", &x), Input::new("y", &y)],
    );
    worst.finish()
}

/// Checks `grad_first` ([`Law::KernelGradient`], tolerance [`Tolerance::derivative`]): the value it returns
/// is `k(x, y)` (coordinate 0 of the report) and the gradient it fills is `∇_x k(x, y)`, coordinate `i` being
/// `(k(x + εe_i, y) − k(x − εe_i, y)) / 2ε` (coordinate `i + 1` of the report).
///
/// Valid only where `k(·, y)` is differentiable: for invariant-map kernels check away from the ties of the
/// map ([`is_smooth_at`](super::is_smooth_at)). Errors when `x` and `y` differ in length.
///
/// ```
/// use equistein::kernel::Imq;
/// use equistein::laws::{kernel_gradient, Tolerance};
/// kernel_gradient(&Imq::new(1.5).unwrap(), &[1.0, 2.0], &[0.0, 1.5], &Tolerance::default()).unwrap();
/// ```
pub fn kernel_gradient<T: Real, K: ScalarKernel<T>>(
    kernel: &K,
    x: &[T],
    y: &[T],
    tol: &Tolerance,
) -> LawResult {
    let law = Law::KernelGradient;
    dim(law, "kernel arguments", x.len(), y.len())?;
    let mut grad = vec![T::zero(); x.len()];
    let value = kernel.grad_first(x, y, &mut grad);
    let mut left = vec![value];
    left.extend_from_slice(&grad);
    let mut right = vec![kernel.eval(x, y)];
    right.extend(gradient(&mut |z: &[T]| kernel.eval(z, y), x, tol.step));
    let mut worst = Worst::new();
    worst.equal(law, tol.derivative, &left, &right, || {
        vec![Input::new("x", &x), Input::new("y", &y)]
    });
    worst.finish()
}
