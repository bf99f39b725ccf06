//! The orbit-map laws over random cases.

use crate::run::run;
use crate::strategies::{away_from_ties, element, point};
use crate::{Config, Failure};
use equistein::group::{Group, OrbitMap};
use equistein::laws;
use proptest::strategy::Strategy;

/// Checks [`laws::orbit_map_invariance`] (`P(g·x) = P(x)`) and [`laws::orbit_map_vjp`] (`J_P(x)ᵀv` against
/// central differences) on `config.cases` cases: `g` from [`Group::sample`], `x` uniform in
/// `[−scale, scale]^d` away from the map's ties ([`away_from_ties`] with `config.gap`), `v` uniform in
/// `[−scale, scale]^p`. The function form of [`orbit_map_laws!`](crate::orbit_map_laws).
///
/// ```
/// use equistein::group::{CyclicRotation, WedgeMap};
/// use equistein_testing::{check_orbit_map_laws, Config};
/// let c4 = CyclicRotation::new(4).unwrap();
/// check_orbit_map_laws(&WedgeMap::new(c4), &c4, &Config::default()).unwrap();
/// ```
pub fn check_orbit_map_laws<M: OrbitMap<f64> + Clone, G: Group<f64> + Clone>(
    map: &M,
    group: &G,
    config: &Config,
) -> Result<(), Failure> {
    check_orbit_map_laws_with(map, group, element(group), config)
}

/// [`check_orbit_map_laws`] with the group elements drawn from `elements` instead of [`Group::sample`]: for
/// a map invariant under a subgroup only (a canonical frame that tells mirror images apart is invariant under
/// the proper elements of E(m) × S_k).
pub fn check_orbit_map_laws_with<M, G, S>(
    map: &M,
    group: &G,
    elements: S,
    config: &Config,
) -> Result<(), Failure>
where
    M: OrbitMap<f64> + Clone,
    G: Group<f64>,
    S: Strategy<Value = G::Element>,
{
    let cases = (
        elements,
        away_from_ties(map, config.scale, config.gap),
        point(map.output_dim(), config.scale),
    );
    run(config, cases, |(g, x, v)| {
        laws::orbit_map_invariance(group, map, g, x, &config.tolerance)?;
        laws::orbit_map_vjp(map, x, v, &config.tolerance)
    })
}
