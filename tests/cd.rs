//! Contrastive-divergence driver: reset statistics, chain persistence, learning, resumption, validation.

use equistein::cd::{
    BatchInfo, CdBatch, CdConfig, CdLoss, CdObserver, ContrastiveDivergence, FreshStart,
    PersistentChain, TrainableEnergy,
};
use equistein::kernel::Rbf;
use equistein::sampler::Control;
use equistein::{
    random, Energy, Error, Langevin, Particles, Result, RunLimits, StepSchedule, Svgd,
};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

/// `E(x) = ½ e^a ‖x − μ‖²`: an isotropic Gaussian with learnable mean and log-precision, trained by SGD.
#[derive(Clone, Debug, PartialEq)]
struct Gauss {
    mu: Vec<f64>,
    a: f64,
    grad_mu: Vec<f64>,
    grad_a: f64,
    lr: f64,
}

impl Gauss {
    fn new(d: usize, lr: f64) -> Self {
        Gauss {
            mu: vec![0.0; d],
            a: 0.0,
            grad_mu: vec![0.0; d],
            grad_a: 0.0,
            lr,
        }
    }
}

impl Energy<f64> for Gauss {
    fn dim(&self) -> usize {
        self.mu.len()
    }
    fn energy(&self, x: &[f64]) -> Result<f64> {
        let sq: f64 = x.iter().zip(&self.mu).map(|(v, m)| (v - m) * (v - m)).sum();
        Ok(0.5 * self.a.exp() * sq)
    }
    fn energy_grad(&self, x: &[f64], g: &mut [f64]) -> Result<f64> {
        for ((gi, v), m) in g.iter_mut().zip(x).zip(&self.mu) {
            *gi = self.a.exp() * (v - m);
        }
        self.energy(x)
    }
}

impl TrainableEnergy<f64> for Gauss {
    type Label = ();
    fn cd_gradient(&mut self, b: &CdBatch<'_, f64, ()>) -> Result<CdLoss<f64>> {
        let d = self.mu.len();
        let mut gm = vec![0.0; d];
        let mut ga = 0.0;
        let mut pos = 0.0;
        let mut neg = 0.0;
        for (set, sign, acc) in [(b.positives, 1.0, &mut pos), (b.negatives, -1.0, &mut neg)] {
            let w = sign / set.len() as f64;
            for x in set.iter() {
                let e = self.energy(x)?;
                *acc += e / set.len() as f64;
                ga += w * e; // ∂_a E = E
                for k in 0..d {
                    gm[k] -= w * self.a.exp() * (x[k] - self.mu[k]); // ∂_μ E = −e^a (x − μ)
                }
            }
        }
        self.grad_mu = gm;
        self.grad_a = ga;
        Ok(CdLoss {
            positive_energy: pos,
            negative_energy: neg,
            supervised: 0.0,
            regularizer: 0.0,
            total: pos - neg,
        })
    }
    fn apply_gradient(&mut self, _epoch: usize) -> Result<()> {
        for (m, g) in self.mu.iter_mut().zip(&self.grad_mu) {
            *m -= self.lr * g;
        }
        self.a -= self.lr * self.grad_a;
        Ok(())
    }
    fn check_parameters(&self) -> Result<()> {
        if let Some(k) = self.mu.iter().position(|m| !m.is_finite()) {
            return Err(Error::Energy(format!("mu[{k}] = {}", self.mu[k])));
        }
        if !self.a.is_finite() {
            return Err(Error::Energy(format!("a = {}", self.a)));
        }
        Ok(())
    }
}

fn gaussian_data(rng: &mut ChaCha8Rng, n: usize) -> Particles<f64> {
    let centre = [2.0, -1.0];
    Particles::from_fn(2, n, |_, k| {
        centre[k] + 0.5 * random::standard_normal::<f64, _>(rng)
    })
}

fn config(epochs: usize, steps: usize) -> CdConfig<f64> {
    CdConfig {
        epochs,
        batch_size: 16,
        sampler_limits: RunLimits::steps(steps),
        step_sizes: StepSchedule::Constant(0.05),
        positives_repel: true,
    }
}

#[test]
fn reset_frequency_is_binomial() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let positives = Particles::from_fn(2, 3, |i, k| (i + k) as f64);
    let p = 0.3;
    let n = 10_000;
    let mut chain = PersistentChain::new(2, 3, p, FreshStart::Positives).unwrap();
    assert!(
        chain.prepare(&positives, &mut rng).unwrap(),
        "the first batch starts fresh"
    );
    let mut resets = 0usize;
    for _ in 0..n {
        resets += usize::from(chain.prepare(&positives, &mut rng).unwrap());
    }
    let sd = (n as f64 * p * (1.0 - p)).sqrt();
    let dev = (resets as f64 - n as f64 * p).abs();
    assert!(
        dev < 4.0 * sd,
        "{resets} resets in {n}, expected {} ± {sd:.1}",
        n as f64 * p
    );
    assert_eq!(chain.counts(), (resets + 1, n + 1));

    // p = 0 never resets after the first batch, p = 1 always does.
    for (p, expect) in [(0.0, 0), (1.0, 200)] {
        let mut chain = PersistentChain::new(2, 3, p, FreshStart::Positives).unwrap();
        chain.prepare(&positives, &mut rng).unwrap();
        let r: usize = (0..200)
            .map(|_| usize::from(chain.prepare(&positives, &mut rng).unwrap()))
            .sum();
        assert_eq!(r, expect, "p = {p}");
    }
}

/// Records, per batch, the start of the chain, whether it was fresh, and the final negatives.
#[derive(Default)]
struct Recorder {
    starts: Vec<(Vec<f64>, bool)>,
    ends: Vec<Vec<f64>>,
    steps: usize,
}

impl CdObserver<f64> for Recorder {
    fn sampling_started(&mut self, _: usize, _: usize, start: &Particles<f64>, reset: bool) {
        self.starts.push((start.as_slice().to_vec(), reset));
    }
    fn sampler_step(&mut self, _: &equistein::StepInfo<f64>, _: &Particles<f64>) -> Control {
        self.steps += 1;
        Control::Continue
    }
    fn batch(&mut self, info: &BatchInfo<f64>, negatives: &Particles<f64>) -> Control {
        assert_eq!(info.sampling.steps, 3);
        self.ends.push(negatives.as_slice().to_vec());
        Control::Continue
    }
}

#[test]
fn driver_keeps_the_chain_unless_it_resets() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let data = gaussian_data(&mut rng, 64);
    let p = 0.25;
    let chain = PersistentChain::new(2, 16, p, FreshStart::Positives).unwrap();
    let svgd = Svgd::builder(Rbf::fixed(0.5).unwrap()).build().unwrap();
    let mut cd =
        ContrastiveDivergence::new(config(100, 3), svgd, chain, data.clone(), vec![(); 64])
            .unwrap();
    let mut model = Gauss::new(2, 0.01);
    let mut rec = Recorder::default();
    let summary = cd.train(&mut model, &mut rng, &mut rec).unwrap();
    assert_eq!(summary.epochs, 100);
    let batches = rec.starts.len();
    assert_eq!(batches, 400);
    assert_eq!(rec.steps, 3 * batches);
    assert!(rec.starts[0].1, "the first batch starts fresh");
    let mut resets = 0;
    for b in 1..batches {
        let (start, reset) = &rec.starts[b];
        if *reset {
            resets += 1;
            // Fresh from the positive batch: every particle is a data point.
            for x in start.chunks(2) {
                assert!(
                    data.iter().any(|y| y == x),
                    "fresh particle {x:?} is not a datum"
                );
            }
        } else {
            assert_eq!(start, &rec.ends[b - 1], "batch {b}: the chain was not kept");
        }
    }
    let n = (batches - 1) as f64;
    let sd = (n * p * (1.0 - p)).sqrt();
    assert!(
        (resets as f64 - n * p).abs() < 4.0 * sd,
        "{resets} resets in {n} batches"
    );
    assert_eq!(cd.chain().counts().0, resets + 1);
}

#[test]
fn fresh_start_distributions() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let pos = Particles::zeros(3, 1);
    let mut u =
        PersistentChain::new(3, 2000, 1.0, FreshStart::Uniform { lo: -5.0, hi: 5.0 }).unwrap();
    u.prepare(&pos, &mut rng).unwrap();
    let s = u.particles().unwrap().as_slice();
    assert!(s.iter().all(|v| (-5.0..5.0).contains(v)));
    let mean = s.iter().sum::<f64>() / s.len() as f64;
    assert!(mean.abs() < 0.2, "uniform mean {mean}"); // sd of the mean 2.89/√6000 = 0.037
    let mut g = PersistentChain::new(
        3,
        2000,
        1.0,
        FreshStart::Normal {
            mean: 1.0,
            std: 2.0,
        },
    )
    .unwrap();
    g.prepare(&pos, &mut rng).unwrap();
    let s = g.particles().unwrap().as_slice();
    let mean = s.iter().sum::<f64>() / s.len() as f64;
    let var = s.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / s.len() as f64;
    assert!(
        (mean - 1.0).abs() < 0.1 && (var - 4.0).abs() < 0.4,
        "{mean} {var}"
    );
    let mut c = PersistentChain::new(
        3,
        4,
        1.0,
        FreshStart::Custom(Box::new(|rng, _pos, out: &mut Particles<f64>| {
            let v = (rng.next_u32() % 7) as f64 + 100.0;
            out.as_mut_slice().iter_mut().for_each(|x| *x = v);
            Ok(())
        })),
    )
    .unwrap();
    c.prepare(&pos, &mut rng).unwrap();
    assert!(c
        .particles()
        .unwrap()
        .as_slice()
        .iter()
        .all(|&v| v >= 100.0));
}

#[test]
fn learns_a_gaussian_with_svgd_and_langevin_negatives() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let data = gaussian_data(&mut rng, 128);
    let chain = PersistentChain::new(
        2,
        32,
        0.05,
        FreshStart::Normal {
            mean: 0.0,
            std: 1.0,
        },
    )
    .unwrap();
    let mut cfg = config(60, 30);
    cfg.batch_size = 32;
    cfg.step_sizes = StepSchedule::Constant(0.1);
    let svgd = Svgd::builder(Rbf::fixed(0.3).unwrap()).build().unwrap();
    let mut cd =
        ContrastiveDivergence::new(cfg.clone(), svgd, chain, data.clone(), vec![(); 128]).unwrap();
    let mut model = Gauss::new(2, 0.05);
    let first = cd.train_epoch(&mut model, &mut rng, &mut ()).unwrap().0;
    let summary = cd.train(&mut model, &mut rng, &mut ()).unwrap();
    assert_eq!(summary.epochs, 59);
    assert!(
        (model.mu[0] - 2.0).abs() < 0.3 && (model.mu[1] + 1.0).abs() < 0.3,
        "{:?}",
        model.mu
    );
    let sd = (-model.a / 2.0).exp();
    assert!((0.3..0.8).contains(&sd), "learned sd {sd}");
    // The data's energy fell relative to the negatives' start.
    assert!(first.mean_loss.positive_energy > summary.last.unwrap().mean_loss.positive_energy);

    let chain = PersistentChain::new(
        2,
        32,
        0.05,
        FreshStart::Normal {
            mean: 0.0,
            std: 1.0,
        },
    )
    .unwrap();
    let ula = Langevin::new(0.05).unwrap();
    let mut cd = ContrastiveDivergence::new(cfg, ula, chain, data, vec![(); 128]).unwrap();
    let mut model = Gauss::new(2, 0.05);
    cd.train(&mut model, &mut rng, &mut ()).unwrap();
    let sd = (-model.a / 2.0).exp();
    assert!(
        (model.mu[0] - 2.0).abs() < 0.3 && (model.mu[1] + 1.0).abs() < 0.3,
        "{:?}",
        model.mu
    );
    assert!(
        (0.35..0.7).contains(&sd),
        "learned sd {sd} with Langevin negatives"
    );
}

#[test]
fn restored_state_resumes_bit_identically() {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let data = gaussian_data(&mut rng, 48);
    let make = || {
        let chain = PersistentChain::new(2, 16, 0.2, FreshStart::Positives).unwrap();
        let svgd = Svgd::builder(Rbf::fixed(0.4).unwrap()).build().unwrap();
        ContrastiveDivergence::new(config(6, 5), svgd, chain, data.clone(), vec![(); 48]).unwrap()
    };
    let mut full = make();
    let mut model = Gauss::new(2, 0.02);
    let mut rng_full = ChaCha8Rng::seed_from_u64(1);
    for _ in 0..3 {
        full.train_epoch(&mut model, &mut rng_full, &mut ())
            .unwrap();
    }
    let (state, saved_model, saved_rng) = (full.state(), model.clone(), rng_full.clone());
    assert_eq!(state.epoch, 3);
    full.train(&mut model, &mut rng_full, &mut ()).unwrap();

    let mut resumed = make();
    resumed.restore(state).unwrap();
    let (mut model2, mut rng2) = (saved_model, saved_rng);
    let s = resumed.train(&mut model2, &mut rng2, &mut ()).unwrap();
    assert_eq!(s.epochs, 3);
    assert_eq!(model2, model);
    assert_eq!(resumed.state(), full.state());
}

#[test]
fn observer_stops_training() {
    struct StopAt(usize);
    impl CdObserver<f64> for StopAt {
        fn batch(&mut self, info: &BatchInfo<f64>, _: &Particles<f64>) -> Control {
            if info.epoch == self.0 && info.batch == 1 {
                Control::Stop
            } else {
                Control::Continue
            }
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let data = gaussian_data(&mut rng, 64);
    let chain = PersistentChain::new(2, 16, 0.1, FreshStart::Positives).unwrap();
    let svgd = Svgd::builder(Rbf::fixed(0.4).unwrap()).build().unwrap();
    let mut cd =
        ContrastiveDivergence::new(config(10, 2), svgd, chain, data, vec![(); 64]).unwrap();
    let s = cd
        .train(&mut Gauss::new(2, 0.01), &mut rng, &mut StopAt(2))
        .unwrap();
    assert!(s.stopped);
    assert_eq!(s.epochs, 3);
    assert_eq!(s.last.unwrap().batches, 2);
}

#[test]
fn invalid_input_is_rejected() {
    let fresh = || FreshStart::<f64>::Positives;
    assert!(matches!(
        PersistentChain::new(2, 4, 1.5, fresh()),
        Err(Error::InvalidParameter {
            name: "reset probability",
            ..
        })
    ));
    assert!(PersistentChain::new(2, 0, 0.1, fresh()).is_err());
    assert!(PersistentChain::new(0, 4, 0.1, fresh()).is_err());
    assert!(
        PersistentChain::<f64>::new(2, 4, 0.1, FreshStart::Uniform { lo: 1.0, hi: 1.0 }).is_err()
    );
    assert!(PersistentChain::<f64>::new(
        2,
        4,
        0.1,
        FreshStart::Normal {
            mean: 0.0,
            std: 0.0
        }
    )
    .is_err());
    let mut chain = PersistentChain::new(2, 4, 0.1, fresh()).unwrap();
    assert!(chain.set_particles(Some(Particles::zeros(2, 3))).is_err());
    assert!(chain.set_particles(Some(Particles::zeros(3, 4))).is_err());

    let svgd = || Svgd::builder(Rbf::fixed(0.4).unwrap()).build().unwrap();
    let data = Particles::<f64>::zeros(2, 8);
    let chain = || PersistentChain::new(2, 4, 0.1, fresh()).unwrap();
    let mut bad = config(1, 1);
    bad.batch_size = 0;
    assert!(ContrastiveDivergence::new(bad, svgd(), chain(), data.clone(), vec![(); 8]).is_err());
    assert!(matches!(
        ContrastiveDivergence::new(config(1, 1), svgd(), chain(), data.clone(), vec![(); 7]),
        Err(Error::DimensionMismatch { .. })
    ));
    let chain3 = PersistentChain::new(3, 4, 0.1, fresh()).unwrap();
    assert!(
        ContrastiveDivergence::new(config(1, 1), svgd(), chain3, data.clone(), vec![(); 8])
            .is_err()
    );
    let mut nan = data.clone();
    nan.as_mut_slice()[5] = f64::NAN;
    assert!(matches!(
        ContrastiveDivergence::new(config(1, 1), svgd(), chain(), nan, vec![(); 8]),
        Err(Error::NonFinite {
            particle: 2,
            coordinate: 1,
            ..
        })
    ));
    // A model of the wrong dimension is an error, not a panic.
    let mut cd =
        ContrastiveDivergence::new(config(1, 1), svgd(), chain(), data, vec![(); 8]).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    assert!(cd
        .train(&mut Gauss::new(3, 0.1), &mut rng, &mut ())
        .is_err());
}

/// [`Gauss`], except that its energy is NaN where `x₀ > 4.5`: chains started uniformly on `[−5, 5)²` sometimes
/// begin in that region or walk into it.
#[derive(Clone, Debug)]
struct NanRegion(Gauss);

impl Energy<f64> for NanRegion {
    fn dim(&self) -> usize {
        self.0.dim()
    }
    fn energy(&self, x: &[f64]) -> Result<f64> {
        if x[0] > 4.5 {
            Ok(f64::NAN)
        } else {
            self.0.energy(x)
        }
    }
    fn energy_grad(&self, x: &[f64], g: &mut [f64]) -> Result<f64> {
        let e = self.0.energy_grad(x, g)?;
        Ok(if x[0] > 4.5 { f64::NAN } else { e })
    }
}

impl TrainableEnergy<f64> for NanRegion {
    type Label = ();
    fn cd_gradient(&mut self, b: &CdBatch<'_, f64, ()>) -> Result<CdLoss<f64>> {
        self.0.cd_gradient(b)
    }
    fn apply_gradient(&mut self, epoch: usize) -> Result<()> {
        self.0.apply_gradient(epoch)
    }
    fn check_parameters(&self) -> Result<()> {
        self.0.check_parameters()
    }
}

/// Counts the recoveries the driver reports and keeps their errors.
#[derive(Default)]
struct Recoveries(Vec<(usize, usize, Error)>);

impl CdObserver<f64> for Recoveries {
    fn recovered(&mut self, epoch: usize, batch: usize, error: &Error) {
        self.0.push((epoch, batch, error.clone()));
    }
}

/// A diverging chain is recoverable: the driver restarts it, trains nothing on that batch, counts it in
/// `EpochInfo::recoveries` and tells the observer, and training goes on. Provoked two ways: an energy that is
/// NaN in a region the chains reach, and a step size far too large (every chain overflows, every batch is
/// recovered, the model is untouched).
#[test]
fn a_diverging_chain_is_restarted_and_counted() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let data = gaussian_data(&mut rng, 64);
    let fresh = || FreshStart::Uniform { lo: -5.0, hi: 5.0 };
    // Half the batches start fresh; a fresh chain of 16 has a particle in the NaN region with probability
    // 1 − 0.95¹⁶ ≈ 0.56.
    let chain = PersistentChain::new(2, 16, 0.5, fresh()).unwrap();
    let svgd = Svgd::builder(Rbf::fixed(0.5).unwrap()).build().unwrap();
    let mut cd =
        ContrastiveDivergence::new(config(20, 5), svgd, chain, data.clone(), vec![(); 64]).unwrap();
    let mut model = NanRegion(Gauss::new(2, 0.01));
    let mut seen = Recoveries::default();
    let mut trained = 0;
    let mut recovered = 0;
    for _ in 0..20 {
        let (info, _) = cd.train_epoch(&mut model, &mut rng, &mut seen).unwrap();
        assert_eq!(info.batches + info.recoveries, 4, "{info:?}");
        trained += info.batches;
        recovered += info.recoveries;
    }
    assert!(
        recovered > 0 && trained > 0,
        "{recovered} recovered, {trained} trained"
    );
    assert_eq!(seen.0.len(), recovered);
    for (_, _, e) in &seen.0 {
        assert!(matches!(e, Error::Diverged { what: "energy", .. }), "{e:?}");
    }
    // The chain restarts fresh after a divergence: a reset is counted at every recovered batch's successor.
    assert!(
        cd.chain().counts().0 > recovered,
        "{:?}",
        cd.chain().counts()
    );

    let chain = PersistentChain::new(2, 16, 0.0, fresh()).unwrap();
    let svgd = Svgd::builder(Rbf::fixed(0.5).unwrap()).build().unwrap();
    let mut huge = config(2, 5);
    huge.step_sizes = StepSchedule::Constant(1e200);
    let mut cd = ContrastiveDivergence::new(huge, svgd, chain, data, vec![(); 64]).unwrap();
    let mut model = Gauss::new(2, 0.01);
    let before = model.clone();
    let mut seen = Recoveries::default();
    let summary = cd.train(&mut model, &mut rng, &mut seen).unwrap();
    assert_eq!(summary.epochs, 2);
    let last = summary.last.unwrap();
    assert_eq!((last.batches, last.recoveries), (0, 4));
    assert_eq!(seen.0.len(), 8);
    assert!(seen.0.iter().all(|(_, _, e)| e.is_divergence()));
    assert_eq!(model, before, "no batch trained");
}

/// Non-finite parameters are fatal: training stops with `TrainingDiverged`, naming the epoch, the batch and the
/// parameter, before any further step.
#[test]
fn non_finite_parameters_stop_training() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let data = gaussian_data(&mut rng, 64);
    let chain = PersistentChain::new(2, 16, 0.1, FreshStart::Positives).unwrap();
    let svgd = Svgd::builder(Rbf::fixed(0.5).unwrap()).build().unwrap();
    let mut cd = ContrastiveDivergence::new(config(3, 5), svgd, chain, data, vec![(); 64]).unwrap();
    let mut model = Gauss::new(2, f64::INFINITY);
    let e = cd.train(&mut model, &mut rng, &mut ()).unwrap_err();
    match &e {
        Error::TrainingDiverged {
            what: "parameters",
            epoch: 0,
            batch: 0,
            detail,
        } => assert!(detail.contains("mu[") || detail.contains("a ="), "{detail}"),
        other => panic!("expected TrainingDiverged, got {other:?}"),
    }
    assert!(e.to_string().contains("epoch 0, batch 0"), "{e}");
    assert_eq!(cd.epoch(), 0, "the failed epoch is not counted");
}
