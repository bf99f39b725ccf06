//! The RBF Stein direction for large `d`: blocked matrix products, `O(N·B)` memory for a block of `B` targets.
//!
//! With centred targets `X̃` (d × n), centred sources `Z̃` (d × N), `W = γS − c Z̃` (d × N, `c = r/h²`) and a block
//! of targets `b`, it forms `G = Z̃ᵀ X̃_b` (one GEMM), turns it in place into the kernel block
//! `K[j, i] = exp(−max(0, ‖z̃_j‖² + ‖x̃_i‖² − 2G[j, i]) / (2h²))` with the vectorised exponential, and then
//! `Φ_b = (W K + c X̃_b diag(1ᵀK)) / N` (a second GEMM). The n × N kernel matrix is never stored: only one
//! `N × B` block per thread. The products use nalgebra's GEMM (matrixmultiply, with its AVX-512 / AVX2 kernels)
//! when `std` is on. Blocks are fixed (`B` targets each) and each is computed the same way whichever thread runs
//! it, so the result does not depend on the thread count.

use super::exp::exp_one;
use crate::real::Real;
use alloc::vec::Vec;
use nalgebra::{DMatrix, DMatrixView, DMatrixViewMut, Dyn, MatrixView};

/// Whether kernel values computed as `exp(−(‖z‖² + ‖x‖² − 2zᵀx)/(2h²))` lose little enough to cancellation: the
/// bound `4ε(max‖x‖² + max‖z‖²)/(2h²)` on their relative error (`max_sq_sum` the sum of the two maxima,
/// `inv_2h2 = 1/(2h²)`) must stay below `10⁻³√ε` in `f64` (1.5·10⁻¹¹) and `10⁻⁵` in `f32`. NaN fails.
pub(crate) fn gram_form_is_accurate<T: Real>(max_sq_sum: T, inv_2h2: T) -> bool {
    let eps = T::epsilon();
    let bound = T::c(4.0) * eps * max_sq_sum * inv_2h2;
    let tol = if eps > T::c(1e-10) {
        T::c(1e-5)
    } else {
        T::c(1e-3) * eps.sqrt()
    };
    bound <= tol
}

/// Targets per block.
pub(crate) const BLOCK: usize = 192;

/// `g ← exp(neg_half · max(0, zn + xn − 2g))` elementwise; returns the sum of the results (16 partial sums,
/// a fixed order).
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn kernel_column<T: Real, const F: bool>(g: &mut [T], zn: &[T], xn: T, neg_half: T) -> T {
    const W: usize = 16;
    let mut acc = [T::zero(); W];
    let mut rest = T::zero();
    let mut gc = g.chunks_exact_mut(W);
    let mut zc = zn.chunks_exact(W);
    for (gv, zv) in (&mut gc).zip(&mut zc) {
        for l in 0..W {
            let d2 = zv[l] + xn - (gv[l] + gv[l]);
            let d2 = if d2 > T::zero() { d2 } else { T::zero() };
            gv[l] = exp_one::<T, F>(d2 * neg_half);
            acc[l] += gv[l];
        }
    }
    for (v, &z) in gc.into_remainder().iter_mut().zip(zc.remainder()) {
        let d2 = z + xn - (*v + *v);
        let d2 = if d2 > T::zero() { d2 } else { T::zero() };
        *v = exp_one::<T, F>(d2 * neg_half);
        rest += *v;
    }
    acc.iter().fold(rest, |a, &b| a + b)
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f,avx2,fma")]
fn kernel_column_avx512<T: Real>(g: &mut [T], zn: &[T], xn: T, neg_half: T) -> T {
    kernel_column::<T, true>(g, zn, xn, neg_half)
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
fn kernel_column_avx2<T: Real>(g: &mut [T], zn: &[T], xn: T, neg_half: T) -> T {
    kernel_column::<T, true>(g, zn, xn, neg_half)
}

fn kernel_column_dispatch<T: Real>(
    isa: super::fused::Isa,
    g: &mut [T],
    zn: &[T],
    xn: T,
    neg_half: T,
) -> T {
    use super::fused::Isa;
    match isa {
        // SAFETY: the variant is returned only after detecting the features.
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Isa::Avx512 => unsafe { kernel_column_avx512(g, zn, xn, neg_half) },
        // SAFETY: as above.
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Isa::Avx2 => unsafe { kernel_column_avx2(g, zn, xn, neg_half) },
        Isa::Portable => kernel_column::<T, false>(g, zn, xn, neg_half),
    }
}

/// The data shared by every block.
pub(crate) struct GramInput<'a, T: Real> {
    /// Centred targets, d × n.
    pub xc: &'a DMatrix<T>,
    /// Squared norms of the centred targets.
    pub xn: &'a [T],
    /// Centred sources transposed, N × d (a strided view).
    pub zt: &'a MatrixView<'a, T, Dyn, Dyn, Dyn, Dyn>,
    /// Squared norms of the centred sources.
    pub zn: &'a [T],
    /// `γS − cZ̃`, d × N.
    pub w: &'a DMatrix<T>,
    /// `−1/(2h²)`.
    pub neg_half: T,
    /// `c = r/h²`.
    pub c: T,
    /// `1/N`.
    pub inv_n: T,
}

/// One block: targets `i0 .. i0 + out.len()/d`, `out` their slice of the output (d values per target), `g`
/// scratch of at least `N · BLOCK` values.
fn block<T: Real>(
    inp: &GramInput<'_, T>,
    isa: super::fused::Isa,
    i0: usize,
    out: &mut [T],
    g: &mut Vec<T>,
) {
    let d = inp.xc.nrows();
    let n_src = inp.zt.nrows();
    let nb = out.len() / d;
    g.resize(n_src * nb, T::zero());
    let mut gm = DMatrixViewMut::from_slice(&mut g[..n_src * nb], n_src, nb);
    let xb = inp.xc.columns(i0, nb);
    gm.gemm(T::one(), inp.zt, &xb, T::zero());
    let mut sums: [T; BLOCK] = [T::zero(); BLOCK];
    for (i, col) in g[..n_src * nb].chunks_exact_mut(n_src).enumerate() {
        sums[i] = kernel_column_dispatch(isa, col, inp.zn, inp.xn[i0 + i], inp.neg_half);
    }
    let km = DMatrixView::from_slice(&g[..n_src * nb], n_src, nb);
    let mut om = DMatrixViewMut::from_slice(out, d, nb);
    om.gemm(inp.inv_n, inp.w, &km, T::zero());
    for (i, mut col) in om.column_iter_mut().enumerate() {
        let s = inp.c * inp.inv_n * sums[i];
        for (o, &xv) in col.iter_mut().zip(xb.column(i).iter()) {
            *o += s * xv;
        }
    }
}

/// Runs every block (in parallel with the `parallel` feature), writing the d × n direction into `out`.
pub(crate) fn rbf_gram<T: Real>(inp: &GramInput<'_, T>, out: &mut [T]) {
    let d = inp.xc.nrows();
    let isa = super::fused::isa();
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(BLOCK * d)
            .enumerate()
            .for_each_init(Vec::new, |g, (b, o)| block(inp, isa, b * BLOCK, o, g));
    }
    #[cfg(not(feature = "parallel"))]
    {
        let mut g = Vec::new();
        for (b, o) in out.chunks_mut(BLOCK * d).enumerate() {
            block(inp, isa, b * BLOCK, o, &mut g);
        }
    }
}
