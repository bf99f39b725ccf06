//! proptest strategies: points, particle sets, Haar-random group elements, points away from ties.

use equistein::group::{Group, OrbitMap};
use equistein::laws::is_smooth_at;
use equistein::Particles;
use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A point of `R^dim`, each coordinate uniform in `[−scale, scale]`.
///
/// ```
/// use equistein_testing::strategies::point;
/// use proptest::strategy::{Strategy, ValueTree};
/// let mut runner = proptest::test_runner::TestRunner::default();
/// let x = point(3, 2.0).new_tree(&mut runner).unwrap().current();
/// assert!(x.len() == 3 && x.iter().all(|c| c.abs() <= 2.0));
/// ```
pub fn point(dim: usize, scale: f64) -> impl Strategy<Value = Vec<f64>> + Clone {
    let s = scale.abs();
    prop::collection::vec(-s..=s, dim)
}

/// `n` particles in `R^dim`, each coordinate uniform in `[−scale, scale]`.
///
/// ```
/// use equistein_testing::strategies::particles;
/// use proptest::strategy::{Strategy, ValueTree};
/// let mut runner = proptest::test_runner::TestRunner::default();
/// let p = particles(2, 5, 1.0).new_tree(&mut runner).unwrap().current();
/// assert_eq!((p.dim(), p.len()), (2, 5));
/// ```
pub fn particles(
    dim: usize,
    n: usize,
    scale: f64,
) -> impl Strategy<Value = Particles<f64>> + Clone {
    point(dim * n, scale).prop_map(move |flat| Particles::from_fn(dim, n, |j, c| flat[j * dim + c]))
}

/// A group element drawn by [`Group::sample`] (Haar for compact groups) from an RNG seeded by the case: the
/// same case gives the same element.
///
/// ```
/// use equistein::group::So3;
/// use equistein_testing::strategies::element;
/// use proptest::strategy::{Strategy, ValueTree};
/// let mut runner = proptest::test_runner::TestRunner::default();
/// let r: [f64; 9] = element(&So3::new()).new_tree(&mut runner).unwrap().current();
/// assert!((r[0] * r[0] + r[3] * r[3] + r[6] * r[6] - 1.0).abs() < 1e-12);
/// ```
pub fn element<G: Group<f64> + Clone>(group: &G) -> impl Strategy<Value = G::Element> + Clone {
    let group = group.clone();
    any::<u64>().prop_map(move |seed| group.sample(&mut ChaCha8Rng::seed_from_u64(seed)))
}

/// A point where `f: R^d → R^m` is smooth on the scale `gap` ([`is_smooth_at`]): uniform in `[−scale, scale]^d`,
/// rejecting points within about `gap` of a kink or a jump.
pub fn smooth_point<F: Fn(&[f64], &mut [f64]) + Clone>(
    f: F,
    d: usize,
    m: usize,
    scale: f64,
    gap: f64,
) -> impl Strategy<Value = Vec<f64>> + Clone {
    point(d, scale).prop_filter("near a tie (not smooth)", move |x| {
        is_smooth_at(&f, m, x, gap)
    })
}

/// A point away from the ties of an orbit map (the boundary of a wedge, equal keys of a sort, the origin of a
/// norm): uniform in `[−scale, scale]^d`, rejecting points where the map is not smooth on the scale `gap`.
///
/// ```
/// use equistein::group::SortMap;
/// use equistein_testing::strategies::away_from_ties;
/// use proptest::strategy::{Strategy, ValueTree};
/// let sort = SortMap::new(3, 1).unwrap();
/// let mut runner = proptest::test_runner::TestRunner::default();
/// let x = away_from_ties(&sort, 3.0, 1e-3).new_tree(&mut runner).unwrap().current();
/// assert!((x[0] - x[1]).abs() > 1e-4 && (x[1] - x[2]).abs() > 1e-4 && (x[0] - x[2]).abs() > 1e-4);
/// ```
pub fn away_from_ties<M: OrbitMap<f64> + Clone>(
    map: &M,
    scale: f64,
    gap: f64,
) -> impl Strategy<Value = Vec<f64>> + Clone {
    let (d, m) = (map.input_dim(), map.output_dim());
    let map = map.clone();
    smooth_point(
        move |x: &[f64], out: &mut [f64]| map.map(x, out),
        d,
        m,
        scale,
        gap,
    )
}
