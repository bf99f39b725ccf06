//! The EGNN energy: invariance under rotations, reflections, translations and permutations of same-type atoms;
//! the hand-written sampling path against candle's forward pass, candle's autograd and finite differences, in
//! f32 and f64; training through the crate's trainer.

use equistein::cd::{CdConfig, ContrastiveDivergence, FreshStart, PersistentChain};
use equistein::kernel::Rbf;
use equistein::{random, Energy, Particles, RunLimits, StepSchedule, Svgd};
use equistein_candle::train::Trainer;
use equistein_candle::{
    Adam, CandleEnergy, Egnn, EgnnConfig, FastNet, Float, Network, ScalarHead, ATOM_FEATURES,
};
use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

/// Atom types of the test molecule (indices into H, C, N, O, F): two carbons, an oxygen, three hydrogens,
/// a nitrogen.
const TYPES: [usize; 7] = [1, 1, 3, 0, 0, 0, 2];
const CHARGES: [f64; 5] = [1.0, 6.0, 7.0, 8.0, 9.0];

/// QM9's features: one-hot over the five types times `(Z / 9)^{0,1,2}`, type-major.
fn features(types: &[usize]) -> Vec<[f64; ATOM_FEATURES]> {
    types
        .iter()
        .map(|&t| {
            let mut f = [0.0; ATOM_FEATURES];
            for p in 0..3 {
                f[3 * t + p] = (CHARGES[t] / 9.0).powi(p as i32);
            }
            f
        })
        .collect()
}

fn small() -> EgnnConfig {
    EgnnConfig {
        hidden: 16,
        layers: 3,
    }
}

/// Networks to check: the paper's widths and a small one at PyTorch's start (where `o` hardly depends on the
/// geometry: `|∇ₓo| ~ 10⁻⁴`), and the paper's widths with every weight scaled by 3 (a strongly non-linear
/// network, `|∇ₓo| ~ 1`).
fn networks<T: Float>(seed: u64) -> Vec<(&'static str, Egnn<T>)> {
    let sharp = egnn::<T>(EgnnConfig::default(), seed + 100);
    for (name, v) in sharp.parameters() {
        if name.ends_with("weight") {
            v.set(&v.as_tensor().affine(3.0, 0.0).unwrap()).unwrap();
        }
    }
    vec![
        ("paper", egnn::<T>(EgnnConfig::default(), seed)),
        ("small", egnn::<T>(small(), seed + 200)),
        ("paper, weights × 3", sharp),
    ]
}

fn egnn<T: Float>(config: EgnnConfig, seed: u64) -> Egnn<T> {
    Egnn::new(
        config,
        &features(&TYPES),
        &mut ChaCha8Rng::seed_from_u64(seed),
    )
    .unwrap()
}

/// `count` molecules of `n` atoms, coordinates uniform in `[−1.5, 1.5)` (typical distances of a molecule).
fn molecules<T: Float>(n: usize, count: usize, seed: u64) -> Vec<T> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..3 * n * count)
        .map(|_| T::c(random::uniform(&mut rng, -1.5f64, 1.5)))
        .collect()
}

fn outputs<T: Float>(net: &dyn FastNet<T>, x: &[T]) -> Vec<T> {
    let b = x.len() / net.in_dim();
    let mut out = vec![T::zero(); b];
    net.forward(x, b, &mut out).unwrap();
    out
}

/// `∇ₓ o` of every row on the sampling path.
fn output_grads<T: Float>(net: &dyn FastNet<T>, x: &[T]) -> Vec<T> {
    let b = x.len() / net.in_dim();
    let mut g = vec![T::zero(); x.len()];
    net.forward_backward(
        x,
        b,
        &mut |_o: &[T], go: &mut [T]| {
            go.iter_mut().for_each(|v| *v = T::one());
            Ok(())
        },
        &mut g,
    )
    .unwrap();
    g
}

/// The outputs through candle's graph of tensor ops (independent of the hand-written kernels).
fn candle_outputs<T: Float>(net: &Egnn<T>, x: &[T]) -> Vec<T> {
    let b = x.len() / net.in_dim();
    let t =
        candle_core::Tensor::from_slice(x, (b, net.in_dim()), &candle_core::Device::Cpu).unwrap();
    net.forward_graph(&t)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<T>()
        .unwrap()
}

/// The largest `|a − b| / max(1, |a|)`.
fn worst<T: Float>(a: &[T], b: &[T]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(&u, &v)| {
            let (u, v) = (u.to_f64_lossy(), v.to_f64_lossy());
            (u - v).abs() / u.abs().max(1.0)
        })
        .fold(0.0, f64::max)
}

/// A random orthogonal 3 × 3 matrix (Gram–Schmidt of normal vectors), a reflection if `reflect`.
fn orthogonal(rng: &mut ChaCha8Rng, reflect: bool) -> [[f64; 3]; 3] {
    let mut q = [[0.0f64; 3]; 3];
    for r in 0..3 {
        let mut v: [f64; 3] = core::array::from_fn(|_| random::standard_normal(rng));
        for qp in &q[..r] {
            let d: f64 = (0..3).map(|k| v[k] * qp[k]).sum();
            (0..3).for_each(|k| v[k] -= d * qp[k]);
        }
        let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        q[r] = v.map(|a| a / norm);
    }
    let det = q[0][0] * (q[1][1] * q[2][2] - q[1][2] * q[2][1])
        - q[0][1] * (q[1][0] * q[2][2] - q[1][2] * q[2][0])
        + q[0][2] * (q[1][0] * q[2][1] - q[1][1] * q[2][0]);
    if (det < 0.0) != reflect {
        q[2] = q[2].map(|a| -a);
    }
    q
}

fn apply(q: &[[f64; 3]; 3], t: [f64; 3], x: &[f64; 3]) -> [f64; 3] {
    core::array::from_fn(|r| (0..3).map(|k| q[r][k] * x[k]).sum::<f64>() + t[r])
}

/// The largest relative change of `o` and the largest change of `∇ₓo` (relative to its largest component) when
/// every molecule of `x` is moved by `y = P(Qx + t)`.
fn invariance_error<T: Float>(
    net: &dyn FastNet<T>,
    x: &[f64],
    q: &[[f64; 3]; 3],
    t: [f64; 3],
    perm: &[usize],
) -> (f64, f64) {
    let n = perm.len();
    let count = x.len() / (3 * n);
    let mut y = vec![0.0f64; x.len()];
    for m in 0..count {
        for i in 0..n {
            let xi: [f64; 3] = core::array::from_fn(|a| x[3 * (m * n + i) + a]);
            let moved = apply(q, t, &xi);
            for a in 0..3 {
                y[3 * (m * n + perm[i]) + a] = moved[a];
            }
        }
    }
    let xt: Vec<T> = x.iter().map(|&v| T::c(v)).collect();
    let yt: Vec<T> = y.iter().map(|&v| T::c(v)).collect();
    let (ox, oy) = (outputs(net, &xt), outputs(net, &yt));
    let rel = ox.iter().zip(&oy).fold(0.0f64, |m, (&a, &b)| {
        m.max(((a - b) / a).to_f64_lossy().abs())
    });
    // ∇o(y), permuted back, equals Q ∇o(x).
    let (gx, gy) = (output_grads(net, &xt), output_grads(net, &yt));
    let mut scale = 0.0f64;
    let mut dev = 0.0f64;
    for m in 0..count {
        for i in 0..n {
            let gi: [f64; 3] = core::array::from_fn(|a| gx[3 * (m * n + i) + a].to_f64_lossy());
            let r = apply(q, [0.0; 3], &gi);
            for a in 0..3 {
                let back = gy[3 * (m * n + perm[i]) + a].to_f64_lossy();
                dev = dev.max((r[a] - back).abs());
                scale = scale.max(gi[a].abs());
            }
        }
    }
    (rel, dev / scale)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// `o(P(Qx + t)) = o(x)` (Q orthogonal, with or without reflection, t up to 10 Å, P a permutation of
    /// same-type atoms) and `∇o(P(Qx + t)) = P Q ∇o(x)`: in f32 to 1e-5 relative (`o`) and 1e-4 of the largest
    /// gradient component, for the networks at PyTorch's start; in f64 to 1e-10 for all of [`networks`],
    /// including the one with weights × 3, which depends strongly on the geometry (there f32's rounding alone
    /// moves `o` by up to ~10⁻⁴ relative, as it would any f32 network of that size).
    #[test]
    fn invariant_under_euclidean_moves_and_same_type_permutations(
        seed in any::<u64>(),
        reflect in any::<bool>(),
        permute in any::<bool>(),
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let x: Vec<f64> = molecules::<f64>(TYPES.len(), 4, seed ^ 0x5eed);
        let q = orthogonal(&mut rng, reflect);
        let t: [f64; 3] = core::array::from_fn(|_| random::uniform(&mut rng, -10.0, 10.0));
        // Swap the carbons (0, 1) and cycle the hydrogens (3, 4, 5).
        let perm: [usize; 7] = if permute { [1, 0, 2, 4, 5, 3, 6] } else { [0, 1, 2, 3, 4, 5, 6] };
        for (label, net) in networks::<f32>(5).into_iter().take(2) {
            let (ro, rg) = invariance_error(net.detached().unwrap().as_ref(), &x, &q, t, &perm);
            prop_assert!(ro <= 1e-5 && rg <= 1e-4, "f32 {}: o {:e}, ∇o {:e}", label, ro, rg);
        }
        for (label, net) in networks::<f64>(5) {
            let (ro, rg) = invariance_error(net.detached().unwrap().as_ref(), &x, &q, t, &perm);
            prop_assert!(ro <= 1e-10 && rg <= 1e-10, "f64 {}: o {:e}, ∇o {:e}", label, ro, rg);
        }
    }
}

fn fast_equals_forward<T: Float>(tol: f64) {
    for (label, net) in networks::<T>(1) {
        let fast = net.detached().unwrap();
        // Batches of 1, 2, 3 and 5: whole and partial chunks.
        for b in [1, 2, 3, 5] {
            let x = molecules::<T>(TYPES.len(), b, 10 + b as u64);
            let dev = worst(&candle_outputs(&net, &x), &outputs(fast.as_ref(), &x));
            assert!(dev <= tol, "{label}, batch {b}: {dev:e}");
        }
    }
}

#[test]
fn fast_path_equals_candle_forward_f32() {
    fast_equals_forward::<f32>(2e-5);
}

#[test]
fn fast_path_equals_candle_forward_f64() {
    fast_equals_forward::<f64>(1e-12);
}

/// `E = log(1 + o²)` and `∇ₓE` through the adapter: the sampling path against candle's autograd of `forward`.
fn grad_matches_autograd<T: Float>(tol: f64) {
    for (seed, (label, net)) in networks::<T>(3).into_iter().enumerate() {
        let model = CandleEnergy::new(net, ScalarHead::new(), Adam::new(1e-3)).unwrap();
        let d = model.dim();
        let xs =
            Particles::from_rows(d, &molecules::<T>(TYPES.len(), 5, 20 + seed as u64)).unwrap();
        let mut e = vec![T::zero(); xs.len()];
        let mut g = Particles::zeros(d, xs.len());
        model.energy_grad_batch(&xs, &mut e, &mut g).unwrap();
        let (ea, ga) = model.energy_grad_autograd(&xs).unwrap();
        let de = worst(&ea, &e);
        let scale = ga
            .as_slice()
            .iter()
            .fold(0.0f64, |a, &v| a.max(v.to_f64_lossy().abs()))
            .max(1e-30);
        let dg = ga
            .as_slice()
            .iter()
            .zip(g.as_slice())
            .fold(0.0f64, |a, (&u, &v)| a.max((u - v).to_f64_lossy().abs()))
            / scale;
        eprintln!("{label}: energies {de:e}, gradients {dg:e} of {scale:e}");
        assert!(
            de <= tol && dg <= tol,
            "{label}: energies {de:e}, gradients {dg:e}"
        );
        assert!(scale > 1e-6, "a vanishing gradient tests nothing");
    }
}

#[test]
fn grad_matches_autograd_f32() {
    grad_matches_autograd::<f32>(1e-4);
}

#[test]
fn grad_matches_autograd_f64() {
    grad_matches_autograd::<f64>(1e-11);
}

/// `∇ₓ o` of the sampling path against central differences of `o` (f64, step 10⁻⁵).
#[test]
fn grad_matches_finite_differences_f64() {
    for (seed, (label, net)) in networks::<f64>(5).into_iter().enumerate() {
        let net = net.detached().unwrap();
        let x = molecules::<f64>(TYPES.len(), 3, 30 + seed as u64);
        let g = output_grads(net.as_ref(), &x);
        let eps = 1e-5;
        let mut dev = 0.0f64;
        let mut scale = 0.0f64;
        for k in 0..x.len() {
            let (mut xp, mut xm) = (x.clone(), x.clone());
            xp[k] += eps;
            xm[k] -= eps;
            let m = k / net.in_dim();
            let fd = (outputs(net.as_ref(), &xp)[m] - outputs(net.as_ref(), &xm)[m]) / (2.0 * eps);
            dev = dev.max((fd - g[k]).abs());
            scale = scale.max(g[k].abs());
        }
        eprintln!("{label}: {dev:e} of {scale:e}");
        assert!(scale > 1e-6, "a vanishing gradient tests nothing");
        assert!(dev <= 1e-6 * scale, "{label}: {dev:e} of {scale:e}");
    }
}

/// The input gradient of a molecule does not depend on the other molecules of its batch, nor on its place in
/// it (chunks, rayon).
#[test]
fn batch_rows_are_independent() {
    let fast = egnn::<f32>(EgnnConfig::default(), 7).detached().unwrap();
    let d = fast.in_dim();
    let x = molecules::<f32>(TYPES.len(), 9, 40);
    let (o, g) = (outputs(fast.as_ref(), &x), output_grads(fast.as_ref(), &x));
    for m in [0, 4, 8] {
        let row = &x[m * d..(m + 1) * d];
        assert_eq!(outputs(fast.as_ref(), row)[0], o[m]);
        assert_eq!(
            output_grads(fast.as_ref(), row),
            g[m * d..(m + 1) * d].to_vec()
        );
    }
}

#[test]
fn shape_parameters_and_errors() {
    let net = egnn::<f32>(EgnnConfig::default(), 0);
    assert_eq!((net.in_dim(), net.out_dim(), net.n_atoms()), (21, 1, 7));
    // PyTorch's count for the same layers: 15·64+64 + 4·(129·64+64 + 64·64+64 + 64+1 + 128·64+64 + 64·64+64)
    // + 2·(64·64+64) + (64·64+64) + (64+1).
    assert_eq!(net.parameter_count(), 113_413);
    let names: Vec<String> = net.parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names[0], "embedding.weight");
    assert!(names.contains(&"gcl3.att_mlp.0.bias".to_string()));
    assert_eq!(names.last().unwrap(), "graph_dec.2.bias");
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let one = features(&[1]);
    assert!(Egnn::<f32>::new(EgnnConfig::default(), &one, &mut rng).is_err());
    let bad = EgnnConfig {
        hidden: 0,
        layers: 4,
    };
    assert!(Egnn::<f32>::new(bad, &features(&TYPES), &mut rng).is_err());
    assert!(Egnn::<f32>::from_flat(EgnnConfig::default(), 2, 3, &[0.0; 5], &mut rng).is_err());
    assert!(
        Egnn::<f32>::from_flat(EgnnConfig::default(), 2, 1, &[0.0, f64::NAN], &mut rng).is_err()
    );
    // The same seed gives the same parameters.
    let again = egnn::<f32>(EgnnConfig::default(), 0);
    let x = molecules::<f32>(7, 2, 1);
    assert_eq!(
        outputs(net.detached().unwrap().as_ref(), &x),
        outputs(again.detached().unwrap().as_ref(), &x)
    );
    let fast = net.detached().unwrap();
    let mut out = [0.0f32; 2];
    assert!(fast.forward(&x[..20], 1, &mut out[..1]).is_err());
}

/// A few epochs of contrastive divergence through the crate's trainer (SVGD negatives from U[0, 4)³ per atom,
/// positives as repulsive particles): the positives' energy falls below the negatives'.
#[test]
fn trains_with_the_crate_trainer() {
    let n = TYPES.len();
    let template = molecules::<f32>(n, 1, 50);
    let mut rng = ChaCha8Rng::seed_from_u64(51);
    let data = Particles::from_fn(3 * n, 32, |_, k| {
        template[k] + 0.05 * random::standard_normal::<f32, _>(&mut rng)
    });
    let labels = vec![None; 32];
    let net = egnn::<f32>(small(), 52);
    let model = CandleEnergy::new(net, ScalarHead::new(), Adam::new(5e-3)).unwrap();
    let config = CdConfig {
        epochs: 6,
        batch_size: 16,
        sampler_limits: RunLimits::steps(10),
        step_sizes: StepSchedule::Constant(0.05),
        positives_repel: true,
    };
    let svgd = Svgd::builder(Rbf::fixed(1.0f32).unwrap()).build().unwrap();
    let chain =
        PersistentChain::new(3 * n, 16, 0.2, FreshStart::Uniform { lo: 0.0, hi: 4.0 }).unwrap();
    let cd = ContrastiveDivergence::new(config, svgd, chain, data.clone(), labels).unwrap();
    let noise = {
        let mut r = ChaCha8Rng::seed_from_u64(53);
        Particles::from_fn(3 * n, 32, |_, _| random::uniform(&mut r, 0.0f32, 4.0))
    };
    let gap = |m: &CandleEnergy<f32, Egnn<f32>, ScalarHead>| {
        let (mut ep, mut en) = (vec![0.0f32; 32], vec![0.0f32; 32]);
        m.energy_batch(&data, &mut ep).unwrap();
        m.energy_batch(&noise, &mut en).unwrap();
        en.iter().sum::<f32>() / 32.0 - ep.iter().sum::<f32>() / 32.0
    };
    let before = gap(&model);
    let mut trainer = Trainer::new(model, cd, ChaCha8Rng::seed_from_u64(54));
    let outcome = trainer.run(()).unwrap();
    assert_eq!(outcome.counters.epochs, 6);
    let after = gap(trainer.model());
    assert!(
        after > before && after > 0.0,
        "E(noise) − E(data): {before} → {after}"
    );
}

/// The fused training op of `forward` (the sampling path's kernels with a hand-written backward pass for x and
/// every parameter) against candle's autograd through the graph of tensor ops (`forward_graph`): outputs,
/// `∂L/∂x` and `∂L/∂θ` of every parameter for `L = Σ_b c_b log(1 + o_b²)`.
fn fused_op_matches_graph<T: Float>(tol: f64) {
    use candle_core::{Device, Tensor, Var};
    for (seed, (label, net)) in networks::<T>(60).into_iter().enumerate() {
        let b = 5;
        let x = molecules::<T>(TYPES.len(), b, 61 + seed as u64);
        let coef: Vec<T> = (0..b).map(|i| T::c(0.5 + i as f64 * 0.3)).collect();
        let run = |graph: bool| {
            let xv = Var::from_slice(&x, (b, net.in_dim()), &Device::Cpu).unwrap();
            let o = if graph {
                net.forward_graph(xv.as_tensor()).unwrap()
            } else {
                net.forward(xv.as_tensor()).unwrap()
            };
            let c = Tensor::from_slice(&coef, (b, 1), &Device::Cpu).unwrap();
            let loss = o.sqr().unwrap().affine(1.0, 1.0).unwrap().log().unwrap();
            let grads = (loss * c).unwrap().sum_all().unwrap().backward().unwrap();
            let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<T>().unwrap();
            let mut out = vec![flat(&o), flat(grads.get(xv.as_tensor()).unwrap())];
            for (_, v) in net.parameters() {
                out.push(flat(
                    grads
                        .get(v.as_tensor())
                        .expect("a gradient for every parameter"),
                ));
            }
            out
        };
        let (fused, graph) = (run(false), run(true));
        let names: Vec<String> = net.parameters().into_iter().map(|(n, _)| n).collect();
        for (k, (a, g)) in fused.iter().zip(&graph).enumerate() {
            let what = match k {
                0 => "o".to_string(),
                1 => "x".to_string(),
                _ => names[k - 2].clone(),
            };
            let scale = g.iter().fold(0.0f64, |m, &v| m.max(v.to_f64_lossy().abs()));
            let dev = a
                .iter()
                .zip(g)
                .fold(0.0f64, |m, (&u, &v)| m.max((u - v).to_f64_lossy().abs()));
            assert!(
                dev <= tol * scale.max(1e-8),
                "{label}: {what}: {dev:e} of {scale:e}"
            );
        }
    }
}

#[test]
fn fused_training_op_matches_candle_graph_f64() {
    fused_op_matches_graph::<f64>(1e-11);
}

#[test]
fn fused_training_op_matches_candle_graph_f32() {
    fused_op_matches_graph::<f32>(2e-3);
}

/// A run stopped after its first checkpoint and resumed in fresh objects ends where the uninterrupted run ends,
/// bit for bit (the fused training op and the sampling path are deterministic whatever rayon's split).
#[test]
fn checkpoint_resume_is_bit_identical() {
    use equistein_candle::checkpoint::RunIdentity;
    use equistein_candle::train::{SafetensorsFile, StopAfterCheckpoints};
    let n = TYPES.len();
    let template = molecules::<f32>(n, 1, 70);
    let mut rng = ChaCha8Rng::seed_from_u64(71);
    let data = Particles::from_fn(3 * n, 16, |_, k| {
        template[k] + 0.05 * random::standard_normal::<f32, _>(&mut rng)
    });
    let trainer = |epochs: usize| {
        let model = CandleEnergy::new(egnn::<f32>(small(), 72), ScalarHead::new(), Adam::new(5e-3))
            .unwrap();
        let config = CdConfig {
            epochs,
            batch_size: 8,
            sampler_limits: RunLimits::steps(5),
            step_sizes: StepSchedule::Constant(0.05),
            positives_repel: true,
        };
        let svgd = Svgd::builder(Rbf::fixed(1.0f32).unwrap()).build().unwrap();
        let chain =
            PersistentChain::new(3 * n, 8, 0.2, FreshStart::Uniform { lo: 0.0, hi: 4.0 }).unwrap();
        let cd =
            ContrastiveDivergence::new(config, svgd, chain, data.clone(), vec![None; 16]).unwrap();
        Trainer::new(model, cd, ChaCha8Rng::seed_from_u64(73))
            .with_identity(RunIdentity::new("egnn-test", "epochs = 4"))
    };
    let dir = std::env::temp_dir().join(format!("equistein-egnn-resume-{}", std::process::id()));
    let path = dir.join("run.safetensors");
    let mut whole = trainer(4);
    whole.run(()).unwrap();
    let mut first = trainer(4).with_checkpoints(SafetensorsFile::new(&path, 2));
    let stopped = first.run(StopAfterCheckpoints::new(1)).unwrap();
    assert!(stopped.stopped && stopped.counters.epochs == 2);
    let mut second = trainer(4).with_checkpoints(SafetensorsFile::new(&path, 2));
    second.resume(&path).unwrap();
    second.run(()).unwrap();
    assert_eq!(
        second.model().outputs(&data).unwrap(),
        whole.model().outputs(&data).unwrap()
    );
    std::fs::remove_dir_all(&dir).ok();
}
