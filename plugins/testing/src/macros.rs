//! One macro per trait: each runs the function form with [`Config::default`](crate::Config) (or the given
//! configuration) and panics with the report of the simplest failing case, for use in `#[test]` functions.

/// Checks the group laws ([`check_group_laws`](crate::check_group_laws)); panics with the report on failure.
///
/// ```
/// equistein_testing::group_laws!(equistein::group::So3::new());
/// ```
#[macro_export]
macro_rules! group_laws {
    ($group:expr, $config:expr $(,)?) => {
        $crate::assert_laws($crate::check_group_laws(&$group, &$config))
    };
    ($group:expr $(,)?) => {
        $crate::group_laws!($group, $crate::Config::default())
    };
}

/// Checks the group laws and those of the list of elements
/// ([`check_finite_group_laws`](crate::check_finite_group_laws)); panics with the report on failure.
///
/// ```
/// equistein_testing::finite_group_laws!(equistein::group::Permutations::new(3, 2).unwrap());
/// ```
#[macro_export]
macro_rules! finite_group_laws {
    ($group:expr, $config:expr $(,)?) => {
        $crate::assert_laws($crate::check_finite_group_laws(&$group, &$config))
    };
    ($group:expr $(,)?) => {
        $crate::finite_group_laws!($group, $crate::Config::default())
    };
}

/// Checks an orbit map's invariance under the group and its vector–Jacobian product
/// ([`check_orbit_map_laws`](crate::check_orbit_map_laws)); panics with the report on failure.
///
/// ```
/// let g = equistein::group::Reflections::all(3).unwrap();
/// equistein_testing::orbit_map_laws!(g.orbit_map(), g);
/// ```
#[macro_export]
macro_rules! orbit_map_laws {
    ($map:expr, $group:expr, $config:expr $(,)?) => {
        $crate::assert_laws($crate::check_orbit_map_laws(&$map, &$group, &$config))
    };
    ($map:expr, $group:expr $(,)?) => {
        $crate::orbit_map_laws!($map, $group, $crate::Config::default())
    };
}

/// Checks a scalar kernel: symmetry, joint invariance under the group, its gradient, its batched direction
/// ([`check_kernel_laws`](crate::check_kernel_laws)); panics with the report on failure.
///
/// ```
/// let k = equistein::kernel::Imq::new(1.0).unwrap();
/// equistein_testing::kernel_laws!(k, equistein::group::So2::new());
/// ```
#[macro_export]
macro_rules! kernel_laws {
    ($kernel:expr, $group:expr, $config:expr $(,)?) => {
        $crate::assert_laws($crate::check_kernel_laws(&$kernel, &$group, &$config))
    };
    ($kernel:expr, $group:expr $(,)?) => {
        $crate::kernel_laws!($kernel, $group, $crate::Config::default())
    };
}

/// [`kernel_laws!`] plus separate invariance `k(g·x, h·y) = k(x, y)`
/// ([`check_invariant_kernel_laws`](crate::check_invariant_kernel_laws)); panics with the report on failure.
///
/// ```
/// use equistein::group::So2;
/// use equistein::kernel::{InvariantMap, Rbf};
/// let k = InvariantMap::new(So2::new().orbit_map(), Rbf::fixed(1.0).unwrap());
/// equistein_testing::invariant_kernel_laws!(k, So2::new());
/// ```
#[macro_export]
macro_rules! invariant_kernel_laws {
    ($kernel:expr, $group:expr, $config:expr $(,)?) => {
        $crate::assert_laws($crate::check_invariant_kernel_laws(
            &$kernel, &$group, &$config,
        ))
    };
    ($kernel:expr, $group:expr $(,)?) => {
        $crate::invariant_kernel_laws!($kernel, $group, $crate::Config::default())
    };
}

/// Checks an energy's invariance, its score's equivariance and its gradient
/// ([`check_energy_laws`](crate::check_energy_laws)); panics with the report on failure.
///
/// ```
/// use equistein::group::CyclicRotation;
/// use equistein::target::GaussianMixture;
/// let target = GaussianMixture::c_n_symmetric(4, 3.0, 1.0, 0.2).unwrap();
/// equistein_testing::energy_laws!(target, CyclicRotation::new(4).unwrap());
/// ```
#[macro_export]
macro_rules! energy_laws {
    ($energy:expr, $group:expr, $config:expr $(,)?) => {
        $crate::assert_laws($crate::check_energy_laws(&$energy, &$group, &$config))
    };
    ($energy:expr, $group:expr $(,)?) => {
        $crate::energy_laws!($energy, $group, $crate::Config::default())
    };
}

/// Checks that one SVGD direction of any kernel is equivariant for an invariant energy, for both repulsion
/// forms ([`check_svgd_laws`](crate::check_svgd_laws)); panics with the report on failure.
///
/// ```
/// use equistein::group::CyclicRotation;
/// use equistein::kernel::{GroupAveraged, Rbf};
/// use equistein::target::GaussianMixture;
/// let c4 = CyclicRotation::new(4).unwrap();
/// let target = GaussianMixture::c_n_symmetric(4, 3.0, 1.0, 0.2).unwrap();
/// equistein_testing::svgd_laws!(GroupAveraged::new(c4, Rbf::fixed(1.0).unwrap()), target, c4);
/// ```
#[macro_export]
macro_rules! svgd_laws {
    ($kernel:expr, $energy:expr, $group:expr, $config:expr $(,)?) => {
        $crate::assert_laws($crate::check_svgd_laws(
            &$kernel, &$energy, &$group, &$config,
        ))
    };
    ($kernel:expr, $energy:expr, $group:expr $(,)?) => {
        $crate::svgd_laws!($kernel, $energy, $group, $crate::Config::default())
    };
}
