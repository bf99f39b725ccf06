//! The shape of a convolutional network on square images, and its candle (training) path.

use super::kernel::{halved, halving_window};
use crate::float::Float;
use candle_core::{Tensor, D};
use equistein::{Error, Result};

/// The shape shared by [`crate::SteerableCnn`] and [`crate::PlainCnn`]: images of `channels × side × side`
/// (flattened channel-major, then row-major: the network input has `channels · side²` entries), a stack of
/// 3 × 3 "same" convolutions of the given `widths` (regular fields of C4 for the steerable network, each
/// 4 channels; channels for the plain one), each followed by ReLU, a rotation-compatible average pooling
/// after the layers listed in `pool_after` (1-based), the mean over all pixels, and one linear layer to
/// `classes` outputs.
///
/// The pooling halves the side: 2 × 2 windows with stride 2 on an even side, 3 × 3 windows with stride 2 and
/// no padding on an odd side (28 → 14 → 7 → 3 for FashionMNIST). Both window grids are mapped onto themselves
/// by the quarter turns about the image centre, so pooling commutes with rotation; a 2 × 2 window on an odd
/// side (e2cnn's `PointwiseAvgPool(2)` taking 7 → 3 drops the last row and column) does not, which is what
/// puts the reference e2cnn configuration 2.6e-3 away from invariance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvSpec {
    /// The image side `k` (28 for FashionMNIST).
    pub side: usize,
    /// The input channels (1 for FashionMNIST).
    pub channels: usize,
    /// One width per convolution layer.
    pub widths: Vec<usize>,
    /// The layers (1-based, increasing) after which the maps are pooled to half their side.
    pub pool_after: Vec<usize>,
    /// The outputs (logits) of the final linear layer.
    pub classes: usize,
}

impl ConvSpec {
    /// FashionMNIST's shape with the given widths: 28 × 28 × 1 images, pooling after layers 2, 4 and 6
    /// (maps 28 → 14 → 7 → 3), 10 classes.
    pub fn fashion_mnist(widths: &[usize]) -> Self {
        ConvSpec {
            side: 28,
            channels: 1,
            widths: widths.to_vec(),
            pool_after: vec![2, 4, 6],
            classes: 10,
        }
    }

    /// The input dimension `channels · side²`.
    pub fn in_dim(&self) -> usize {
        self.channels * self.side * self.side
    }

    /// The side of the maps each layer convolves (before its pooling), after checking the shape: positive
    /// sizes, at least one layer, pooling layers increasing and present, no map pooled below 1 × 1.
    pub fn sides(&self) -> Result<Vec<usize>> {
        let bad = |reason: String| Error::InvalidParameter {
            name: "convolution network shape",
            reason,
        };
        if self.side == 0 || self.channels == 0 || self.classes == 0 || self.widths.is_empty() {
            return Err(bad(format!(
                "needs positive sizes and a layer, got {self:?}"
            )));
        }
        if self.widths.contains(&0) {
            return Err(bad(format!("zero width in {:?}", self.widths)));
        }
        if self.pool_after.windows(2).any(|w| w[0] >= w[1])
            || self
                .pool_after
                .iter()
                .any(|&l| l == 0 || l > self.widths.len())
        {
            return Err(bad(format!(
                "pool_after {:?} must increase within 1..={}",
                self.pool_after,
                self.widths.len()
            )));
        }
        let mut sides = Vec::with_capacity(self.widths.len());
        let mut s = self.side;
        for l in 1..=self.widths.len() {
            sides.push(s);
            if self.pool_after.contains(&l) {
                s = halved(s);
                if s == 0 {
                    return Err(bad(format!(
                        "layer {l} pools a {0} × {0} map",
                        sides[l - 1]
                    )));
                }
            }
        }
        Ok(sides)
    }

    /// Whether layer `l` (0-based) is followed by pooling.
    pub(crate) fn pools(&self, l: usize) -> bool {
        self.pool_after.contains(&(l + 1))
    }

    /// The training path's convolution stack in candle: `x` (`B × channels·side²`) → the mean over all pixels
    /// of the last layer's maps (`B × C_last`), with the filter banks `w_l` in candle's layout
    /// (`C_out × C_in × 3 × 3`) and biases `b_l` (`C_out`).
    pub(crate) fn candle_features<T: Float>(
        &self,
        x: &Tensor,
        layers: &[(Tensor, Tensor)],
    ) -> candle_core::Result<Tensor> {
        let b = x.dim(0)?;
        let mut h = x.reshape((b, self.channels, self.side, self.side))?;
        for (l, (w, bias)) in layers.iter().enumerate() {
            h = super::op::conv3x3_relu(&h, w, bias)?;
            if self.pools(l) {
                h = halve::<T>(&h)?;
            }
        }
        h.flatten_from(2)?.mean(D::Minus1)
    }
}

/// The rotation-compatible average pooling of `B × C × n × n` maps in candle: `avg_pool2d(2)` on an even
/// side; on an odd side a product with the constant pooling matrix (candle has no backward pass for
/// overlapping average pooling).
fn halve<T: Float>(h: &Tensor) -> candle_core::Result<Tensor> {
    let (b, c, n, _) = h.dims4()?;
    if n.is_multiple_of(2) {
        return h.avg_pool2d(2);
    }
    let (w, m) = (halving_window(n), halved(n));
    let mut p = vec![T::zero(); n * n * m * m];
    let v = T::one() / T::c((w * w) as f64);
    for i in 0..m {
        for j in 0..m {
            for a in 0..w {
                for bb in 0..w {
                    p[((2 * i + a) * n + 2 * j + bb) * m * m + i * m + j] = v;
                }
            }
        }
    }
    let p = Tensor::from_vec(p, (n * n, m * m), h.device())?;
    h.reshape((b * c, n * n))?.matmul(&p)?.reshape((b, c, m, m))
}
