//! The hand-written 3 × 3 "same" convolution and the rotation-compatible average pooling on NHWC maps.

use crate::float::{add_bias_relu, Float};
use crate::mlp::matmul;

/// How many `f32`-sized values one im2col tile may hold (512 KiB in `f32`): the tile and the packed filter
/// bank stay in a core's L2 cache while the GEMM runs.
const TILE_VALUES: usize = 128 * 1024;

/// A 3 × 3 convolution with stride 1 and zero padding 1 ("same": the map keeps its `side × side` size), on
/// maps stored NHWC (`images × side × side × channels`, row-major):
/// `y[i, j, o] = b_o + Σ_{a, b < 3} Σ_c w[o, c, a, b] · x[i + a − 1, j + b − 1, c]` (`x = 0` outside the map).
///
/// It runs as im2col + GEMM over tiles of output pixels: a tile's rows are the 3 × 3 neighbourhoods
/// `(9 · c_in` values each, zero where they leave the map), multiplied by the filter bank stored
/// `(9 · c_in) × c_out`.
#[derive(Clone, Debug)]
pub(crate) struct Conv3x3<T> {
    pub(crate) c_in: usize,
    pub(crate) c_out: usize,
    /// `w[((a · 3 + b) · c_in + c) · c_out + o] = w[o, c, a, b]`.
    w: Vec<T>,
    bias: Vec<T>,
}

impl<T: Float> Conv3x3<T> {
    /// From a filter bank in candle's layout `c_out × c_in × 3 × 3` (row-major) and `c_out` biases.
    pub(crate) fn from_oihw(c_out: usize, c_in: usize, oihw: &[T], bias: Vec<T>) -> Self {
        debug_assert_eq!(oihw.len(), c_out * c_in * 9);
        let mut w = vec![T::zero(); oihw.len()];
        for o in 0..c_out {
            for c in 0..c_in {
                for p in 0..9 {
                    w[(p * c_in + c) * c_out + o] = oihw[(o * c_in + c) * 9 + p];
                }
            }
        }
        Conv3x3 {
            c_in,
            c_out,
            w,
            bias,
        }
    }

    /// The convolution whose output is the input gradient of this one: `∂L/∂x = conv(∂L/∂y, w')` with the
    /// filters turned by 180° and the channel roles swapped, `w'[c, o, a, b] = w[o, c, 2 − a, 2 − b]`, no bias
    /// (exact for stride 1 and zero padding 1).
    pub(crate) fn input_gradient(&self) -> Self {
        let (ci, co) = (self.c_in, self.c_out);
        let mut w = vec![T::zero(); self.w.len()];
        for p in 0..9 {
            let q = 8 - p; // (2 − a) · 3 + (2 − b)
            for c in 0..ci {
                for o in 0..co {
                    w[(p * co + o) * ci + c] = self.w[(q * ci + c) * co + o];
                }
            }
        }
        Conv3x3 {
            c_in: co,
            c_out: ci,
            w,
            bias: vec![T::zero(); ci],
        }
    }

    /// `y = conv(x)` (then `y ← ReLU(y)` when `relu`, on each tile while it is in cache) for `images` maps
    /// of `side × side`; `x` is `images · side² · c_in` long, `y` `images · side² · c_out`; `cols` is
    /// scratch space.
    pub(crate) fn apply(
        &self,
        x: &[T],
        images: usize,
        side: usize,
        relu: bool,
        y: &mut [T],
        cols: &mut Vec<T>,
    ) {
        let (ci, co) = (self.c_in, self.c_out);
        let pixels = images * side * side;
        debug_assert!(x.len() == pixels * ci && y.len() == pixels * co);
        let k = 9 * ci;
        let rows = (TILE_VALUES / k).clamp(16, 4096).min(pixels.max(1));
        cols.resize(rows * k, T::zero());
        let mut p0 = 0;
        while p0 < pixels {
            let m = rows.min(pixels - p0);
            im2col(x, side, ci, p0, m, cols);
            let out = &mut y[p0 * co..(p0 + m) * co];
            matmul(m, co, k, &cols[..m * k], &self.w, false, out);
            add_bias_relu(out, &self.bias, relu);
            p0 += m;
        }
    }
}

/// Rows `p0 .. p0 + m` of the im2col matrix of NHWC maps `x` (`side × side`, `ci` channels; pixel `p` is
/// image `p / side²`, row and column of `p mod side²`): row `p` holds `x[i + a − 1, j + b − 1, ·]` for
/// `a, b < 3` (offset-major, zero outside the map), `9 · ci` values, written to the start of `cols`.
pub(crate) fn im2col<T: Float>(
    x: &[T],
    side: usize,
    ci: usize,
    p0: usize,
    m: usize,
    cols: &mut [T],
) {
    let k = 9 * ci;
    for (r, col) in cols.chunks_exact_mut(k).take(m).enumerate() {
        let p = p0 + r;
        let img = p / (side * side);
        let (i, j) = ((p / side) % side, p % side);
        let base = img * side * side;
        for a in 0..3 {
            for b in 0..3 {
                let dst = &mut col[(a * 3 + b) * ci..(a * 3 + b + 1) * ci];
                let (si, sj) = ((i + a).wrapping_sub(1), (j + b).wrapping_sub(1));
                if si < side && sj < side {
                    let s = (base + si * side + sj) * ci;
                    dst.copy_from_slice(&x[s..s + ci]);
                } else {
                    dst.iter_mut().for_each(|v| *v = T::zero());
                }
            }
        }
    }
}

/// The filter gradient of [`Conv3x3`] for NHWC maps `x` (`images × side² × ci`) and output gradients `g`
/// (`images × side² × co`): `acc[(p · ci + c) · co + o] += Σ_pixels im2col(x)[pixel, p · ci + c] · g[pixel, o]`
/// (the bank layout of [`Conv3x3`]), by tiles of pixels and a transposed GEMM.
pub(crate) fn filter_gradient<T: Float>(
    x: &[T],
    g: &[T],
    images: usize,
    side: usize,
    ci: usize,
    co: usize,
    acc: &mut [T],
) {
    let pixels = images * side * side;
    let k = 9 * ci;
    debug_assert!(x.len() == pixels * ci && g.len() == pixels * co && acc.len() == k * co);
    let rows = (TILE_VALUES / k).clamp(16, 4096).min(pixels.max(1));
    let mut cols = vec![T::zero(); rows * k];
    let mut p0 = 0;
    while p0 < pixels {
        let m = rows.min(pixels - p0);
        im2col(x, side, ci, p0, m, &mut cols);
        // SAFETY: acc is k × co row-major; lhs = colsᵀ (k × m: element (r, q) at cols[q · k + r]); rhs = the
        // m × co rows of g from p0; all in bounds by the lengths asserted above; acc aliases neither.
        unsafe {
            gemm::gemm(
                k,
                co,
                m,
                acc.as_mut_ptr(),
                1,
                co as isize,
                true,
                cols.as_ptr(),
                k as isize,
                1,
                g[p0 * co..].as_ptr(),
                1,
                co as isize,
                T::one(),
                T::one(),
                false,
                false,
                false,
                gemm::Parallelism::None,
            );
        }
        p0 += m;
    }
}

/// The window of the rotation-compatible halving of a `side × side` map: 2 × 2 on an even side (→ side / 2),
/// 3 × 3 on an odd side (→ (side − 1) / 2), stride 2, no padding. Both window grids are symmetric under
/// the reflections of the square (window starts `2i` map to `side − w − 2i`, again even), so the pooling
/// commutes with the quarter turns.
pub(crate) fn halving_window(side: usize) -> usize {
    if side.is_multiple_of(2) {
        2
    } else {
        3
    }
}

/// The side after [`halving_window`]'s pooling (0 when `side < 2`: no such pooling).
pub(crate) fn halved(side: usize) -> usize {
    if side < 2 {
        0
    } else {
        (side - halving_window(side)) / 2 + 1
    }
}

/// Average pooling with the halving window, NHWC: `x` is `images · side² · c`, `y` `images · halved² · c`.
pub(crate) fn pool_forward<T: Float>(x: &[T], images: usize, side: usize, c: usize, y: &mut [T]) {
    let (w, n) = (halving_window(side), halved(side));
    let scale = T::one() / T::c((w * w) as f64);
    y.iter_mut().for_each(|v| *v = T::zero());
    for img in 0..images {
        for i in 0..n {
            for j in 0..n {
                let d = ((img * n + i) * n + j) * c;
                let dst = &mut y[d..d + c];
                for a in 0..w {
                    for b in 0..w {
                        let s = ((img * side + 2 * i + a) * side + 2 * j + b) * c;
                        for (v, &u) in dst.iter_mut().zip(&x[s..s + c]) {
                            *v += u;
                        }
                    }
                }
                dst.iter_mut().for_each(|v| *v *= scale);
            }
        }
    }
}

/// The transpose of [`pool_forward`]: `gx` (`images · side² · c`) receives `gy / w²` in every window.
pub(crate) fn pool_backward<T: Float>(
    gy: &[T],
    images: usize,
    side: usize,
    c: usize,
    gx: &mut [T],
) {
    let (w, n) = (halving_window(side), halved(side));
    let scale = T::one() / T::c((w * w) as f64);
    gx.iter_mut().for_each(|v| *v = T::zero());
    for img in 0..images {
        for i in 0..n {
            for j in 0..n {
                let s = ((img * n + i) * n + j) * c;
                let src = &gy[s..s + c];
                for a in 0..w {
                    for b in 0..w {
                        let d = ((img * side + 2 * i + a) * side + 2 * j + b) * c;
                        for (v, &u) in gx[d..d + c].iter_mut().zip(src) {
                            *v += u * scale;
                        }
                    }
                }
            }
        }
    }
}
