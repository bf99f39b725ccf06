//! The energy laws and the equivariance of SVGD over random cases.

use crate::run::run;
use crate::strategies::{element, particles, point};
use crate::{Config, Failure};
use equistein::group::Group;
use equistein::kernel::Kernel;
use equistein::laws;
use equistein::Energy;

/// Checks an energy on `config.cases` cases (`g` from [`Group::sample`], `x` uniform in `[−scale, scale]^d`):
/// `E(g·x) = E(x)` and `s(g·x) = dg·s(x)` ([`laws::energy_invariance`]), and `energy_grad` against central
/// differences ([`laws::energy_gradient`]). The function form of [`energy_laws!`](crate::energy_laws).
///
/// ```
/// use equistein::group::CyclicRotation;
/// use equistein::target::GaussianMixture;
/// use equistein_testing::{check_energy_laws, Config};
/// let target = GaussianMixture::c_n_symmetric(4, 3.0, 1.0, 0.2).unwrap();
/// check_energy_laws(&target, &CyclicRotation::new(4).unwrap(), &Config::default()).unwrap();
/// ```
pub fn check_energy_laws<E: Energy<f64> + ?Sized, G: Group<f64> + Clone>(
    energy: &E,
    group: &G,
    config: &Config,
) -> Result<(), Failure> {
    let cases = (element(group), point(group.dim(), config.scale));
    run(config, cases, |(g, x)| {
        laws::energy_invariance(group, energy, g, x, &config.tolerance)?;
        laws::energy_gradient(energy, x, &config.tolerance)
    })
}

/// Checks that one SVGD direction of any [`Kernel`] (scalar or matrix-valued) is equivariant for an
/// invariant energy, `φ_{g·X}(g·x) = dg·φ_X(x)` for both repulsion forms ([`laws::direction_equivariance`]),
/// on `config.cases` cases of `config.particles` random particles and `g` from [`Group::sample`]. The function
/// form of [`svgd_laws!`](crate::svgd_laws).
///
/// ```
/// use equistein::group::CyclicRotation;
/// use equistein::kernel::{MatrixValued, Rbf};
/// use equistein::target::GaussianMixture;
/// use equistein_testing::{check_svgd_laws, Config};
/// let c4 = CyclicRotation::new(4).unwrap();
/// let target = GaussianMixture::c_n_symmetric(4, 3.0, 1.0, 0.2).unwrap();
/// let kernel = MatrixValued::new(c4, Rbf::fixed(1.0).unwrap());
/// check_svgd_laws(&kernel, &target, &c4, &Config::default().with_cases(16)).unwrap();
/// ```
pub fn check_svgd_laws<K: Kernel<f64> + ?Sized, E: Energy<f64> + ?Sized, G: Group<f64> + Clone>(
    kernel: &K,
    energy: &E,
    group: &G,
    config: &Config,
) -> Result<(), Failure> {
    let n = config.particles.max(2);
    let cases = (element(group), particles(group.dim(), n, config.scale));
    run(config, cases, |(g, xs)| {
        laws::direction_equivariance(group, energy, kernel, g, xs, &config.tolerance)
    })
}
