//! The laws of a [`Group`]: identity, composition, inverse, and `act_vector` as the differential of `act`.

use super::diff::central;
use super::report::{dim, Input, Law, LawResult, Worst};
use super::Tolerance;
use crate::group::Group;
use crate::real::Real;
use alloc::vec;
use alloc::vec::Vec;

fn act<T: Real, G: Group<T>>(group: &G, g: &G::Element, x: &[T]) -> Vec<T> {
    let mut out = vec![T::zero(); x.len()];
    group.act(g, x, &mut out);
    out
}

/// Checks the group laws at the point `x` for the elements `a`, `b` and the tangent vector `v`:
///
/// - identity: `e·x = x` ([`Law::GroupIdentity`]);
/// - composition: `(a∘b)·x = a·(b·x)`, first `b`, then `a` ([`Law::GroupComposition`]);
/// - inverse: `a⁻¹·(a·x) = x` and `(a⁻¹∘a)·x = x` ([`Law::GroupInverse`]);
/// - differential: `dg·v = (g·(x + εv) − g·(x − εv)) / 2ε` for `g = a` and `g = b`, `dg·v` being
///   `act_vector(g, v)` ([`Law::GroupDifferential`], tolerance [`Tolerance::derivative`]).
///
/// Exact laws use [`Tolerance::exact`]. Returns the worst violation; errors when `x` or `v` is not of length
/// [`Group::dim`].
///
/// ```
/// use equistein::group::So2;
/// use equistein::laws::{group_laws, Tolerance};
/// let g = So2::new();
/// group_laws(&g, &0.7, &-2.1, &[1.0, 2.0], &[0.5, 0.0], &Tolerance::default()).unwrap();
/// ```
pub fn group_laws<T: Real, G: Group<T>>(
    group: &G,
    a: &G::Element,
    b: &G::Element,
    x: &[T],
    v: &[T],
    tol: &Tolerance,
) -> LawResult {
    let d = group.dim();
    dim(Law::GroupIdentity, "group law point", d, x.len())?;
    dim(
        Law::GroupDifferential,
        "group law tangent vector",
        d,
        v.len(),
    )?;
    let inputs = || {
        vec![
            Input::new("a", a),
            Input::new("b", b),
            Input::new("x", &x),
            Input::new("v", &v),
        ]
    };
    let mut worst = Worst::new();
    let e = group.identity();
    worst.equal(Law::GroupIdentity, tol.exact, &act(group, &e, x), x, || {
        vec![Input::new("e", &e), Input::new("x", &x)]
    });
    let ab = group.compose(a, b);
    worst.equal(
        Law::GroupComposition,
        tol.exact,
        &act(group, &ab, x),
        &act(group, a, &act(group, b, x)),
        inputs,
    );
    let a_inv = group.inverse(a);
    worst.equal(
        Law::GroupInverse,
        tol.exact,
        &act(group, &a_inv, &act(group, a, x)),
        x,
        inputs,
    );
    worst.equal(
        Law::GroupInverse,
        tol.exact,
        &act(group, &group.compose(&a_inv, a), x),
        x,
        inputs,
    );
    for g in [a, b] {
        let mut dv = vec![T::zero(); d];
        group.act_vector(g, v, &mut dv);
        let fd = central(
            &mut |y: &[T], o: &mut [T]| group.act(g, y, o),
            d,
            x,
            v,
            tol.step,
        );
        worst.equal(Law::GroupDifferential, tol.derivative, &dv, &fd, || {
            vec![Input::new("g", g), Input::new("x", &x), Input::new("v", &v)]
        });
    }
    worst.finish()
}
