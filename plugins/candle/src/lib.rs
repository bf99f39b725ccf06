//! # equistein-candle
//!
//! Neural energies on [candle](https://github.com/huggingface/candle) for `equistein`, and their training by
//! contrastive divergence with (E-)SVGD negatives (Jaini, Holdijk & Welling 2021, appendix D).
//!
//! - [`Network`]: a candle model from inputs `B × d` to outputs `B × k` with named parameters; [`Mlp`] is the
//!   paper's ReLU MLP. Every network also gives a [`FastNet`]: its input gradient with the parameters held
//!   fixed, used while sampling. [`Mlp`]'s is written out by hand through the ReLU masks (about two forward
//!   passes); any other network falls back to candle's autograd ([`AutogradNet`]).
//! - Convolutional networks on square images ([`conv`]): [`SteerableCnn`], the C4-steerable CNN with the
//!   regular representation (exactly invariant under quarter turns of the input), and [`PlainCnn`], the
//!   ordinary CNN of the same shape and parameter count; both sample through one hand-written
//!   [`ConvStack`] (im2col + GEMM, the input gradient through the transposed convolutions, rayon over images).
//! - [`Egnn`] ([`egnn`]): the E(3)-invariant EGNN of Satorras et al. (2021) in its QM9 setting, on molecules of
//!   one formula (`3n` coordinates a row, atom features fixed per model), output `o` for `E = log(1 + o²)`; its
//!   sampling path [`FastEgnn`] is hand-written (per-node split of the edge MLP's first layer, `gemm` and AVX-512
//!   kernels, rayon), and on the CPU its training pass is one fused candle op with a hand-written backward pass.
//! - Invariant wrappers without parameters: [`GroupAverage`] (outputs averaged over a finite group acting
//!   linearly on the input), [`NormInput`] (the network sees `‖x‖`: SO(n)), [`CanonicalInput`] (the network
//!   sees the canonical form `P(x)` of any core [`equistein::OrbitMap`]).
//! - [`Head`]: outputs to energies. [`JemHead`] (`E(x) = −logsumexp f(x)`, `E(x | y) = −f_y(x)`,
//!   `p(y | x) = softmax f(x)`, cross-entropy on labelled positives), [`ScalarHead`] (`E = log(1 + o²)`, with an
//!   optional regression term).
//! - [`CandleEnergy`]: the adapter: a core [`equistein::Energy`] (batched, `∇ₓ`) and a core
//!   [`equistein::cd::TrainableEnergy`] (`∇θ` of the CD loss by autograd, [`Adam`] with learning-rate steps,
//!   optional gradient clipping and L2 penalty on the energies), in `f32` and `f64`.
//! - [`train`]: the trainer: the core's CD driver over any network, head and sampler, with checkpoints every
//!   k epochs, a bit-identical resume, whole-run counters (epochs, minibatches, SVGD steps, resets, sampling
//!   and learning time, the median step time) and observers (progress, metrics, early stop).
//! - [`checkpoint`]: parameters, optimizer state, the persistent chain, the epoch, the RNG state, the run's
//!   identity and counters in one safetensors file, written atomically; a checkpoint of another run, model
//!   shape or format is refused, naming the field.
//!
//! ```
//! use equistein::Energy;
//! use equistein_candle::{CandleEnergy, JemHead, Mlp, Adam};
//! use rand_core::SeedableRng;
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let mlp = Mlp::<f32>::new(&[2, 16, 16, 2], &mut rng).unwrap();
//! let model = CandleEnergy::new(mlp, JemHead::new(2), Adam::new(1e-3)).unwrap();
//! let mut g = [0.0f32; 2];
//! let e = model.energy_grad(&[0.5, -1.0], &mut g).unwrap();
//! assert!(e.is_finite() && g.iter().all(|v| v.is_finite()));
//! ```

mod adam;
pub mod checkpoint;
mod cnn;
pub mod conv;
pub mod egnn;
mod energy;
mod fast;
mod float;
mod head;
mod mlp;
mod network;
mod steerable;
pub mod train;
mod wrappers;

pub use adam::Adam;
pub use cnn::{PlainCnn, PLAIN_WIDTHS};
pub use conv::{ConvBank, ConvSpec, ConvStack};
pub use egnn::{Egnn, EgnnConfig, FastEgnn, ATOM_FEATURES};
pub use energy::{CandleEnergy, OutputEnergy};
pub use fast::{AutogradNet, FastNet};
pub use float::{candle_err, Float};
pub use head::{Head, JemHead, ScalarHead};
pub use mlp::Mlp;
pub use network::Network;
pub use steerable::{rotate_maps, rotated_index, SteerableCnn, STEERABLE_WIDTHS};
pub use wrappers::{CanonicalInput, GroupAverage, NormInput};

/// candle's device for the training graph of [`SteerableCnn`] / [`PlainCnn`] ([`SteerableCnn::to_device`]):
/// the CPU, or with `cuda = true` CUDA device 0, which needs the `cuda` feature (an error without it, or when
/// no device opens). Untested on a GPU in this repository. What runs there: the parameters, the loss, its
/// gradient (candle's own `conv2d` replaces the CPU-only fused convolutions off the CPU) and Adam; the sampling
/// path ([`ConvStack`], hand-written CPU code) and the samplers stay on the CPU.
pub fn device(cuda: bool) -> equistein::Result<candle_core::Device> {
    if !cuda {
        return Ok(candle_core::Device::Cpu);
    }
    if cfg!(feature = "cuda") {
        candle_core::Device::new_cuda(0).map_err(candle_err)
    } else {
        Err(equistein::Error::InvalidParameter {
            name: "device",
            reason: "CUDA needs equistein-candle's `cuda` feature".into(),
        })
    }
}
