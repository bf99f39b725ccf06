//! The C4-steerable CNN with the regular representation (Weiler & Cesa 2019), exactly invariant under
//! quarter turns of the input image.

use crate::conv::{uniform_var, values, ConvBank, ConvSpec, ConvStack};
use crate::fast::FastNet;
use crate::float::{candle_err, Float};
use crate::network::Network;
use candle_core::{Device, Tensor, Var, D};
use equistein::Result;
use rand_core::RngCore;

/// The widths (regular fields, 4 channels each) of [`SteerableCnn::fashion_mnist`].
pub const STEERABLE_WIDTHS: [usize; 8] = [8, 8, 16, 16, 32, 32, 32, 32];

/// The source index of pixel `(i, j)` of a `side × side` map turned counter-clockwise by `quarters · 90°`
/// (numpy's `rot90`): `rot(x)[i, j] = x[j, side − 1 − i]`.
pub fn rotated_index(side: usize, quarters: usize, i: usize, j: usize) -> usize {
    let (mut i, mut j) = (i, j);
    for _ in 0..quarters % 4 {
        (i, j) = (j, side - 1 - i);
    }
    i * side + j
}

/// Maps of `channels × side × side` (row-major, any number of them back to back) each turned
/// counter-clockwise by `quarters · 90°` (see [`rotated_index`]).
pub fn rotate_maps<T: Copy>(x: &[T], side: usize, quarters: usize) -> Vec<T> {
    let px = side * side;
    let mut out = x.to_vec();
    for (o, m) in out.chunks_exact_mut(px).zip(x.chunks_exact(px)) {
        for i in 0..side {
            for j in 0..side {
                o[i * side + j] = m[rotated_index(side, quarters, i, j)];
            }
        }
    }
    out
}

/// A C4-steerable CNN on `channels × k × k` images (regular representation of C4, Weiler & Cesa 2019):
///
/// - the lifting layer applies each free filter `ψ_f` (`channels × 3 × 3`) in its four rotations: output
///   channel `(f, r)` (index `4f + r`) is `ψ_f ⋆ x` with `ψ_f` turned by `r · 90°`;
/// - each group convolution has free filters `ψ_{f,g,s}` (`F_out × F_in × 4 × 3 × 3`) and uses the expanded
///   bank `Ψ[(f, r), (g, s)] = rot^r ψ_{f, g, (s − r) mod 4}` (filters turned, orientation axis shifted
///   cyclically), so turning the input turns every map and shifts the orientations by one;
/// - one bias per field (shared by its 4 orientations), then ReLU, pointwise;
/// - [`ConvSpec`]'s rotation-compatible average pooling (28 → 14 → 7 → 3);
/// - group pooling: the **mean** over the 4 orientations of each field, then the mean over all pixels:
///   `z_f = mean_{r, i, j} h_L[(f, r), i, j]`, invariant;
/// - logits `f(x) = W z + b`.
///
/// Every step is exactly equivariant on the pixel grid, so `f(rot x) = f(x)` up to floating-point rounding
/// (measured in `tests/steerable.rs`). The expanded banks are built from the free parameters inside the candle
/// graph (index selections), so `∇θ` reaches the free parameters; the sampling path ([`Network::detached`])
/// is a [`ConvStack`] over the same expanded banks.
///
/// Parameters: `conv0.weight` (`F_0 × channels × 3 × 3`, the lifting layer), `conv{l}.weight`
/// (`F_l × F_{l−1} × 4 × 3 × 3`), `conv{l}.bias` (`F_l`), `fc.weight` (`classes × F_L`), `fc.bias`. Start:
/// He-uniform filters `U(±√(6 / fan_in))` with the expanded fan-in (`9 · channels`, `36 · F_{l−1}`), zero
/// biases, the final layer as PyTorch's `nn.Linear`. With [`STEERABLE_WIDTHS`]: 145,730 parameters.
///
/// ```
/// use equistein_candle::{rotate_maps, ConvSpec, Network, SteerableCnn};
/// use rand_core::SeedableRng;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
/// let spec = ConvSpec { side: 6, channels: 1, widths: vec![2, 2], pool_after: vec![1], classes: 3 };
/// let net = SteerableCnn::<f32>::new(spec, &mut rng).unwrap();
/// let x: Vec<f32> = (0..36).map(|i| ((i * 7) % 11) as f32 / 11.0).collect();
/// let fast = net.detached().unwrap();
/// let (mut a, mut b) = ([0.0f32; 3], [0.0f32; 3]);
/// fast.forward(&x, 1, &mut a).unwrap();
/// fast.forward(&rotate_maps(&x, 6, 1), 1, &mut b).unwrap();
/// assert!(a.iter().zip(&b).all(|(u, v)| (u - v).abs() <= 1e-5 * (1.0 + u.abs())));
/// ```
#[derive(Clone)]
pub struct SteerableCnn<T: Float> {
    spec: ConvSpec,
    weights: Vec<Var>,
    biases: Vec<Var>,
    fc_w: Var,
    fc_b: Var,
    _t: core::marker::PhantomData<T>,
}

/// `rot^r` of a flattened 3 × 3 filter, as source indices: `rot^r(ψ)[p] = ψ[perm[p]]`.
fn filter_rotation(r: usize) -> [u32; 9] {
    core::array::from_fn(|p| rotated_index(3, r, p / 3, p % 3) as u32)
}

fn index(v: Vec<u32>, device: &Device) -> candle_core::Result<Tensor> {
    let n = v.len();
    Tensor::from_vec(v, n, device)
}

impl<T: Float> SteerableCnn<T> {
    /// The network of `spec` (widths in regular fields), parameters drawn from `rng`.
    pub fn new<R: RngCore + ?Sized>(spec: ConvSpec, rng: &mut R) -> Result<Self> {
        spec.sides()?;
        let mut weights = Vec::new();
        let mut biases = Vec::new();
        let mut prev = spec.channels;
        for (l, &f) in spec.widths.iter().enumerate() {
            let w = if l == 0 {
                uniform_var::<T, _, _>((f, prev, 3, 3), (6.0 / (9 * prev) as f64).sqrt(), rng)?
            } else {
                uniform_var::<T, _, _>((f, prev, 4, 3, 3), (6.0 / (36 * prev) as f64).sqrt(), rng)?
            };
            weights.push(w);
            biases.push(uniform_var::<T, _, _>(f, 0.0, rng)?);
            prev = f;
        }
        let bound = 1.0 / (prev as f64).sqrt();
        let fc_w = uniform_var::<T, _, _>((spec.classes, prev), bound, rng)?;
        let fc_b = uniform_var::<T, _, _>(spec.classes, bound, rng)?;
        Ok(SteerableCnn {
            spec,
            weights,
            biases,
            fc_w,
            fc_b,
            _t: core::marker::PhantomData,
        })
    }

    /// FashionMNIST's network: [`ConvSpec::fashion_mnist`] with [`STEERABLE_WIDTHS`].
    pub fn fashion_mnist<R: RngCore + ?Sized>(rng: &mut R) -> Result<Self> {
        Self::new(ConvSpec::fashion_mnist(&STEERABLE_WIDTHS), rng)
    }

    /// A copy whose parameters live on `device` (e.g. [`crate::device`]`(true)`, candle's CUDA device): the
    /// training graph (loss, `∇θ`, Adam) then runs there; the sampling path ([`Network::detached`]) copies the
    /// expanded banks to the CPU.
    pub fn to_device(&self, device: &Device) -> Result<Self> {
        let mv = |v: &Var| {
            v.as_tensor()
                .to_device(device)
                .and_then(|t| Var::from_tensor(&t))
                .map_err(candle_err)
        };
        Ok(SteerableCnn {
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

    /// The number of free parameters.
    pub fn parameter_count(&self) -> usize {
        self.parameters()
            .iter()
            .map(|(_, v)| v.as_tensor().elem_count())
            .sum()
    }

    /// The expanded filter banks (`4F_l × 4F_{l−1} × 3 × 3`; the lifting layer `4F_0 × channels × 3 × 3`) and
    /// biases (`4F_l`, each field's bias repeated), computed from the free parameters in the candle graph.
    pub fn expanded_banks(&self) -> candle_core::Result<Vec<(Tensor, Tensor)>> {
        let mut out = Vec::with_capacity(self.weights.len());
        for (l, (w, b)) in self.weights.iter().zip(&self.biases).enumerate() {
            let dims = w.as_tensor().dims().to_vec();
            let (f, g) = (dims[0], dims[1]);
            let bank = if l == 0 {
                // (f, c, 9) → (f, c, r, 9) → (f, r, c, 9)
                let idx: Vec<u32> = (0..4).flat_map(filter_rotation).collect();
                w.as_tensor()
                    .reshape((f, g, 9))?
                    .index_select(&index(idx, w.device())?, 2)?
                    .reshape((f, g, 4, 9))?
                    .transpose(1, 2)?
                    .contiguous()?
                    .reshape((4 * f, g, 3, 3))?
            } else {
                // (f, g, s·9) → (f, g, r, s, 9) with entry rot^r ψ[f, g, (s − r) mod 4] → (f, r, g, s, 9)
                let mut idx = Vec::with_capacity(144);
                for r in 0..4 {
                    let perm = filter_rotation(r);
                    for s in 0..4 {
                        idx.extend(perm.iter().map(|&p| ((s + 4 - r) % 4 * 9) as u32 + p));
                    }
                }
                w.as_tensor()
                    .reshape((f, g, 36))?
                    .index_select(&index(idx, w.device())?, 2)?
                    .reshape((f, g, 4, 4, 9))?
                    .transpose(1, 2)?
                    .contiguous()?
                    .reshape((4 * f, 4 * g, 3, 3))?
            };
            let repeat: Vec<u32> = (0..f as u32).flat_map(|i| [i; 4]).collect();
            out.push((
                bank,
                b.as_tensor().index_select(&index(repeat, w.device())?, 0)?,
            ));
        }
        Ok(out)
    }
}

impl<T: Float> Network<T> for SteerableCnn<T> {
    fn in_dim(&self) -> usize {
        self.spec.in_dim()
    }
    fn out_dim(&self) -> usize {
        self.spec.classes
    }
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let banks = self.expanded_banks()?;
        let z = self.spec.candle_features::<T>(x, &banks)?;
        let (b, c) = z.dims2()?;
        z.reshape((b, c / 4, 4))?
            .mean(D::Minus1)?
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
        let banks = self.expanded_banks().map_err(candle_err)?;
        let mut fast = Vec::with_capacity(banks.len());
        for (w, b) in &banks {
            let dims = w.dims();
            fast.push(ConvBank {
                c_out: dims[0],
                c_in: dims[1],
                weight: values(w)?,
                bias: values(b)?,
            });
        }
        // Group pooling folded into the final layer: W[k, 4f + r] = W_fields[k, f] / 4.
        let fw: Vec<T> = values(self.fc_w.as_tensor())?;
        let quarter = T::c(0.25);
        let fc_w: Vec<T> = fw.iter().flat_map(|&v| [v * quarter; 4]).collect();
        let fc_b = values(self.fc_b.as_tensor())?;
        Ok(Box::new(ConvStack::new(&self.spec, fast, fc_w, fc_b)?))
    }
}
