//! The group-averaged kernel `k_G(x, y) = (1/|G|) Σ_{g∈G} k(x, g·y)` over a finite group.

use super::{Kernel, Repulsion, ScalarKernel, SteinInput};
use crate::error::{ensure_dim, Error, Result};
use crate::group::FiniteGroup;
use crate::particles::Particles;
use crate::real::{axpy, Real};
use alloc::vec;
use alloc::vec::Vec;

/// The group average of a base kernel over a finite group `G` acting linearly:
///
/// `k_G(x, y) = (1/|G|) Σ_{g∈G} k(x, g·y)`,  `∇_x k_G(x, y) = (1/|G|) Σ_{g∈G} ∇_1 k(x, g·y)`.
///
/// When the base kernel is jointly invariant (`k(g·x, g·y) = k(x, y)`, true of RBF and IMQ for orthogonal
/// actions) the average is invariant in each argument separately: `k_G(g·x, h·y) = k_G(x, y)`. This is the
/// kernel of equivariant SVGD for the C4 toys (ESVGD.md §2). It costs `|G|` base-kernel evaluations per pair.
///
/// The scalar methods expect slices of the group's dimension (they list the group's elements on every call);
/// the batched [`Kernel::stein_direction`] validates the dimension, lists the elements once and acts on every
/// particle once. [`ScalarKernel::fit`] fits the base kernel on the sources (as given, not orbit-augmented).
///
/// ```
/// use equistein::group::CyclicRotation;
/// use equistein::kernel::{GroupAveraged, Rbf, ScalarKernel};
/// let k = GroupAveraged::new(CyclicRotation::new(4).unwrap(), Rbf::fixed(1.0f64).unwrap());
/// assert!((k.eval(&[1.0, 0.5], &[-0.4, 1.2]) - 0.381322).abs() < 1e-6);
/// // invariant in the second argument alone: rotate y by 90°
/// assert!((k.eval(&[1.0, 0.5], &[-1.2, -0.4]) - 0.381322).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupAveraged<G, K> {
    group: G,
    base: K,
}

impl<G, K> GroupAveraged<G, K> {
    /// The average of `base` over `group`.
    pub fn new(group: G, base: K) -> Self {
        GroupAveraged { group, base }
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

impl<G, K> GroupAveraged<G, K> {
    /// `k_G(x, y)` and `∇_x k_G(x, y)` from precomputed images `g·y` (all `|G|` of them, flat).
    #[inline]
    fn grad_from_images<T: Real>(&self, x: &[T], images: &[T], tmp: &mut [T], grad: &mut [T]) -> T
    where
        K: ScalarKernel<T>,
    {
        let d = x.len();
        let m = images.len() / d.max(1);
        let inv = T::one() / T::c(m as f64);
        grad.iter_mut().for_each(|v| *v = T::zero());
        let mut k = T::zero();
        for gy in images.chunks_exact(d) {
            k += self.base.grad_first(x, gy, tmp);
            axpy(T::one(), tmp, grad);
        }
        grad.iter_mut().for_each(|v| *v *= inv);
        k * inv
    }

    /// The images `g·p` of every particle, `|G|` per particle, particle after particle.
    fn images<T: Real>(&self, elements: &[G::Element], points: &Particles<T>) -> Vec<T>
    where
        G: FiniteGroup<T>,
    {
        let d = points.dim();
        let mut out = vec![T::zero(); points.len() * elements.len() * d];
        let mut chunks = out.chunks_exact_mut(d);
        for p in points.iter() {
            for g in elements {
                if let Some(c) = chunks.next() {
                    self.group.act(g, p, c);
                }
            }
        }
        out
    }
}

impl<T: Real, G: FiniteGroup<T> + Clone, K: ScalarKernel<T>> ScalarKernel<T>
    for GroupAveraged<G, K>
{
    fn eval(&self, x: &[T], y: &[T]) -> T {
        let elements = self.group.elements();
        let mut gy = vec![T::zero(); y.len()];
        let mut k = T::zero();
        for g in &elements {
            self.group.act(g, y, &mut gy);
            k += self.base.eval(x, &gy);
        }
        k / T::c(elements.len() as f64)
    }

    fn grad_first(&self, x: &[T], y: &[T], grad: &mut [T]) -> T {
        let elements = self.group.elements();
        let d = y.len();
        let mut images = vec![T::zero(); elements.len() * d];
        for (g, c) in elements.iter().zip(images.chunks_exact_mut(d.max(1))) {
            self.group.act(g, y, c);
        }
        let mut tmp = vec![T::zero(); grad.len()];
        self.grad_from_images(x, &images, &mut tmp, grad)
    }

    fn fit(&self, sources: &Particles<T>) -> Result<Self> {
        Ok(GroupAveraged {
            group: self.group.clone(),
            base: self.base.fit(sources)?,
        })
    }
}

impl<T: Real, G: FiniteGroup<T> + Clone, K: ScalarKernel<T>> Kernel<T> for GroupAveraged<G, K> {
    /// The Stein direction with every group image computed once: the images `g·x_i` of the targets (Liu–Wang,
    /// whose pair term is `k_G(z_j, x_i)`) or `g·z_j` of the sources (code form, `k_G(x_i, z_j)`). With a radial
    /// base kernel ([`ScalarKernel::radial`]: RBF, IMQ) the base kernel's fused fast path runs with the images as
    /// targets (Liu–Wang, `φ(x_i) = 1/(N|G|) Σ_g Σ_j [γ k(z_j, g·x_i) s_j + c w (g·x_i − z_j)]`) or as sources
    /// (code form), costing `|G|` times the base kernel's step; the images take `O(n·|G|·d)` memory.
    fn stein_direction(&self, input: &SteinInput<'_, T>, out: &mut Particles<T>) -> Result<()> {
        input.validate()?;
        ensure_dim("output (count)", input.targets.len(), out.len())?;
        ensure_dim("output (dimension)", input.targets.dim(), out.dim())?;
        ensure_dim("group dimension", self.group.dim(), input.targets.dim())?;
        let k = self.fit(input.sources)?;
        let elements = self.group.elements();
        let m = elements.len();
        let d = input.targets.dim();
        if m == 0 || d == 0 {
            return Err(Error::InvalidParameter {
                name: "group",
                reason:
                    "the group must have at least one element and act on a space of dimension ≥ 1"
                        .into(),
            });
        }
        if let Some(radial) = k.base.radial() {
            // Fast path: the fused sums over the images of the targets (Liu–Wang) or the sources (code form).
            let images = match input.repulsion {
                Repulsion::LiuWang => k.images(&elements, input.targets),
                Repulsion::AuthorsCode => k.images(&elements, input.sources),
            };
            super::radial::group_averaged(radial, input, &images, m, out);
            return Ok(());
        }
        let inv_n = T::one() / T::c(input.sources.len() as f64);
        let mut grad = vec![T::zero(); d];
        let mut tmp = vec![T::zero(); d];
        match input.repulsion {
            Repulsion::LiuWang => {
                let images = k.images(&elements, input.targets);
                for (i, gx) in images.chunks_exact(m * d).enumerate() {
                    let o = out.particle_mut(i);
                    o.iter_mut().for_each(|v| *v = T::zero());
                    for (z, s) in input.sources.iter().zip(input.scores.iter()) {
                        let kv = k.grad_from_images(z, gx, &mut tmp, &mut grad);
                        axpy(input.drive_weight * kv, s, o);
                        axpy(T::one(), &grad, o);
                    }
                    o.iter_mut().for_each(|v| *v *= inv_n);
                }
            }
            Repulsion::AuthorsCode => {
                let images = k.images(&elements, input.sources);
                for (i, x) in input.targets.iter().enumerate() {
                    let o = out.particle_mut(i);
                    o.iter_mut().for_each(|v| *v = T::zero());
                    for (gz, s) in images.chunks_exact(m * d).zip(input.scores.iter()) {
                        let kv = k.grad_from_images(x, gz, &mut tmp, &mut grad);
                        axpy(input.drive_weight * kv, s, o);
                        axpy(-T::c(2.0), &grad, o);
                    }
                    o.iter_mut().for_each(|v| *v *= inv_n);
                }
            }
        }
        Ok(())
    }
}
