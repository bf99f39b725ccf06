//! The group laws over random cases.

use crate::run::run;
use crate::strategies::{element, particles, point};
use crate::{Config, Failure};
use equistein::group::{FiniteGroup, Group};
use equistein::laws;
use proptest::strategy::Strategy;

/// Checks [`laws::group_laws`] (identity, composition, inverse, `act_vector` as the differential of `act`) on
/// `config.cases` cases: two elements `a`, `b` from [`Group::sample`], a point `x` and a tangent vector `v`
/// uniform in `[−scale, scale]^d`. The function form of [`group_laws!`](crate::group_laws).
///
/// ```
/// use equistein::group::So2;
/// use equistein_testing::{check_group_laws, Config};
/// check_group_laws(&So2::new(), &Config::default()).unwrap();
/// ```
pub fn check_group_laws<G: Group<f64> + Clone>(group: &G, config: &Config) -> Result<(), Failure> {
    let d = group.dim();
    let cases = (
        element(group),
        element(group),
        point(d, config.scale),
        point(d, config.scale),
    );
    run(config, cases, |(a, b, x, v)| {
        laws::group_laws(group, a, b, x, v, &config.tolerance)
    })
}

/// [`check_group_laws`], then [`laws::finite_group_laws`] (the identity first, each element listed once,
/// closed under composition and inverse) with `config.probes` random probe points, on `min(cases, 16)` cases
/// (the list is the same every time; only the probes change). The function form of
/// [`finite_group_laws!`](crate::finite_group_laws).
///
/// ```
/// use equistein::group::CyclicRotation;
/// use equistein_testing::{check_finite_group_laws, Config};
/// check_finite_group_laws(&CyclicRotation::new(6).unwrap(), &Config::default()).unwrap();
/// ```
pub fn check_finite_group_laws<G: FiniteGroup<f64> + Clone>(
    group: &G,
    config: &Config,
) -> Result<(), Failure> {
    check_group_laws(group, config)?;
    // Not shrunk: probes shrunk towards the origin would stop telling elements apart.
    let probes = particles(group.dim(), config.probes.max(1), config.scale).no_shrink();
    let few = config.with_cases(config.cases.clamp(1, 16));
    run(&few, probes, |p| {
        laws::finite_group_laws(group, p, &config.tolerance)
    })
}
