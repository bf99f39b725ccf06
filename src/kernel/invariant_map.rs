//! The invariant-map kernel `k_P(x, y) = k(P(x), P(y))` for an orbit map `P`.

use super::{Kernel, Repulsion, ScalarKernel, SteinInput};
use crate::error::{ensure_dim, Error, Result};
use crate::group::OrbitMap;
use crate::particles::Particles;
use crate::real::{axpy, Real};
use alloc::vec;
use alloc::vec::Vec;

/// A base kernel applied to invariant features or orbit representatives:
///
/// `k_P(x, y) = k(P(x), P(y))`,  `∇_x k_P(x, y) = J_P(x)ᵀ ∇_1 k(P(x), P(y))` (through [`OrbitMap::vjp`]).
///
/// Invariant in each argument separately because `P` is. With [`crate::group::NormMap`] and an RBF base this is
/// `exp(−(‖x‖ − ‖y‖)² / (2h²))`, the kernel of the concentric-circle toys (ESVGD.md §2).
/// [`ScalarKernel::fit`] fits the base kernel on the mapped sources `P(z_j)` (so a median-heuristic bandwidth is
/// the median of the feature distances).
///
/// The batched [`Kernel::stein_direction`] maps every particle once. With a radial base kernel
/// ([`ScalarKernel::radial`]: RBF, IMQ) it runs the fused fast path on the features: the code form sums
/// `Σ_j k s_j` and `Σ_j w (P̃x_i − P̃z_j)` and pulls the second back with one VJP per target; Liu–Wang carries
/// `J_P(z_j)ᵀ` (p VJPs per source) as a payload of the sweep (any `d·p` with an RBF base, where long payloads
/// run through the tiled matrix products on x86-64; `d·p ≤ 64` with IMQ). Otherwise:
/// - code form: `φ(x_i) = (1/N)[γ Σ_j k(Px_i, Pz_j) s_j − 2 J_P(x_i)ᵀ Σ_j ∇_1 k(Px_i, Pz_j)]`, one VJP per target;
/// - Liu–Wang: `φ(x_i) = (1/N) Σ_j [γ k(Pz_j, Px_i) s_j + J_P(z_j)ᵀ ∇_1 k(Pz_j, Px_i)]`, which needs the
///   Jacobian at every source: when the feature dimension `p` is at most the number of targets, `J_P(z_j)ᵀ` is
///   formed once per source (`p` VJPs against unit vectors) and applied to every pair; otherwise one VJP per pair.
///
/// ```
/// use equistein::group::NormMap;
/// use equistein::kernel::{InvariantMap, Rbf, ScalarKernel};
/// let k = InvariantMap::new(NormMap::new(2), Rbf::fixed(1.0f64).unwrap());
/// assert!((k.eval(&[1.0, 0.5], &[-0.4, 1.2]) - 0.989272).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InvariantMap<M, K> {
    map: M,
    base: K,
}

impl<M, K> InvariantMap<M, K> {
    /// `k(P(x), P(y))` for the orbit map `map` and the base kernel `base` (a kernel on the map's output space).
    pub fn new(map: M, base: K) -> Self {
        InvariantMap { map, base }
    }

    /// The orbit map.
    pub fn map(&self) -> &M {
        &self.map
    }

    /// The base kernel.
    pub fn base(&self) -> &K {
        &self.base
    }
}

impl<M, K> InvariantMap<M, K> {
    /// `P(z)` of every particle, as particles in `R^p`.
    pub fn map_all<T: Real>(&self, points: &Particles<T>) -> Particles<T>
    where
        M: OrbitMap<T>,
    {
        let mut out = Particles::zeros(self.map.output_dim(), points.len());
        for (i, z) in points.iter().enumerate() {
            self.map.map(z, out.particle_mut(i));
        }
        out
    }
}

impl<T: Real, M: OrbitMap<T> + Clone, K: ScalarKernel<T>> ScalarKernel<T> for InvariantMap<M, K> {
    fn eval(&self, x: &[T], y: &[T]) -> T {
        let p = self.map.output_dim();
        let mut px = vec![T::zero(); 2 * p];
        let (a, b) = px.split_at_mut(p);
        self.map.map(x, a);
        self.map.map(y, b);
        self.base.eval(a, b)
    }

    fn grad_first(&self, x: &[T], y: &[T], grad: &mut [T]) -> T {
        let p = self.map.output_dim();
        let mut buf = vec![T::zero(); 3 * p];
        let (a, rest) = buf.split_at_mut(p);
        let (b, g) = rest.split_at_mut(p);
        self.map.map(x, a);
        self.map.map(y, b);
        let k = self.base.grad_first(a, b, g);
        self.map.vjp(x, g, grad);
        k
    }

    fn fit(&self, sources: &Particles<T>) -> Result<Self> {
        let mapped = self.map_all(sources);
        Ok(InvariantMap {
            map: self.map.clone(),
            base: self.base.fit(&mapped)?,
        })
    }
}

impl<T: Real, M: OrbitMap<T> + Clone, K: ScalarKernel<T>> Kernel<T> for InvariantMap<M, K> {
    fn stein_direction(&self, input: &SteinInput<'_, T>, out: &mut Particles<T>) -> Result<()> {
        input.validate()?;
        ensure_dim("output (count)", input.targets.len(), out.len())?;
        ensure_dim("output (dimension)", input.targets.dim(), out.dim())?;
        ensure_dim(
            "orbit map input dimension",
            self.map.input_dim(),
            input.targets.dim(),
        )?;
        let d = input.targets.dim();
        let p = self.map.output_dim();
        if d == 0 || p == 0 {
            return Err(Error::InvalidParameter {
                name: "orbit map",
                reason: "input and output dimensions must be at least 1".into(),
            });
        }
        let pz = self.map_all(input.sources);
        let px = self.map_all(input.targets);
        let base = self.base.fit(&pz)?;
        if let Some(radial) = base.radial() {
            // The Liu–Wang payload carries `J_P(z_j)ᵀ` (d·p values per source): with an RBF base any length goes
            // through the fused sums (tiled products for long payloads); other profiles up to MAX_JACOBIAN.
            let rbf = matches!(radial, super::Radial::Rbf { .. });
            if input.repulsion == Repulsion::AuthorsCode
                || d * p <= super::radial::MAX_JACOBIAN
                || rbf
            {
                super::radial::invariant_map(radial, &self.map, input, &px, &pz, out);
                return Ok(());
            }
        }
        let inv_n = T::one() / T::c(input.sources.len() as f64);
        let gamma = input.drive_weight;
        let mut g = vec![T::zero(); p];
        let mut pulled = vec![T::zero(); d];
        match input.repulsion {
            Repulsion::AuthorsCode => {
                let mut acc = vec![T::zero(); p];
                for (i, x) in input.targets.iter().enumerate() {
                    let o = out.particle_mut(i);
                    o.iter_mut().for_each(|v| *v = T::zero());
                    acc.iter_mut().for_each(|v| *v = T::zero());
                    let pxi = px.particle(i);
                    for (pzj, s) in pz.iter().zip(input.scores.iter()) {
                        let kv = base.grad_first(pxi, pzj, &mut g);
                        axpy(gamma * kv, s, o);
                        axpy(T::one(), &g, &mut acc);
                    }
                    self.map.vjp(x, &acc, &mut pulled);
                    axpy(-T::c(2.0), &pulled, o);
                    o.iter_mut().for_each(|v| *v *= inv_n);
                }
            }
            Repulsion::LiuWang => {
                let n_src = input.sources.len();
                // J_P(z_j)ᵀ for every source, d × p each (column k = J_P(z_j)ᵀ e_k), when that is cheaper.
                let jacobians: Option<Vec<T>> = (p <= input.targets.len()).then(|| {
                    let mut jt = vec![T::zero(); n_src * d * p];
                    let mut e = vec![T::zero(); p];
                    for (z, block) in input.sources.iter().zip(jt.chunks_exact_mut(d * p)) {
                        for (k, col) in block.chunks_exact_mut(d).enumerate() {
                            e[k] = T::one();
                            self.map.vjp(z, &e, col);
                            e[k] = T::zero();
                        }
                    }
                    jt
                });
                for i in 0..input.targets.len() {
                    let o = out.particle_mut(i);
                    o.iter_mut().for_each(|v| *v = T::zero());
                    let pxi = px.particle(i);
                    for (j, (pzj, s)) in pz.iter().zip(input.scores.iter()).enumerate() {
                        let kv = base.grad_first(pzj, pxi, &mut g);
                        axpy(gamma * kv, s, o);
                        match &jacobians {
                            Some(jt) => {
                                let block = &jt[j * d * p..(j + 1) * d * p];
                                for (gk, col) in g.iter().zip(block.chunks_exact(d)) {
                                    axpy(*gk, col, o);
                                }
                            }
                            None => {
                                self.map.vjp(input.sources.particle(j), &g, &mut pulled);
                                axpy(T::one(), &pulled, o);
                            }
                        }
                    }
                    o.iter_mut().for_each(|v| *v *= inv_n);
                }
            }
        }
        Ok(())
    }
}
