//! The laws of a [`FiniteGroup`]: `elements()` lists the identity first, each element once, and is closed.

use super::report::{dim, failed, Input, Law, LawResult, Worst};
use super::Tolerance;
use crate::error::Error;
use crate::group::FiniteGroup;
use crate::particles::Particles;
use crate::real::Real;
use alloc::vec;
use alloc::vec::Vec;

/// The action of `g` on every probe point, one flat vector: how elements are told apart.
fn signature<T: Real, G: FiniteGroup<T>>(
    group: &G,
    g: &G::Element,
    probes: &Particles<T>,
) -> Vec<f64> {
    let mut out = vec![T::zero(); probes.dim()];
    let mut sig = Vec::with_capacity(probes.dim() * probes.len());
    for p in probes.iter() {
        group.act(g, p, &mut out);
        sig.extend(out.iter().map(|v| v.to_f64_lossy()));
    }
    sig
}

/// The index of the listed signature nearest to `sig` (largest coordinate difference).
fn nearest(sig: &[f64], listed: &[Vec<f64>]) -> Option<usize> {
    let dist = |s: &Vec<f64>| {
        s.iter()
            .zip(sig)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()))
    };
    (0..listed.len()).min_by(|&i, &j| dist(&listed[i]).total_cmp(&dist(&listed[j])))
}

/// Checks the laws of a finite group's list of elements, telling elements apart by their action on the probe
/// points `p_1, …, p_n` (so elements need no `PartialEq`, and elements equal up to rounding count as equal;
/// the probes must tell distinct elements apart, which random points do for a faithful action):
///
/// - `order() = |elements()|` ([`Law::FiniteOrder`]);
/// - `elements()[0]·p = p` ([`Law::FiniteIdentityFirst`]);
/// - `e_i·p ≠ e_j·p` for `i ≠ j`: each element listed once ([`Law::FiniteDistinct`]);
/// - `(a∘b)·p = c·p` for some listed `c`, for all listed `a`, `b` ([`Law::FiniteClosure`]);
/// - `a⁻¹·p = c·p` for some listed `c` ([`Law::FiniteInverseClosure`]).
///
/// Tolerance [`Tolerance::exact`]. The cost is `|G|³` actions on the probes. Errors when the probes are empty
/// or not of dimension [`Group::dim`](crate::Group::dim).
///
/// ```
/// use equistein::group::Permutations;
/// use equistein::laws::{finite_group_laws, Tolerance};
/// use equistein::Particles;
/// let s3 = Permutations::new(3, 1).unwrap(); // S_3 relabelling 3 particles in R^1
/// let probes = Particles::from_rows(3, &[0.3, -1.2, 2.0, 1.1, 0.4, -0.7]).unwrap();
/// finite_group_laws(&s3, &probes, &Tolerance::default()).unwrap();
/// ```
pub fn finite_group_laws<T: Real, G: FiniteGroup<T>>(
    group: &G,
    probes: &Particles<T>,
    tol: &Tolerance,
) -> LawResult {
    dim(
        Law::FiniteClosure,
        "probe points",
        group.dim(),
        probes.dim(),
    )?;
    if probes.is_empty() {
        return Err(failed(Law::FiniteClosure)(Error::TooFewParticles {
            found: 0,
            min: 1,
        }));
    }
    let els = group.elements();
    let probe_inputs = || vec![Input::new("probes", &probes.as_slice())];
    let mut worst = Worst::new();
    worst.equal_f64(
        Law::FiniteOrder,
        0.0,
        vec![group.order() as f64],
        vec![els.len() as f64],
        Vec::new,
    );
    let sigs: Vec<Vec<f64>> = els.iter().map(|g| signature(group, g, probes)).collect();
    let flat: Vec<f64> = probes.as_slice().iter().map(|v| v.to_f64_lossy()).collect();
    let first = sigs.first().cloned().unwrap_or_default();
    worst.equal_f64(Law::FiniteIdentityFirst, tol.exact, first, flat, || {
        let mut i = probe_inputs();
        if let Some(e) = els.first() {
            i.insert(0, Input::new("elements()[0]", e));
        }
        i
    });
    for i in 0..els.len() {
        for j in i + 1..els.len() {
            worst.distinct(
                Law::FiniteDistinct,
                tol.exact,
                sigs[i].clone(),
                sigs[j].clone(),
                || {
                    let mut inp = vec![Input::new("e_i", &els[i]), Input::new("e_j", &els[j])];
                    inp.extend([Input::new("i", &i), Input::new("j", &j)]);
                    inp.extend(probe_inputs());
                    inp
                },
            );
        }
    }
    let mut member = |law: Law, c: &G::Element, inputs: &dyn Fn() -> Vec<Input>| {
        let sig = signature(group, c, probes);
        let listed = nearest(&sig, &sigs)
            .map(|k| sigs[k].clone())
            .unwrap_or_default();
        worst.equal_f64(law, tol.exact, sig, listed, inputs);
    };
    for a in &els {
        member(Law::FiniteInverseClosure, &group.inverse(a), &|| {
            let mut i = vec![Input::new("a", a)];
            i.extend(probe_inputs());
            i
        });
        for b in &els {
            member(Law::FiniteClosure, &group.compose(a, b), &|| {
                let mut i = vec![Input::new("a", a), Input::new("b", b)];
                i.extend(probe_inputs());
                i
            });
        }
    }
    worst.finish()
}
