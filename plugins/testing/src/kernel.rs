//! The scalar-kernel laws over random cases.

use crate::run::run;
use crate::strategies::{element, particles};
use crate::{Config, Failure};
use equistein::group::Group;
use equistein::kernel::{Kernel, ScalarKernel};
use equistein::laws::{self, is_smooth_at, Law, LawError, LawResult};
use equistein::Particles;

/// The scalar laws on every pair of a particle set, with the kernel fitted to the set.
fn pair_laws<G: Group<f64>, K: ScalarKernel<f64> + Kernel<f64>>(
    kernel: &K,
    group: &G,
    g: &G::Element,
    h: Option<&G::Element>,
    xs: &Particles<f64>,
    scores: &Particles<f64>,
    config: &Config,
) -> LawResult {
    let tol = &config.tolerance;
    let k = kernel.fit(xs).map_err(|error| LawError::Failed {
        law: Law::KernelSymmetry,
        error,
    })?;
    for (i, x) in xs.iter().enumerate() {
        for y in xs.iter().skip(i) {
            laws::kernel_symmetry(&k, x, y, tol)?;
            laws::kernel_joint_invariance(group, &k, g, x, y, tol)?;
            if let Some(h) = h {
                laws::kernel_separate_invariance(group, &k, g, h, x, y, tol)?;
            }
            let f = |z: &[f64], out: &mut [f64]| out[0] = k.eval(z, y);
            if is_smooth_at(f, 1, x, config.gap) {
                laws::kernel_gradient(&k, x, y, tol)?;
            }
        }
    }
    laws::batched_direction(kernel, xs, xs, scores, tol)
}

/// Checks a scalar kernel on `config.cases` cases, each a set `X` of `config.particles` random particles
/// with random scores and an element `g` from [`Group::sample`]: on every pair `x, y` of `X`, with the kernel
/// fitted to `X` ([`ScalarKernel::fit`]),
///
/// - symmetry `k(x, y) = k(y, x)` ([`laws::kernel_symmetry`]);
/// - joint invariance `k(g·x, g·y) = k(x, y)` ([`laws::kernel_joint_invariance`]);
/// - `grad_first` against central differences ([`laws::kernel_gradient`]) where `k(·, y)` is smooth on the
///   scale `config.gap`;
///
/// and the batched Stein direction against `pointwise_stein_direction` for both repulsion forms
/// ([`laws::batched_direction`]). The function form of [`kernel_laws!`](crate::kernel_laws).
///
/// ```
/// use equistein::group::So3;
/// use equistein::kernel::Rbf;
/// use equistein_testing::{check_kernel_laws, Config};
/// check_kernel_laws(&Rbf::median(), &So3::new(), &Config::default().with_cases(8)).unwrap();
/// ```
pub fn check_kernel_laws<K: ScalarKernel<f64> + Kernel<f64>, G: Group<f64> + Clone>(
    kernel: &K,
    group: &G,
    config: &Config,
) -> Result<(), Failure> {
    let (d, n) = (group.dim(), config.particles.max(2));
    let cases = (
        element(group),
        particles(d, n, config.scale),
        particles(d, n, config.scale),
    );
    run(config, cases, |(g, xs, scores)| {
        pair_laws(kernel, group, g, None, xs, scores, config)
    })
}

/// [`check_kernel_laws`] plus separate invariance `k(g·x, h·y) = k(x, y)` for two independent elements
/// ([`laws::kernel_separate_invariance`]): for invariant kernels (group-averaged, invariant-map). The function
/// form of [`invariant_kernel_laws!`](crate::invariant_kernel_laws).
///
/// ```
/// use equistein::group::CyclicRotation;
/// use equistein::kernel::{GroupAveraged, Rbf};
/// use equistein_testing::{check_invariant_kernel_laws, Config};
/// let c4 = CyclicRotation::new(4).unwrap();
/// let k = GroupAveraged::new(c4, Rbf::fixed(1.0).unwrap());
/// check_invariant_kernel_laws(&k, &c4, &Config::default().with_cases(8)).unwrap();
/// ```
pub fn check_invariant_kernel_laws<K: ScalarKernel<f64> + Kernel<f64>, G: Group<f64> + Clone>(
    kernel: &K,
    group: &G,
    config: &Config,
) -> Result<(), Failure> {
    let (d, n) = (group.dim(), config.particles.max(2));
    let cases = (
        element(group),
        element(group),
        particles(d, n, config.scale),
        particles(d, n, config.scale),
    );
    run(config, cases, |(g, h, xs, scores)| {
        pair_laws(kernel, group, g, Some(h), xs, scores, config)
    })
}
