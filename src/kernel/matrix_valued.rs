//! The matrix-valued equivariant kernel `K(x, y) = Σ_g k(x, g·y) R_g` over a finite linear group.

use super::{Kernel, SteinInput};
use crate::error::{ensure_dim, Error, Result};
use crate::group::FiniteGroup;
use crate::particles::Particles;
use crate::real::Real;

/// The matrix-valued kernel `K(x, y) = Σ_{g∈G} k(x, g·y) R_g` of a finite group acting linearly by `R_g`
/// (ESVGD.md §2, item 3: the "older variant" of the authors' code).
///
/// It is not a scalar kernel, so it implements only [`Kernel`]. Its Stein direction is standard SVGD in which
/// every source also appears as all of its group images: sources `{g·z_j}` with scores `{R_g s_j}` (the action
/// on vectors, [`crate::group::Group::act_vector`]), normalised by `N·|G|`, for either repulsion form:
///
/// `φ(x_i) = 1/(N|G|) Σ_j Σ_g [ γ k(g·z_j, x_i) R_g s_j + ∇_1 k(g·z_j, x_i) ]`  (Liu–Wang; the code form
/// likewise with `k(x_i, g·z_j)` and `−2 ∇_1 k(x_i, g·z_j)`).
///
/// For an invariant target and a jointly invariant base kernel the update is equivariant. The orbit-augmented
/// sources and scores (`N·|G|` points each) are formed once per call and handed to the base kernel's own batched
/// direction (so the RBF base uses its matrix form, and a median bandwidth is the median over the augmented set);
/// the targets are not augmented.
///
/// ```
/// use equistein::group::CyclicRotation;
/// use equistein::kernel::{Kernel, MatrixValued, Rbf, Repulsion, SteinInput};
/// use equistein::Particles;
/// let k = MatrixValued::new(CyclicRotation::new(4).unwrap(), Rbf::fixed(1.0f64).unwrap());
/// let phi = |x: &[f64]| {
///     let x = Particles::from_rows(2, x).unwrap();
///     let mut s = x.clone(); // scores of the standard normal: −x
///     s.as_mut_slice().iter_mut().for_each(|v| *v = -*v);
///     let mut out = Particles::zeros(2, 2);
///     let input = SteinInput { targets: &x, sources: &x, scores: &s, repulsion: Repulsion::LiuWang, drive_weight: 1.0 };
///     k.stein_direction(&input, &mut out).unwrap();
///     out
/// };
/// // Rotating every particle by 90°, (a, b) ↦ (−b, a), rotates every direction.
/// let (p, q) = (phi(&[1.0, 0.0, 0.5, 2.0]), phi(&[0.0, 1.0, -2.0, 0.5]));
/// for i in 0..2 {
///     let (a, b) = (p.particle(i)[0], p.particle(i)[1]);
///     assert!((q.particle(i)[0] + b).abs() < 1e-12 && (q.particle(i)[1] - a).abs() < 1e-12);
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatrixValued<G, K> {
    group: G,
    base: K,
}

impl<G, K> MatrixValued<G, K> {
    /// `Σ_g k(x, g·y) R_g` for the group `group` and the scalar base kernel `base`.
    pub fn new(group: G, base: K) -> Self {
        MatrixValued { group, base }
    }

    /// The group.
    pub fn group(&self) -> &G {
        &self.group
    }

    /// The base kernel.
    pub fn base(&self) -> &K {
        &self.base
    }
}

impl<G, K> MatrixValued<G, K> {
    /// The orbit-augmented sources and scores: for each source `j` and element `g` (in the order of
    /// [`FiniteGroup::elements`]), `g·z_j` and `R_g s_j`, at index `j·|G| + g`.
    pub fn augment<T: Real>(
        &self,
        sources: &Particles<T>,
        scores: &Particles<T>,
    ) -> Result<(Particles<T>, Particles<T>)>
    where
        G: FiniteGroup<T>,
    {
        ensure_dim("group dimension", self.group.dim(), sources.dim())?;
        ensure_dim("scores (dimension)", sources.dim(), scores.dim())?;
        ensure_dim("scores (count)", sources.len(), scores.len())?;
        let elements = self.group.elements();
        if elements.is_empty() {
            return Err(Error::InvalidParameter {
                name: "group",
                reason: "the group has no elements".into(),
            });
        }
        let m = elements.len();
        let d = sources.dim();
        let mut zs = Particles::zeros(d, sources.len() * m);
        let mut ss = Particles::zeros(d, sources.len() * m);
        for (j, (z, s)) in sources.iter().zip(scores.iter()).enumerate() {
            for (k, g) in elements.iter().enumerate() {
                self.group.act(g, z, zs.particle_mut(j * m + k));
                self.group.act_vector(g, s, ss.particle_mut(j * m + k));
            }
        }
        Ok((zs, ss))
    }
}

impl<T: Real, G: FiniteGroup<T>, K: Kernel<T>> Kernel<T> for MatrixValued<G, K> {
    fn stein_direction(&self, input: &SteinInput<'_, T>, out: &mut Particles<T>) -> Result<()> {
        input.validate()?;
        ensure_dim("group dimension", self.group.dim(), input.targets.dim())?;
        let (zs, ss) = self.augment(input.sources, input.scores)?;
        let augmented = SteinInput {
            targets: input.targets,
            sources: &zs,
            scores: &ss,
            repulsion: input.repulsion,
            drive_weight: input.drive_weight,
        };
        self.base.stein_direction(&augmented, out)
    }
}
