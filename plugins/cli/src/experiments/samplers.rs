//! Building and running the compared samplers by name, and running independent jobs on all cores.

use super::target::ToyTarget;
use crate::config::SamplerKind;
use equistein::group::NormMap;
use equistein::kernel::{GroupAveraged, InvariantMap, Kernel, MatrixValued, Rbf, Repulsion};
use equistein::sampler::{RunSummary, Svgd};
use equistein::{Control, Error, Particles, RunLimits, Sampler, StepInfo};
use rand_core::RngCore;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The settings every compared sampler shares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SvgdSettings {
    /// The number of steps.
    pub steps: usize,
    /// The constant step size ε.
    pub step_size: f64,
    /// The RBF bandwidth h of the base kernel.
    pub bandwidth: f64,
}

/// Runs sampler `kind` on `target` from `particles` (moved in place) for `settings.steps` steps, calling
/// `observer` after every step:
///
/// | name | kernel | repulsion |
/// |---|---|---|
/// | `svgd` | RBF(h) | Liu–Wang |
/// | `esvgd-scalar` | C_N-averaged RBF (Gaussians) or RBF on ‖x‖ (radial) | Liu–Wang |
/// | `esvgd-scalar-code` | the same | the authors' code form |
/// | `esvgd-matrix` | `Σ_g k(x, g·y) g` over C_N (finite groups only) | Liu–Wang |
pub fn run_sampler<R, O>(
    kind: SamplerKind,
    target: &ToyTarget,
    settings: SvgdSettings,
    particles: &mut Particles<f64>,
    rng: &mut R,
    observer: &mut O,
) -> Result<RunSummary<f64>, Error>
where
    R: RngCore,
    O: FnMut(&StepInfo<f64>, &Particles<f64>) -> Control,
{
    let rbf = Rbf::fixed(settings.bandwidth)?;
    let code = Repulsion::AuthorsCode;
    let lw = Repulsion::LiuWang;
    let mut go = |kernel: &dyn DynKernel, repulsion| {
        kernel.run(target, settings, repulsion, particles, rng, observer)
    };
    match (kind, target) {
        (SamplerKind::Svgd, _) => go(&rbf, lw),
        (SamplerKind::EsvgdScalar, ToyTarget::Gaussians { group, .. }) => {
            go(&GroupAveraged::new(*group, rbf), lw)
        }
        (SamplerKind::EsvgdScalarCode, ToyTarget::Gaussians { group, .. }) => {
            go(&GroupAveraged::new(*group, rbf), code)
        }
        (SamplerKind::EsvgdMatrix, ToyTarget::Gaussians { group, .. }) => {
            go(&MatrixValued::new(*group, rbf), lw)
        }
        (SamplerKind::EsvgdScalar, ToyTarget::Radial { .. }) => {
            go(&InvariantMap::new(NormMap::new(target.dim()), rbf), lw)
        }
        (SamplerKind::EsvgdScalarCode, ToyTarget::Radial { .. }) => {
            go(&InvariantMap::new(NormMap::new(target.dim()), rbf), code)
        }
        (SamplerKind::EsvgdMatrix, ToyTarget::Radial { .. }) => Err(Error::InvalidParameter {
            name: "samplers",
            reason: "esvgd-matrix needs a finite group; the radial targets have SO(d) symmetry"
                .into(),
        }),
    }
}

/// Object-safe runner over the concrete kernel types (the `Sampler` trait has generic methods, so the choice
/// of kernel is dispatched here once per run, not per step).
trait DynKernel {
    fn run(
        &self,
        target: &ToyTarget,
        settings: SvgdSettings,
        repulsion: Repulsion,
        particles: &mut Particles<f64>,
        rng: &mut dyn RngCore,
        observer: &mut dyn FnMut(&StepInfo<f64>, &Particles<f64>) -> Control,
    ) -> Result<RunSummary<f64>, Error>;
}

impl<K: Kernel<f64> + Clone> DynKernel for K {
    fn run(
        &self,
        target: &ToyTarget,
        settings: SvgdSettings,
        repulsion: Repulsion,
        particles: &mut Particles<f64>,
        rng: &mut dyn RngCore,
        observer: &mut dyn FnMut(&StepInfo<f64>, &Particles<f64>) -> Control,
    ) -> Result<RunSummary<f64>, Error> {
        let mut svgd = Svgd::builder(self.clone())
            .step_size(settings.step_size)
            .repulsion(repulsion)
            .build()?;
        let mut obs = |info: &StepInfo<f64>, p: &Particles<f64>| observer(info, p);
        svgd.run(
            target.energy(),
            particles,
            rng,
            RunLimits::steps(settings.steps),
            &mut obs,
        )
    }
}

/// Runs `f` on every job, on up to `available_parallelism` threads, and returns the results in job order.
/// The results do not depend on the number of threads (every job owns its random streams).
pub fn run_parallel<J: Send, T: Send>(jobs: Vec<J>, f: impl Fn(J) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(jobs.len())
        .max(1);
    let n = jobs.len();
    let queue: Vec<Mutex<Option<J>>> = jobs.into_iter().map(|j| Mutex::new(Some(j))).collect();
    let results: Vec<Mutex<Option<T>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let job = queue[i].lock().ok().and_then(|mut g| g.take());
                if let Some(job) = job {
                    let r = f(job);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .ok()
                .flatten()
                .expect("every job ran: a panicking job propagates through the scope")
        })
        .collect()
}
