//! Fast Stein directions for radial base kernels `k(x, y) = κ(‖x − y‖²)` (RBF, IMQ), built on the fused sums
//! of [`super::fused`] (and the blocked products of [`super::gram`] for RBF at large `d`).
//!
//! Notation: `∇_x k(x, y) = κ' w (x − y)` with `κ' = −1/h², w = k` (RBF) or `κ' = 2β/h², w = k/b` (IMQ); the
//! repulsion of either form is `c Σ_j w (x_i − z_j)` with `c = −κ'` (Liu–Wang) or `−2κ'` (code form). Every point
//! set is shifted by the mean source (distances and differences are unchanged), so the expansion
//! `Σ_j w (x̃_i − z̃_j) = x̃_i Σ_j w − Σ_j w z̃_j` stays well conditioned.

use super::fused::{fused_sums, pack_sources, ImqProfile, Profile, RbfProfile, Sources};
use super::gram::{rbf_gram, GramInput};
use super::{Repulsion, SteinInput};
use crate::group::OrbitMap;
use crate::particles::Particles;
use crate::real::{axpy, Real};
use alloc::vec;
use alloc::vec::Vec;
use nalgebra::{DMatrix, DMatrixView};

/// A radial kernel `k(x, y) = κ(‖x − y‖²)` with resolved parameters: what the fast batched directions need to
/// know of a base kernel (see [`super::ScalarKernel::radial`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Radial<T> {
    /// `exp(−r²/(2h²))`.
    Rbf {
        /// The bandwidth.
        h: T,
    },
    /// `(c² + r²/h²)^β`.
    Imq {
        /// The length scale.
        h: T,
        /// The offset.
        c: T,
        /// The exponent.
        beta: T,
    },
}

/// One source record of a stationary kernel: `f = z − centre`, and `u = γs − c f` when the profile is merged
/// (`w = k`), else `u = γs`, `v = −c f`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn stationary_record<T: Real>(
    merged: bool,
    z: &[T],
    s: &[T],
    centre: &[T],
    gamma: T,
    c: T,
    f: &mut [T],
    u: &mut [T],
    v: &mut [T],
) {
    for a in 0..f.len() {
        f[a] = z[a] - centre[a];
        if merged {
            u[a] = gamma * s[a] - c * f[a];
        } else {
            u[a] = gamma * s[a];
            v[a] = -c * f[a];
        }
    }
}

/// Smallest dimension at which RBF uses the blocked matrix products instead of the fused loop.
pub(crate) const GRAM_MIN_DIM: usize = 16;

impl<T: Real> Radial<T> {
    /// `κ'`, with `∇_x k(x, y) = κ' w (x − y)`.
    fn kappa(&self) -> T {
        match *self {
            Radial::Rbf { h } => -T::one() / (h * h),
            Radial::Imq { h, beta, .. } => T::c(2.0) * beta / (h * h),
        }
    }

    /// The repulsion constant `c` of the module documentation.
    fn repulsion_constant(&self, repulsion: Repulsion) -> T {
        match repulsion {
            Repulsion::LiuWang => -self.kappa(),
            Repulsion::AuthorsCode => -T::c(2.0) * self.kappa(),
        }
    }
}

/// Calls `$f` with the profile of `$radial` as its first argument.
macro_rules! with_profile {
    ($radial:expr, $f:ident ( $($arg:expr),* )) => {
        match $radial {
            Radial::Rbf { h } => $f(&RbfProfile { neg_half_inv_h2: -T::c(0.5) / (h * h) }, $($arg),*),
            Radial::Imq { h, c, beta } => $f(
                &ImqProfile { inv_h2: T::one() / (h * h), c2: c * c, beta },
                $($arg),*
            ),
        }
    };
}

/// `φ` of a stationary kernel on `R^d` (targets, sources as given), into `out`. `input` is validated.
pub(crate) fn stationary<T: Real>(
    radial: Radial<T>,
    input: &SteinInput<'_, T>,
    out: &mut Particles<T>,
) {
    let d = input.targets.dim();
    let c = radial.repulsion_constant(input.repulsion);
    let centre = input.sources.mean();
    if let Radial::Rbf { h } = radial {
        if d >= GRAM_MIN_DIM && gram_is_accurate(input, &centre, h) {
            stationary_gram(h, c, &centre, input, out);
            return;
        }
    }
    with_profile!(radial, stationary_fused(c, &centre, input, out));
}

fn stationary_fused<T: Real, Pf: Profile<T>>(
    pf: &Pf,
    c: T,
    centre: &[T],
    input: &SteinInput<'_, T>,
    out: &mut Particles<T>,
) {
    let d = input.targets.dim();
    let gamma = input.drive_weight;
    let r = if Pf::MERGED { 0 } else { d };
    let data = pack_sources(input.sources.len(), d, d, r, |j, f, u, v| {
        let z = input.sources.particle(j);
        let s = input.scores.particle(j);
        stationary_record(Pf::MERGED, z, s, centre, gamma, c, f, u, v);
    });
    let src = Sources {
        data: &data,
        p: d,
        q: d,
        r,
    };
    let os = src.out_stride();
    let n = input.targets.len();
    let mut sums = vec![T::zero(); n * os];
    let targets = |t: usize, y: &mut [T]| {
        for ((v, &x), &m) in y.iter_mut().zip(input.targets.particle(t)).zip(centre) {
            *v = x - m;
        }
    };
    fused_sums(pf, &src, n, &targets, &mut sums);
    let inv_n = T::one() / T::c(input.sources.len() as f64);
    for (i, s) in sums.chunks_exact(os).enumerate() {
        let x = input.targets.particle(i);
        let b = s[os - 1];
        let o = out.particle_mut(i);
        for a in 0..d {
            let mut v = s[a] + c * (x[a] - centre[a]) * b;
            if !Pf::MERGED {
                v += s[d + a];
            }
            o[a] = v * inv_n;
        }
    }
}

/// Whether `‖z̃‖² + ‖x̃‖² − 2z̃ᵀx̃` loses little enough to cancellation for these centred particles (the rule of
/// [`super::gram::gram_form_is_accurate`]).
fn gram_is_accurate<T: Real>(input: &SteinInput<'_, T>, centre: &[T], h: T) -> bool {
    let max_sq = |p: &Particles<T>| {
        p.iter()
            .map(|x| {
                x.iter()
                    .zip(centre)
                    .fold(T::zero(), |a, (&v, &m)| a + (v - m) * (v - m))
            })
            .fold(T::zero(), |a, b| if b > a { b } else { a })
    };
    super::gram::gram_form_is_accurate(
        max_sq(input.targets) + max_sq(input.sources),
        T::one() / (T::c(2.0) * h * h),
    )
}

fn stationary_gram<T: Real>(
    h: T,
    c: T,
    centre: &[T],
    input: &SteinInput<'_, T>,
    out: &mut Particles<T>,
) {
    let d = input.targets.dim();
    let n_src = input.sources.len();
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    {
        let tiles = super::tiles::TileInput {
            d,
            x: input.targets.as_slice(),
            z: input.sources.as_slice(),
            s: input.scores.as_slice(),
            centre,
            gamma: input.drive_weight,
            neg_half: -T::c(0.5) / (h * h),
            c,
            inv_n: T::one() / T::c(n_src as f64),
        };
        if super::tiles::gram_tiles(super::fused::isa(), &tiles, out.as_mut_slice()) {
            return;
        }
    }
    // Same column-major layout as the particles: plain slice loops.
    let centred = |p: &Particles<T>| {
        let mut m = p.matrix().clone();
        for col in m.as_mut_slice().chunks_exact_mut(d) {
            for (v, &c0) in col.iter_mut().zip(centre) {
                *v -= c0;
            }
        }
        m
    };
    let xc = centred(input.targets);
    let zc = centred(input.sources);
    let norms = |m: &DMatrix<T>| -> Vec<T> {
        m.as_slice()
            .chunks_exact(d)
            .map(|c| c.iter().fold(T::zero(), |a, &x| a + x * x))
            .collect()
    };
    let xn = norms(&xc);
    let zn = norms(&zc);
    let gamma = input.drive_weight;
    let mut w = input.scores.matrix().clone();
    for (wv, &zv) in w.as_mut_slice().iter_mut().zip(zc.as_slice()) {
        *wv = gamma * *wv - c * zv;
    }
    // Z̃ᵀ as a strided view of Z̃ (no copy): row j is source j.
    let zt = DMatrixView::from_slice_with_strides(zc.as_slice(), n_src, d, d, 1);
    let inp = GramInput {
        xc: &xc,
        xn: &xn,
        zt: &zt,
        zn: &zn,
        w: &w,
        neg_half: -T::c(0.5) / (h * h),
        c,
        inv_n: T::one() / T::c(n_src as f64),
    };
    rbf_gram(&inp, out.as_mut_slice());
}

/// `φ` of the group average `(1/m) Σ_g k(·, g·)` from the images of the targets (Liu–Wang, `images` holds
/// `g·x_i` at `i·m + g`) or of the sources (code form, `images` holds `g·z_j` at `j·m + g`).
pub(crate) fn group_averaged<T: Real>(
    radial: Radial<T>,
    input: &SteinInput<'_, T>,
    images: &[T],
    m: usize,
    out: &mut Particles<T>,
) {
    let c = radial.repulsion_constant(input.repulsion);
    let centre = input.sources.mean();
    with_profile!(
        radial,
        group_averaged_fused(c, &centre, input, images, m, out)
    );
}

fn group_averaged_fused<T: Real, Pf: Profile<T>>(
    pf: &Pf,
    c: T,
    centre: &[T],
    input: &SteinInput<'_, T>,
    images: &[T],
    m: usize,
    out: &mut Particles<T>,
) {
    let d = input.targets.dim();
    let gamma = input.drive_weight;
    let r = if Pf::MERGED { 0 } else { d };
    let liu_wang = input.repulsion == Repulsion::LiuWang;
    let n_src = input.sources.len();
    // Liu–Wang: sources as given, targets the images; code form: sources the images (scores unrotated).
    let n_rec = if liu_wang { n_src } else { n_src * m };
    let data = pack_sources(n_rec, d, d, r, |j, f, u, v| {
        let (z, s) = if liu_wang {
            (input.sources.particle(j), input.scores.particle(j))
        } else {
            (&images[j * d..(j + 1) * d], input.scores.particle(j / m))
        };
        stationary_record(Pf::MERGED, z, s, centre, gamma, c, f, u, v);
    });
    let src = Sources {
        data: &data,
        p: d,
        q: d,
        r,
    };
    let os = src.out_stride();
    let n = input.targets.len();
    let nt = if liu_wang { n * m } else { n };
    let mut sums = vec![T::zero(); nt * os];
    let targets = |t: usize, y: &mut [T]| {
        let x = if liu_wang {
            &images[t * d..(t + 1) * d]
        } else {
            input.targets.particle(t)
        };
        for ((v, &xv), &mv) in y.iter_mut().zip(x).zip(centre) {
            *v = xv - mv;
        }
    };
    fused_sums(pf, &src, nt, &targets, &mut sums);
    let inv = T::one() / T::c((n_src * m) as f64);
    let per = if liu_wang { m } else { 1 };
    for (i, group) in sums.chunks_exact(os * per).enumerate() {
        let o = out.particle_mut(i);
        o.iter_mut().for_each(|v| *v = T::zero());
        for (g, s) in group.chunks_exact(os).enumerate() {
            let y = if liu_wang {
                &images[(i * m + g) * d..(i * m + g + 1) * d]
            } else {
                input.targets.particle(i)
            };
            let b = s[os - 1];
            for a in 0..d {
                let mut v = s[a] + c * (y[a] - centre[a]) * b;
                if !Pf::MERGED {
                    v += s[d + a];
                }
                o[a] += v;
            }
        }
        o.iter_mut().for_each(|v| *v *= inv);
    }
}

/// Largest `d·p` for which the invariant-map Liu–Wang form carries the Jacobians `J_P(z_j)ᵀ` as payloads.
pub(crate) const MAX_JACOBIAN: usize = 64;

/// `φ` of `k(P(x), P(y))`: `px`, `pz` the mapped targets and sources (p each), `map` for the VJPs.
pub(crate) fn invariant_map<T: Real, M: OrbitMap<T>>(
    radial: Radial<T>,
    map: &M,
    input: &SteinInput<'_, T>,
    px: &Particles<T>,
    pz: &Particles<T>,
    out: &mut Particles<T>,
) {
    let c = radial.repulsion_constant(input.repulsion);
    let centre = pz.mean();
    with_profile!(
        radial,
        invariant_map_fused(c, &centre, map, input, px, pz, out)
    );
}

#[allow(clippy::too_many_arguments)]
fn invariant_map_fused<T: Real, Pf: Profile<T>, M: OrbitMap<T>>(
    pf: &Pf,
    c: T,
    centre: &[T],
    map: &M,
    input: &SteinInput<'_, T>,
    px: &Particles<T>,
    pz: &Particles<T>,
    out: &mut Particles<T>,
) {
    let d = input.targets.dim();
    let p = px.dim();
    let gamma = input.drive_weight;
    let n = input.targets.len();
    let n_src = input.sources.len();
    let inv_n = T::one() / T::c(n_src as f64);
    let targets = |t: usize, y: &mut [T]| {
        for ((v, &xv), &mv) in y.iter_mut().zip(px.particle(t)).zip(centre) {
            *v = xv - mv;
        }
    };
    match input.repulsion {
        Repulsion::AuthorsCode => {
            // φ_i = (1/N)[γ Σ k s_j + J(x_i)ᵀ(c P̃x_i Σ w − c Σ w P̃z_j)]
            let (q, r) = if Pf::MERGED { (d + p, 0) } else { (d, p) };
            let data = pack_sources(n_src, p, q, r, |j, f, u, v| {
                for ((fa, &zv), &mv) in f.iter_mut().zip(pz.particle(j)).zip(centre) {
                    *fa = zv - mv;
                }
                let s = input.scores.particle(j);
                for a in 0..d {
                    u[a] = gamma * s[a];
                }
                let tail = if Pf::MERGED { &mut u[d..] } else { v };
                for (t, &fa) in tail.iter_mut().zip(f.iter()) {
                    *t = -c * fa;
                }
            });
            let src = Sources {
                data: &data,
                p,
                q,
                r,
            };
            let os = src.out_stride();
            let mut sums = vec![T::zero(); n * os];
            fused_sums(pf, &src, n, &targets, &mut sums);
            let mut feat = vec![T::zero(); p];
            let mut pulled = vec![T::zero(); d];
            for (i, s) in sums.chunks_exact(os).enumerate() {
                let b = s[os - 1];
                for (k, fv) in feat.iter_mut().enumerate() {
                    *fv = s[d + k] + c * (px.particle(i)[k] - centre[k]) * b;
                }
                map.vjp(input.targets.particle(i), &feat, &mut pulled);
                let o = out.particle_mut(i);
                for a in 0..d {
                    o[a] = (s[a] + pulled[a]) * inv_n;
                }
            }
        }
        Repulsion::LiuWang => {
            // φ_i = (1/N)[γ Σ k s_j − c Σ w J_jᵀ P̃z_j + c (Σ w J_jᵀ) P̃x_i]
            let (q, r) = if Pf::MERGED {
                (d + d * p, 0)
            } else {
                (d, d + d * p)
            };
            let data = pack_sources(n_src, p, q, r, |j, f, u, v| {
                let z = input.sources.particle(j);
                for ((fa, &zv), &mv) in f.iter_mut().zip(pz.particle(j)).zip(centre) {
                    *fa = zv - mv;
                }
                let s = input.scores.particle(j);
                let (first, jz, jac) = if Pf::MERGED {
                    let (a, b) = u.split_at_mut(d);
                    (a, None, b)
                } else {
                    let (a, b) = v.split_at_mut(d);
                    (u, Some(a), b)
                };
                for a in 0..d {
                    first[a] = gamma * s[a];
                }
                let jz = match jz {
                    Some(x) => {
                        x.iter_mut().for_each(|x| *x = T::zero());
                        x
                    }
                    None => first,
                };
                // J_P(z_j)ᵀ in one call (column k = J_P(z_j)ᵀ e_k), then scaled by c in place.
                map.jacobian_t(z, jac);
                for k in 0..p {
                    for a in 0..d {
                        let col = jac[k * d + a];
                        jac[k * d + a] = c * col;
                        jz[a] -= c * col * f[k];
                    }
                }
            });
            let src = Sources {
                data: &data,
                p,
                q,
                r,
            };
            let os = src.out_stride();
            let mut sums = vec![T::zero(); n * os];
            fused_sums(pf, &src, n, &targets, &mut sums);
            let off = if Pf::MERGED { d } else { 2 * d };
            for (i, s) in sums.chunks_exact(os).enumerate() {
                let o = out.particle_mut(i);
                for a in 0..d {
                    o[a] = if Pf::MERGED { s[a] } else { s[a] + s[d + a] };
                }
                for k in 0..p {
                    let y = px.particle(i)[k] - centre[k];
                    axpy(y, &s[off + k * d..off + (k + 1) * d], o);
                }
                o.iter_mut().for_each(|v| *v *= inv_n);
            }
        }
    }
}
