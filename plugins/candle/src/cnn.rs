//! The plain CNN: the steerable network's shape with ordinary convolutions (no symmetry).

use crate::conv::{uniform_var, values, ConvBank, ConvSpec, ConvStack};
use crate::fast::FastNet;
use crate::float::Float;
use crate::network::Network;
use candle_core::{Tensor, Var};
use equistein::Result;
use rand_core::RngCore;

/// The channel widths of [`PlainCnn::fashion_mnist`]: twice [`crate::STEERABLE_WIDTHS`], which gives the
/// same number of parameters (a steerable layer of `F_out × F_in` fields has `36 F_out F_in` weights, a
/// plain one of `2F_out × 2F_in` channels `9 · 4 F_out F_in`): 146,298 against 145,730. It runs a quarter of the
/// steerable network's multiply-adds (which convolves `4F` channels).
pub const PLAIN_WIDTHS: [usize; 8] = [16, 16, 32, 32, 64, 64, 64, 64];

/// An ordinary CNN of [`ConvSpec`]'s shape: `h_l = ReLU(w_l ⋆ h_{l−1} + b_l)` with 3 × 3 "same" convolutions
/// (`widths` = channels), the same pooling as [`crate::SteerableCnn`], the mean over all pixels `z`, logits
/// `f(x) = W z + b`. Not invariant under rotations of the input (the test in `tests/steerable.rs` checks that
/// it is not).
///
/// Parameters: `conv{l}.weight` (`C_l × C_{l−1} × 3 × 3`), `conv{l}.bias`, `fc.weight` (`classes × C_L`),
/// `fc.bias`. Start: He-uniform filters `U(±√(6 / (9 C_{l−1})))`, zero biases, the final layer as PyTorch's
/// `nn.Linear`. The sampling path is a [`ConvStack`] over the same banks.
///
/// ```
/// use equistein_candle::{ConvSpec, Network, PlainCnn};
/// use rand_core::SeedableRng;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
/// let spec = ConvSpec { side: 5, channels: 1, widths: vec![3, 3], pool_after: vec![1], classes: 2 };
/// let net = PlainCnn::<f64>::new(spec, &mut rng).unwrap();
/// assert_eq!(net.parameter_count(), 3 * 9 + 3 + 3 * 3 * 9 + 3 + 2 * 3 + 2);
/// let mut out = [0.0f64; 2];
/// net.detached().unwrap().forward(&[0.5; 25], 1, &mut out).unwrap();
/// assert!(out.iter().all(|v| v.is_finite()));
/// ```
#[derive(Clone)]
pub struct PlainCnn<T: Float> {
    spec: ConvSpec,
    weights: Vec<Var>,
    biases: Vec<Var>,
    fc_w: Var,
    fc_b: Var,
    _t: core::marker::PhantomData<T>,
}

impl<T: Float> PlainCnn<T> {
    /// The network of `spec` (widths in channels), parameters drawn from `rng`.
    pub fn new<R: RngCore + ?Sized>(spec: ConvSpec, rng: &mut R) -> Result<Self> {
        spec.sides()?;
        let mut weights = Vec::new();
        let mut biases = Vec::new();
        let mut prev = spec.channels;
        for &c in &spec.widths {
            let bound = (6.0 / (9 * prev) as f64).sqrt();
            weights.push(uniform_var::<T, _, _>((c, prev, 3, 3), bound, rng)?);
            biases.push(uniform_var::<T, _, _>(c, 0.0, rng)?);
            prev = c;
        }
        let bound = 1.0 / (prev as f64).sqrt();
        let fc_w = uniform_var::<T, _, _>((spec.classes, prev), bound, rng)?;
        let fc_b = uniform_var::<T, _, _>(spec.classes, bound, rng)?;
        Ok(PlainCnn {
            spec,
            weights,
            biases,
            fc_w,
            fc_b,
            _t: core::marker::PhantomData,
        })
    }

    /// FashionMNIST's network: [`ConvSpec::fashion_mnist`] with [`PLAIN_WIDTHS`].
    pub fn fashion_mnist<R: RngCore + ?Sized>(rng: &mut R) -> Result<Self> {
        Self::new(ConvSpec::fashion_mnist(&PLAIN_WIDTHS), rng)
    }

    /// A copy whose parameters live on `device` (see [`crate::SteerableCnn::to_device`]).
    pub fn to_device(&self, device: &candle_core::Device) -> Result<Self> {
        let mv = |v: &Var| {
            v.as_tensor()
                .to_device(device)
                .and_then(|t| Var::from_tensor(&t))
                .map_err(crate::float::candle_err)
        };
        Ok(PlainCnn {
            spec: self.spec.clone(),
            weights: self.weights.iter().map(mv).collect::<Result<_>>()?,
            biases: self.biases.iter().map(mv).collect::<Result<_>>()?,
            fc_w: mv(&self.fc_w)?,
            fc_b: mv(&self.fc_b)?,
            _t: core::marker::PhantomData,
        })
    }

    /// The shape.
    pub fn spec(&self) -> &ConvSpec {
        &self.spec
    }

    /// The number of parameters.
    pub fn parameter_count(&self) -> usize {
        self.parameters()
            .iter()
            .map(|(_, v)| v.as_tensor().elem_count())
            .sum()
    }
}

impl<T: Float> Network<T> for PlainCnn<T> {
    fn in_dim(&self) -> usize {
        self.spec.in_dim()
    }
    fn out_dim(&self) -> usize {
        self.spec.classes
    }
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let layers: Vec<(Tensor, Tensor)> = self
            .weights
            .iter()
            .zip(&self.biases)
            .map(|(w, b)| (w.as_tensor().clone(), b.as_tensor().clone()))
            .collect();
        self.spec
            .candle_features::<T>(x, &layers)?
            .matmul(&self.fc_w.as_tensor().t()?)?
            .broadcast_add(self.fc_b.as_tensor())
    }
    fn parameters(&self) -> Vec<(String, Var)> {
        let mut p = Vec::new();
        for (l, (w, b)) in self.weights.iter().zip(&self.biases).enumerate() {
            p.push((format!("conv{l}.weight"), w.clone()));
            p.push((format!("conv{l}.bias"), b.clone()));
        }
        p.push(("fc.weight".into(), self.fc_w.clone()));
        p.push(("fc.bias".into(), self.fc_b.clone()));
        p
    }
    fn detached(&self) -> Result<Box<dyn FastNet<T>>> {
        let mut banks = Vec::with_capacity(self.weights.len());
        for (w, b) in self.weights.iter().zip(&self.biases) {
            let dims = w.as_tensor().dims();
            banks.push(ConvBank {
                c_out: dims[0],
                c_in: dims[1],
                weight: values(w.as_tensor())?,
                bias: values(b.as_tensor())?,
            });
        }
        let fc_w = values(self.fc_w.as_tensor())?;
        let fc_b = values(self.fc_b.as_tensor())?;
        Ok(Box::new(ConvStack::new(&self.spec, banks, fc_w, fc_b)?))
    }
}
