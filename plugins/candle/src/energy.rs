//! The adapter: a candle network with a head as a core energy and a trainable energy.

use crate::adam::Adam;
use crate::fast::FastNet;
use crate::float::{candle_err, Float};
use crate::head::Head;
use crate::network::Network;
use candle_core::{Device, Tensor, Var};
use equistein::cd::{CdBatch, CdLoss, TrainableEnergy};
use equistein::error::ensure_dim;
use equistein::{Energy, Error, Particles, Result};

/// A candle [`Network`] with a [`Head`]: `E(x) = head(f_θ(x))`.
///
/// - As a core [`Energy`] it evaluates batches through the network's sampling path ([`Network::detached`]:
///   parameters held fixed, the input gradient by hand for [`crate::Mlp`], by autograd otherwise), refreshed
///   after every optimizer step.
/// - As a [`TrainableEnergy`] (labels `Option<H::Label>`) its loss is
///   `mean E(x⁺) − mean E(x⁻) + supervised + α (mean E(x⁺)² + mean E(x⁻)²)` (α the optional L2 penalty on the
///   energies, 0 by default), differentiated by candle's autograd, and [`Adam`] takes the step.
pub struct CandleEnergy<T: Float, N, H> {
    net: N,
    head: H,
    params: Vec<(String, Var)>,
    optimizer: Adam,
    energy_penalty: f64,
    grads: Option<Vec<Tensor>>,
    fast: Box<dyn FastNet<T>>,
}

impl<T: Float, N: Network<T>, H: Head<T>> CandleEnergy<T, N, H> {
    /// The adapter; errors if the head's output count differs from the network's or the optimizer is invalid.
    pub fn new(net: N, head: H, optimizer: Adam) -> Result<Self> {
        ensure_dim("head (network outputs)", head.out_dim(), net.out_dim())?;
        optimizer.validate()?;
        let params = net.parameters();
        let mut names: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::InvalidParameter {
                name: "network parameters",
                reason: format!("duplicate parameter name {}", w[0]),
            });
        }
        let fast = net.detached()?;
        Ok(CandleEnergy {
            net,
            head,
            params,
            optimizer,
            energy_penalty: 0.0,
            grads: None,
            fast,
        })
    }

    /// Adds the L2 penalty `α (mean E(x⁺)² + mean E(x⁻)²)` to the loss (`α ≥ 0`).
    pub fn with_energy_penalty(mut self, alpha: f64) -> Result<Self> {
        if !(alpha >= 0.0 && alpha.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "energy penalty",
                reason: format!("must be finite and ≥ 0, got {alpha}"),
            });
        }
        self.energy_penalty = alpha;
        Ok(self)
    }

    /// The network.
    pub fn network(&self) -> &N {
        &self.net
    }

    /// The head.
    pub fn head(&self) -> &H {
        &self.head
    }

    /// The named parameters.
    pub fn parameters(&self) -> &[(String, Var)] {
        &self.params
    }

    /// The optimizer.
    pub fn optimizer(&self) -> &Adam {
        &self.optimizer
    }

    pub(crate) fn optimizer_mut(&mut self) -> &mut Adam {
        &mut self.optimizer
    }

    /// Recomputes the sampling path from the current parameters (after they were changed from outside, e.g.
    /// by loading a checkpoint).
    pub fn refresh(&mut self) -> Result<()> {
        self.fast = self.net.detached()?;
        Ok(())
    }

    /// The network outputs (`n × k`, row-major) of a particle set: logits for [`crate::JemHead`].
    pub fn outputs(&self, xs: &Particles<T>) -> Result<Vec<T>> {
        ensure_dim("outputs (dimension)", self.net.in_dim(), xs.dim())?;
        let mut out = vec![T::zero(); xs.len() * self.net.out_dim()];
        self.fast.forward(xs.as_slice(), xs.len(), &mut out)?;
        Ok(out)
    }

    /// The input gradient of every particle by candle's autograd through [`Network::forward`] (slow; for
    /// checking the sampling path).
    pub fn energy_grad_autograd(&self, xs: &Particles<T>) -> Result<(Vec<T>, Particles<T>)> {
        let (d, n) = (xs.dim(), xs.len());
        ensure_dim("autograd (dimension)", self.net.in_dim(), d)?;
        let run = || -> candle_core::Result<(Vec<T>, Vec<T>)> {
            let x = Var::from_slice(xs.as_slice(), (n, d), &Device::Cpu)?;
            let e = self.head.energy(&self.net.forward(x.as_tensor())?)?;
            let grads = e.sum_all()?.backward()?;
            let gx = match grads.get(x.as_tensor()) {
                Some(g) => g.flatten_all()?.to_vec1::<T>()?,
                None => vec![T::zero(); n * d],
            };
            Ok((e.to_vec1::<T>()?, gx))
        };
        let (e, g) = run().map_err(candle_err)?;
        Ok((e, Particles::from_rows(d, &g)?))
    }

    /// `out[i] = row_energy(o_i)` from the outputs `o_i` of every particle.
    fn energies_by_row(
        &self,
        xs: &Particles<T>,
        out: &mut [T],
        mut row_energy: impl FnMut(&[T]) -> T,
    ) -> Result<()> {
        ensure_dim("energy batch (dimension)", self.net.in_dim(), xs.dim())?;
        ensure_dim("energy batch (output length)", xs.len(), out.len())?;
        let k = self.net.out_dim();
        let o = self.outputs(xs)?;
        for (e, row) in out.iter_mut().zip(o.chunks_exact(k)) {
            *e = row_energy(row);
        }
        Ok(())
    }

    /// Energies and input gradients on the sampling path, from `row(o_i, ∂E/∂o_i) = E_i`, which fills the
    /// gradient of the energy in the outputs; the network's hand-written backward pass does the rest.
    fn grads_by_row(
        &self,
        xs: &Particles<T>,
        energies: &mut [T],
        grads: &mut Particles<T>,
        mut row: impl FnMut(&[T], &mut [T]) -> T,
    ) -> Result<()> {
        ensure_dim("gradient batch (dimension)", self.net.in_dim(), xs.dim())?;
        ensure_dim("gradient batch (output length)", xs.len(), energies.len())?;
        ensure_dim("gradient batch (output count)", xs.len(), grads.len())?;
        ensure_dim("gradient batch (output dimension)", xs.dim(), grads.dim())?;
        let k = self.net.out_dim();
        self.fast.forward_backward(
            xs.as_slice(),
            xs.len(),
            &mut |out: &[T], g: &mut [T]| {
                for ((e, o), gr) in energies
                    .iter_mut()
                    .zip(out.chunks_exact(k))
                    .zip(g.chunks_exact_mut(k))
                {
                    *e = row(o, gr);
                }
                Ok(())
            },
            grads.as_mut_slice(),
        )
    }

    /// A batch as a tensor on the parameters' device (the CPU without parameters).
    fn batch_tensor(&self, xs: &Particles<T>) -> Result<Tensor> {
        let device = self
            .params
            .first()
            .map_or(&Device::Cpu, |(_, v)| v.device());
        Tensor::from_slice(xs.as_slice(), (xs.len(), xs.dim()), device).map_err(candle_err)
    }
}

impl<T: Float, N: Network<T>, H: Head<T>> Energy<T> for CandleEnergy<T, N, H> {
    fn dim(&self) -> usize {
        self.net.in_dim()
    }
    fn energy(&self, x: &[T]) -> Result<T> {
        one_point(self, x)
    }
    fn energy_grad(&self, x: &[T], grad: &mut [T]) -> Result<T> {
        one_point_grad(self, x, grad)
    }
    fn energy_batch(&self, xs: &Particles<T>, out: &mut [T]) -> Result<()> {
        let mut scratch = vec![T::zero(); self.net.out_dim()];
        self.energies_by_row(xs, out, |o| self.head.energy_grad_row(o, &mut scratch))
    }
    fn energy_grad_batch(
        &self,
        xs: &Particles<T>,
        energies: &mut [T],
        grads: &mut Particles<T>,
    ) -> Result<()> {
        self.grads_by_row(xs, energies, grads, |o, g| self.head.energy_grad_row(o, g))
    }
}

/// `E(x)` of one point through the batched path.
fn one_point<T: Float, E: Energy<T>>(e: &E, x: &[T]) -> Result<T> {
    let mut out = [T::zero()];
    e.energy_batch(&Particles::from_rows(e.dim(), x)?, &mut out)?;
    Ok(out[0])
}

/// `E(x)` and `∇E(x)` of one point through the batched path.
fn one_point_grad<T: Float, E: Energy<T>>(e: &E, x: &[T], grad: &mut [T]) -> Result<T> {
    ensure_dim("energy gradient", e.dim(), grad.len())?;
    let xs = Particles::from_rows(e.dim(), x)?;
    let mut g = Particles::zeros(e.dim(), 1);
    let mut out = [T::zero()];
    e.energy_grad_batch(&xs, &mut out, &mut g)?;
    grad.copy_from_slice(g.as_slice());
    Ok(out[0])
}

impl<T: Float, N: Network<T>, H: Head<T>> TrainableEnergy<T> for CandleEnergy<T, N, H> {
    type Label = Option<H::Label>;

    fn cd_gradient(&mut self, batch: &CdBatch<'_, T, Self::Label>) -> Result<CdLoss<T>> {
        let (pos, neg) = (batch.positives, batch.negatives);
        ensure_dim("positives (dimension)", self.dim(), pos.dim())?;
        ensure_dim("negatives (dimension)", self.dim(), neg.dim())?;
        ensure_dim("labels (one per positive)", pos.len(), batch.labels.len())?;
        if pos.is_empty() || neg.is_empty() {
            return Err(Error::InvalidParameter {
                name: "CD batch",
                reason: "needs at least one positive and one negative".into(),
            });
        }
        let (b, bn) = (pos.len(), neg.len());
        let xp = self.batch_tensor(pos)?;
        let xn = self.batch_tensor(neg)?;
        let all = Tensor::cat(&[&xp, &xn], 0).map_err(candle_err)?;
        let out = self.net.forward(&all).map_err(candle_err)?;
        let energies = self.head.energy(&out).map_err(candle_err)?;
        let split = || -> candle_core::Result<(Tensor, Tensor, Tensor)> {
            Ok((
                out.narrow(0, 0, b)?,
                energies.narrow(0, 0, b)?,
                energies.narrow(0, b, bn)?,
            ))
        };
        let (out_p, e_p, e_n) = split().map_err(candle_err)?;
        let scalar = |t: &Tensor| -> Result<T> { t.to_scalar::<T>().map_err(candle_err) };
        let mean_p = e_p.mean_all().map_err(candle_err)?;
        let mean_n = e_n.mean_all().map_err(candle_err)?;
        let mut loss = (&mean_p - &mean_n).map_err(candle_err)?;
        let sup = self.head.supervised(&out_p, &e_p, batch.labels)?;
        let sup_v = match &sup {
            Some(s) => {
                loss = (&loss + s).map_err(candle_err)?;
                scalar(s)?
            }
            None => T::zero(),
        };
        let mut reg_v = T::zero();
        if self.energy_penalty > 0.0 {
            let reg = (|| -> candle_core::Result<Tensor> {
                let r = (e_p.sqr()?.mean_all()? + e_n.sqr()?.mean_all()?)?;
                r.affine(self.energy_penalty, 0.0)
            })()
            .map_err(candle_err)?;
            reg_v = scalar(&reg)?;
            loss = (&loss + &reg).map_err(candle_err)?;
        }
        let total = scalar(&loss)?;
        if !total.is_finite() {
            // The driver stops with `TrainingDiverged` on the returned loss; no gradient of it is kept.
            self.grads = None;
            return Ok(CdLoss {
                positive_energy: scalar(&mean_p)?,
                negative_energy: scalar(&mean_n)?,
                supervised: sup_v,
                regularizer: reg_v,
                total,
            });
        }
        let store = loss.backward().map_err(candle_err)?;
        let mut grads = Vec::with_capacity(self.params.len());
        for (_, v) in &self.params {
            grads.push(match store.get(v.as_tensor()) {
                Some(g) => g.clone(),
                None => v.as_tensor().zeros_like().map_err(candle_err)?,
            });
        }
        self.grads = Some(grads);
        Ok(CdLoss {
            positive_energy: scalar(&mean_p)?,
            negative_energy: scalar(&mean_n)?,
            supervised: sup_v,
            regularizer: reg_v,
            total,
        })
    }

    fn apply_gradient(&mut self, epoch: usize) -> Result<()> {
        let grads = self.grads.take().ok_or_else(|| Error::InvalidParameter {
            name: "apply_gradient",
            reason: "no gradient stored: call cd_gradient first".into(),
        })?;
        let vars: Vec<Var> = self.params.iter().map(|(_, v)| v.clone()).collect();
        self.optimizer.step(&vars, &grads, epoch)?;
        self.refresh()
    }

    /// Every parameter finite; the error names the first tensor and element that is not.
    fn check_parameters(&self) -> Result<()> {
        for (name, v) in &self.params {
            let values: Vec<T> = v
                .as_tensor()
                .flatten_all()
                .and_then(|t| t.to_vec1::<T>())
                .map_err(candle_err)?;
            if let Some(i) = values.iter().position(|x| !x.is_finite()) {
                return Err(Error::Energy(format!(
                    "parameter `{name}` element {i} is {}",
                    values[i]
                )));
            }
        }
        Ok(())
    }
}

impl<T: Float, N: Network<T>, H: Head<T>> CandleEnergy<T, N, H> {
    /// The energy of one output alone, `E_y(x) = −o_y(x)`: for a JEM the class-conditional energy
    /// `E(x | y) = −f_y(x)`, whose samples are the model's `p(x | y)`. Errors if `y` is not below the output count.
    pub fn output_energy(&self, y: usize) -> Result<OutputEnergy<'_, T, N, H>> {
        let k = self.net.out_dim();
        if y >= k {
            return Err(equistein::Error::InvalidParameter {
                name: "output index",
                reason: format!("{y} is not below the {k} outputs of the network"),
            });
        }
        Ok(OutputEnergy { model: self, y })
    }
}

/// `E_y(x) = −o_y(x)`, one output of a [`CandleEnergy`]'s network (see [`CandleEnergy::output_energy`]);
/// evaluated on the same fast sampling path as the model's own energy.
pub struct OutputEnergy<'a, T: Float, N, H> {
    model: &'a CandleEnergy<T, N, H>,
    y: usize,
}

impl<T: Float, N: Network<T>, H: Head<T>> Energy<T> for OutputEnergy<'_, T, N, H> {
    fn dim(&self) -> usize {
        self.model.net.in_dim()
    }
    fn energy(&self, x: &[T]) -> Result<T> {
        one_point(self, x)
    }
    fn energy_grad(&self, x: &[T], grad: &mut [T]) -> Result<T> {
        one_point_grad(self, x, grad)
    }
    fn energy_batch(&self, xs: &Particles<T>, out: &mut [T]) -> Result<()> {
        self.model.energies_by_row(xs, out, |o| -o[self.y])
    }
    fn energy_grad_batch(
        &self,
        xs: &Particles<T>,
        energies: &mut [T],
        grads: &mut Particles<T>,
    ) -> Result<()> {
        let y = self.y;
        self.model.grads_by_row(xs, energies, grads, |o, g| {
            g.iter_mut().for_each(|v| *v = T::zero());
            g[y] = -T::one();
            -o[y]
        })
    }
}
