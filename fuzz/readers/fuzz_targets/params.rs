//! The validation of sampler, kernel, group and target parameters, fed arbitrary numbers (the input's 8-byte
//! chunks as f64 bit patterns, so NaN, infinities, zero, subnormals and huge values all occur) and particle sets
//! of any shape (dimension 0–9, 0–12 particles, any values). Every builder either refuses with an error or
//! returns something whose steps, directions and diagnostics return `Ok` or an error: never a panic, a hang or
//! an allocation beyond the input's own size.
#![no_main]

use equistein::group::{CanonicalFrame, CyclicRotation, PointCloud};
use equistein::kernel::{median_bandwidth, GroupAveraged, Imq, InvariantMap, MatrixValued, Rbf};
use equistein::sampler::{Annealing, Langevin, StepSchedule, Svgd, Update};
use equistein::target::Gaussian;
use equistein::{Energy, Particles, Repulsion, Sampler};
use equistein::diagnostics::{ksd_imq, mmd_rbf};
use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

/// Reads numbers from the input, then zeros once it is used up.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().map(|(b, r)| (*b, r)).unwrap_or((0, &[]));
        self.0 = rest;
        b
    }
    fn f64(&mut self) -> f64 {
        let mut raw = [0u8; 8];
        for r in &mut raw {
            *r = self.byte();
        }
        f64::from_le_bytes(raw)
    }
    /// A number that is usually ordinary (a byte scaled), sometimes an arbitrary bit pattern.
    fn value(&mut self) -> f64 {
        match self.byte() % 4 {
            0 => self.f64(),
            1 => [0.0, -0.0, f64::NAN, f64::INFINITY, -f64::INFINITY, f64::MAX, f64::MIN_POSITIVE, 1e-300][self.byte() as usize % 8],
            _ => (self.byte() as f64 - 64.0) / 16.0,
        }
    }
}

fn exercise<K: equistein::Kernel<f64> + Clone>(
    kernel: K,
    b: &mut Bytes,
    energy: &Gaussian<f64>,
    x: &Particles<f64>,
    positives: Option<&Particles<f64>>,
) {
    let schedule = match b.byte() % 3 {
        0 => StepSchedule::Constant(b.value()),
        1 => StepSchedule::Piecewise {
            initial: b.value(),
            milestones: (0..b.byte() % 3).map(|_| (b.byte() as usize, b.value())).collect(),
        },
        _ => StepSchedule::Exponential { initial: b.value(), decay: b.value() },
    };
    let update = match b.byte() % 3 {
        0 => Update::Plain,
        1 => Update::Adagrad { alpha: b.value(), fudge: b.value() },
        _ => Update::Adam { beta1: b.value(), beta2: b.value(), eps: b.value() },
    };
    let repulsion = [Repulsion::LiuWang, Repulsion::AuthorsCode][b.byte() as usize % 2];
    let mut builder = Svgd::builder(kernel)
        .schedule(schedule)
        .update(update)
        .repulsion(repulsion)
        .noise(b.value());
    if b.byte() % 2 == 0 {
        builder = builder.annealing(Annealing {
            total_steps: b.byte() as usize,
            cycles: b.byte() as usize,
            power: b.value(),
        });
    }
    if let Some(p) = positives {
        builder = builder.positives(p.clone());
    }
    if b.byte() % 3 == 0 {
        builder = builder.random_batch(b.byte() as usize);
    }
    let Ok(mut svgd) = builder.build() else { return };
    let mut rng = ChaCha8Rng::seed_from_u64(b.byte() as u64);
    let mut y = x.clone();
    for _ in 0..2 {
        if let Err(e) = svgd.step(energy, &mut y, &mut rng) {
            let _ = e.to_string();
            break;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let dim = (b.byte() % 10) as usize;
    let n = (b.byte() % 13) as usize;
    let flat: Vec<f64> = (0..dim * n).map(|_| b.value()).collect();
    let Ok(x) = Particles::from_rows(dim.max(1), &flat) else { return };
    let x = if dim == 0 { Particles::zeros(0, n) } else { x };
    let energy_dim = if b.byte() % 4 == 0 { (b.byte() % 10) as usize } else { x.dim() };
    let mean: Vec<f64> = (0..energy_dim).map(|_| b.value()).collect();
    let Ok(energy) = Gaussian::isotropic(mean, b.value()) else { return };
    let _ = energy.dim();
    let positives = if b.byte() % 3 == 0 {
        let m = (b.byte() % 5) as usize;
        let pdim = if b.byte() % 4 == 0 { (b.byte() % 10) as usize + 1 } else { x.dim().max(1) };
        let flat: Vec<f64> = (0..pdim * m).map(|_| b.value()).collect();
        Particles::from_rows(pdim, &flat).ok()
    } else {
        None
    };
    let _ = median_bandwidth(&x);
    let _ = ksd_imq(&energy, &x);
    let _ = mmd_rbf(&x, &x, Some(b.value()));
    let _ = mmd_rbf(&x, positives.as_ref().unwrap_or(&x), None);
    if let Ok(mut lang) = Langevin::new(b.value()) {
        let mut y = x.clone();
        let _ = lang.step(&energy, &mut y, &mut ChaCha8Rng::seed_from_u64(0));
    }
    match b.byte() % 7 {
        0 => exercise(Rbf::median(), &mut b, &energy, &x, positives.as_ref()),
        1 => {
            if let Ok(k) = Rbf::fixed(b.value()) {
                exercise(k, &mut b, &energy, &x, positives.as_ref())
            }
        }
        2 => {
            if let Ok(k) = Imq::with_params(b.value(), b.value(), b.value()) {
                exercise(k, &mut b, &energy, &x, positives.as_ref())
            }
        }
        3 => {
            if let (Ok(g), Ok(k)) = (CyclicRotation::new(b.byte() as usize % 9), Rbf::fixed(b.value())) {
                exercise(GroupAveraged::new(g, k), &mut b, &energy, &x, positives.as_ref())
            }
        }
        4 => {
            if let (Ok(g), Ok(k)) = (CyclicRotation::new(b.byte() as usize % 9), Rbf::fixed(b.value())) {
                exercise(MatrixValued::new(g, k), &mut b, &energy, &x, positives.as_ref())
            }
        }
        5 => {
            let (k, m) = (b.byte() as usize % 5, b.byte() as usize % 4);
            if let (Ok(frame), Ok(base)) = (CanonicalFrame::new(k, m), Rbf::fixed(b.value())) {
                exercise(InvariantMap::new(frame, base), &mut b, &energy, &x, positives.as_ref())
            }
        }
        _ => {
            let (k, m) = (b.byte() as usize % 5, b.byte() as usize % 4);
            if let Ok(cloud) = PointCloud::new(k, m) {
                exercise(InvariantMap::new(cloud.orbit_map(), Rbf::median()), &mut b, &energy, &x, positives.as_ref())
            }
        }
    }
});
