//! Convolutional networks on square images: their shared shape ([`ConvSpec`]) and their hand-written
//! sampling path ([`ConvStack`]: 3 × 3 "same" convolutions by im2col + GEMM, the input gradient through the
//! transposed convolutions, rayon over chunks of images).
//!
//! [`crate::SteerableCnn`] and [`crate::PlainCnn`] build on it: both hand their (expanded) filter banks to
//! one [`ConvStack`], so one fast kernel serves both, and their training path ([`crate::Network::forward`])
//! convolves through [`conv3x3`], the same kernel as a differentiable candle op.
//!
//! ```
//! use equistein_candle::{ConvBank, ConvSpec, ConvStack, FastNet};
//! // One 3 × 3 layer of 1 → 1 channels on 4 × 4 images: the identity filter (centre tap 1), then the mean
//! // over pixels and a linear layer of weight 2: f(x) = 2 · mean(ReLU(x)).
//! let spec = ConvSpec { side: 4, channels: 1, widths: vec![1], pool_after: vec![], classes: 1 };
//! let mut w = vec![0.0f32; 9];
//! w[4] = 1.0;
//! let bank = ConvBank { c_out: 1, c_in: 1, weight: w, bias: vec![0.0] };
//! let net = ConvStack::new(&spec, vec![bank], vec![2.0], vec![0.0]).unwrap();
//! let x: Vec<f32> = (0..16).map(|i| i as f32 - 4.0).collect();
//! let mut out = [0.0f32];
//! net.forward(&x, 1, &mut out).unwrap();
//! let expected = 2.0 * x.iter().map(|v| v.max(0.0)).sum::<f32>() / 16.0;
//! assert!((out[0] - expected).abs() < 1e-5);
//! ```

mod kernel;
mod op;
mod spec;
mod stack;

pub use op::{conv3x3, conv3x3_relu};
pub use spec::ConvSpec;
pub use stack::{ConvBank, ConvStack};

use crate::float::{candle_err, Float};
use candle_core::{Device, Shape, Var};
use equistein::{random, Result};
use rand_core::RngCore;

/// A parameter of the given shape drawn from `U(−bound, bound)` (`bound = 0`: zeros).
pub(crate) fn uniform_var<T: Float, R: RngCore + ?Sized, S: Into<Shape>>(
    shape: S,
    bound: f64,
    rng: &mut R,
) -> Result<Var> {
    let shape: Shape = shape.into();
    let b = T::c(bound);
    let v: Vec<T> = (0..shape.elem_count())
        .map(|_| {
            if bound > 0.0 {
                random::uniform(rng, -b, b)
            } else {
                T::zero()
            }
        })
        .collect();
    Var::from_vec(v, shape, &Device::Cpu).map_err(candle_err)
}

/// The values of a parameter (row-major).
pub(crate) fn values<T: Float>(t: &candle_core::Tensor) -> Result<Vec<T>> {
    t.flatten_all()
        .and_then(|f| f.to_vec1::<T>())
        .map_err(candle_err)
}
