//! The C4-steerable CNN and the plain CNN: exact invariance (and its absence), equivariance of the lifting and
//! group convolutions, the sampling path against `forward`, autograd and finite differences, training through
//! `CandleEnergy`, the checkpoint round trip.

use candle_core::{Device, Tensor};
use equistein::cd::{CdBatch, CdState, TrainableEnergy};
use equistein::{Energy, Particles};
use equistein_candle::checkpoint::{self, rng_state, Resume, RunIdentity};
use equistein_candle::{
    rotate_maps, Adam, CandleEnergy, ConvSpec, FastNet, Float, JemHead, Network, PlainCnn,
    SteerableCnn, PLAIN_WIDTHS, STEERABLE_WIDTHS,
};
use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

fn images<T: Float>(n: usize, d: usize, seed: u64) -> Vec<T> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n * d)
        .map(|_| equistein::random::uniform(&mut rng, T::zero(), T::one()))
        .collect()
}

fn logits<T: Float>(net: &dyn FastNet<T>, x: &[T], n: usize) -> Vec<T> {
    let mut out = vec![T::zero(); n * net.out_dim()];
    net.forward(x, n, &mut out).unwrap();
    out
}

/// The largest `|a − b|` over the largest `|a|`.
fn relative_error(a: &[f32], b: &[f32]) -> f32 {
    let scale = a.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-30);
    a.iter()
        .zip(b)
        .fold(0.0f32, |m, (u, v)| m.max((u - v).abs()))
        / scale
}

fn small(side: usize, widths: &[usize], pool_after: &[usize]) -> ConvSpec {
    ConvSpec {
        side,
        channels: 1,
        widths: widths.to_vec(),
        pool_after: pool_after.to_vec(),
        classes: 3,
    }
}

#[test]
fn parameter_counts_are_comparable() {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let s = SteerableCnn::<f32>::fashion_mnist(&mut rng).unwrap();
    let p = PlainCnn::<f32>::fashion_mnist(&mut rng).unwrap();
    assert_eq!(s.spec().widths, STEERABLE_WIDTHS);
    assert_eq!(p.spec().widths, PLAIN_WIDTHS);
    assert_eq!(s.parameter_count(), 145_730);
    assert_eq!(p.parameter_count(), 146_298);
    assert_eq!(s.spec().sides().unwrap(), [28, 28, 14, 14, 7, 7, 3, 3]);
}

/// The worst relative error of the logits of `rot^q x` against those of `x`, q = 1, 2, 3, on both paths.
fn invariance_error<N: Network<f32>>(net: &N, x: &[f32], n: usize, side: usize) -> (f32, f32) {
    let fast = net.detached().unwrap();
    let base = logits(fast.as_ref(), x, n);
    let d = net.in_dim();
    let forward = |x: &[f32]| -> Vec<f32> {
        let t = Tensor::from_slice(x, (n, d), &Device::Cpu).unwrap();
        net.forward(&t)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap()
    };
    let base_slow = forward(x);
    let (mut e_fast, mut e_slow) = (0.0f32, 0.0f32);
    for q in 1..4 {
        let xr = rotate_maps(x, side, q);
        e_fast = e_fast.max(relative_error(&base, &logits(fast.as_ref(), &xr, n)));
        e_slow = e_slow.max(relative_error(&base_slow, &forward(&xr)));
    }
    (e_fast, e_slow)
}

#[test]
fn fashion_steerable_logits_are_invariant_under_quarter_turns() {
    for seed in 0..2u64 {
        let net = SteerableCnn::<f32>::fashion_mnist(&mut ChaCha8Rng::seed_from_u64(seed)).unwrap();
        let x = images::<f32>(3, 784, 100 + seed);
        let (fast, slow) = invariance_error(&net, &x, 3, 28);
        println!("seed {seed}: relative invariance error fast {fast:e}, candle forward {slow:e}");
        assert!(
            fast < 1e-5 && slow < 1e-5,
            "fast {fast:e}, forward {slow:e}"
        );
    }
}

#[test]
fn fashion_plain_cnn_is_not_invariant() {
    let net = PlainCnn::<f32>::fashion_mnist(&mut ChaCha8Rng::seed_from_u64(3)).unwrap();
    let x = images::<f32>(3, 784, 4);
    let (fast, slow) = invariance_error(&net, &x, 3, 28);
    assert!(
        fast > 1e-3 && slow > 1e-3,
        "fast {fast:e}, forward {slow:e}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Random sides (even and odd, so both pooling windows occur), widths, weights and images.
    #[test]
    fn steerable_invariant_for_random_shapes(
        side in 3usize..12,
        w1 in 1usize..4,
        w2 in 1usize..4,
        pool in any::<bool>(),
        seed in 0u64..1000,
    ) {
        let spec = small(side, &[w1, w2, 2], if pool { &[1] } else { &[] });
        let net = SteerableCnn::<f32>::new(spec, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap();
        let x = images::<f32>(2, side * side, seed + 1);
        let (fast, slow) = invariance_error(&net, &x, 2, side);
        prop_assert!(fast < 1e-5 && slow < 1e-5, "fast {:e}, forward {:e}", fast, slow);
    }

    /// The same random shapes catch a plain CNN (a check that the invariance test can fail).
    #[test]
    fn plain_not_invariant_for_random_shapes(side in 4usize..12, seed in 0u64..1000) {
        let spec = small(side, &[4, 4], &[1]);
        let net = PlainCnn::<f32>::new(spec, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap();
        let x = images::<f32>(2, side * side, seed + 1);
        let (fast, slow) = invariance_error(&net, &x, 2, side);
        prop_assert!(fast > 1e-4 && slow > 1e-4, "fast {:e}, forward {:e}", fast, slow);
    }
}

/// Regular feature maps `(fields · 4) × side × side` acted on by a quarter turn: each map turned, the
/// orientation axis shifted by one: `(g·h)[(f, r)] = rot h[(f, r − 1)]`.
fn act_regular(h: &[f32], fields: usize, side: usize) -> Vec<f32> {
    let px = side * side;
    let turned = rotate_maps(h, side, 1);
    let mut out = vec![0.0; h.len()];
    for f in 0..fields {
        for r in 0..4 {
            let src = (f * 4 + (r + 3) % 4) * px;
            out[(f * 4 + r) * px..(f * 4 + r + 1) * px].copy_from_slice(&turned[src..src + px]);
        }
    }
    out
}

fn conv(x: &[f32], c: usize, side: usize, bank: &Tensor) -> Vec<f32> {
    Tensor::from_slice(x, (1, c, side, side), &Device::Cpu)
        .unwrap()
        .conv2d(bank, 1, 1, 1, 1)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap()
}

#[test]
fn lifting_and_group_convolutions_are_equivariant() {
    let side = 9;
    let spec = small(side, &[3, 2], &[]);
    let net = SteerableCnn::<f32>::new(spec, &mut ChaCha8Rng::seed_from_u64(5)).unwrap();
    let banks = net.expanded_banks().unwrap();
    assert_eq!(banks[0].0.dims(), [12, 1, 3, 3]);
    assert_eq!(banks[1].0.dims(), [8, 12, 3, 3]);
    // Lifting: conv(rot x) = g · conv(x).
    let x = images::<f32>(1, side * side, 6);
    let y = conv(&x, 1, side, &banks[0].0);
    let y_rot = conv(&rotate_maps(&x, side, 1), 1, side, &banks[0].0);
    let err = relative_error(&act_regular(&y, 3, side), &y_rot);
    assert!(err < 1e-6, "lifting {err:e}");
    // Group convolution: conv(g · h) = g · conv(h).
    let h = images::<f32>(12, side * side, 7);
    let z = conv(&h, 12, side, &banks[1].0);
    let z_act = conv(&act_regular(&h, 3, side), 12, side, &banks[1].0);
    let err = relative_error(&act_regular(&z, 2, side), &z_act);
    assert!(err < 1e-6, "group convolution {err:e}");
    // And the orientation shift matters: turning the maps alone is not equivariance.
    let z_turned = conv(&rotate_maps(&h, side, 1), 12, side, &banks[1].0);
    assert!(relative_error(&act_regular(&z, 2, side), &z_turned) > 1e-3);
}

fn check_fast_against_forward<N: Network<f32>>(net: &N, n: usize) {
    let d = net.in_dim();
    let x = images::<f32>(n, d, 11);
    let fast = logits(net.detached().unwrap().as_ref(), &x, n);
    let t = Tensor::from_slice(&x, (n, d), &Device::Cpu).unwrap();
    let slow: Vec<f32> = net
        .forward(&t)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap();
    let err = relative_error(&slow, &fast);
    assert!(err < 1e-5, "fast path against forward: {err:e}");
}

#[test]
fn fast_logits_equal_forward() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    check_fast_against_forward(&SteerableCnn::<f32>::fashion_mnist(&mut rng).unwrap(), 5);
    check_fast_against_forward(&PlainCnn::<f32>::fashion_mnist(&mut rng).unwrap(), 5);
}

/// `∇ₓ E` of the sampling path against candle's autograd through `forward` (f32, FashionMNIST shape).
fn check_autograd<N: Network<f32>>(net: N) {
    let model = CandleEnergy::new(net, JemHead::new(10), Adam::new(1e-3)).unwrap();
    let xs = Particles::from_rows(784, &images::<f32>(4, 784, 13)).unwrap();
    let mut e = vec![0.0; 4];
    let mut g = Particles::zeros(784, 4);
    model.energy_grad_batch(&xs, &mut e, &mut g).unwrap();
    let (ea, ga) = model.energy_grad_autograd(&xs).unwrap();
    assert!(relative_error(&ea, &e) < 1e-5);
    let err = relative_error(ga.as_slice(), g.as_slice());
    assert!(err < 1e-4, "input gradient against autograd: {err:e}");
}

#[test]
fn fast_gradient_matches_autograd() {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    check_autograd(SteerableCnn::<f32>::fashion_mnist(&mut rng).unwrap());
    check_autograd(PlainCnn::<f32>::fashion_mnist(&mut rng).unwrap());
}

/// Central finite differences of the energy (f64) against the sampling path's `∇ₓ`, every pixel.
fn check_fd<N: Network<f64>>(net: N, side: usize) {
    let d = side * side;
    let model = CandleEnergy::new(net, JemHead::new(3), Adam::new(1e-3)).unwrap();
    let xs = Particles::from_rows(d, &images::<f64>(2, d, 15)).unwrap();
    let mut e = vec![0.0; 2];
    let mut g = Particles::zeros(d, 2);
    model.energy_grad_batch(&xs, &mut e, &mut g).unwrap();
    let h = 1e-6;
    for (i, x) in xs.iter().enumerate() {
        for k in 0..d {
            let (mut p, mut m) = (x.to_vec(), x.to_vec());
            p[k] += h;
            m[k] -= h;
            let fd = (model.energy(&p).unwrap() - model.energy(&m).unwrap()) / (2.0 * h);
            let a = g.particle(i)[k];
            assert!(
                (fd - a).abs() < 1e-6 * (1.0 + a.abs()),
                "image {i} pixel {k}: analytic {a}, finite difference {fd}"
            );
        }
    }
}

#[test]
fn fast_gradient_matches_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    // Both pooling windows: 10 → 5 (2 × 2), 5 → 2 (3 × 3).
    let spec = small(10, &[2, 3, 2], &[1, 2]);
    check_fd(
        SteerableCnn::<f64>::new(spec.clone(), &mut rng).unwrap(),
        10,
    );
    check_fd(PlainCnn::<f64>::new(spec, &mut rng).unwrap(), 10);
}

/// A few Adam steps of the JEM loss on one small batch lower it.
fn check_training<N: Network<f32>>(net: N, side: usize, lr: f64) {
    let d = side * side;
    let mut model = CandleEnergy::new(net, JemHead::new(3), Adam::new(lr)).unwrap();
    let pos = Particles::from_rows(d, &images::<f32>(6, d, 17)).unwrap();
    let neg = Particles::from_rows(d, &images::<f32>(6, d, 18)).unwrap();
    let labels: Vec<Option<usize>> = (0..6).map(|i| Some(i % 3)).collect();
    let batch = CdBatch {
        positives: &pos,
        labels: &labels,
        negatives: &neg,
        epoch: 0,
    };
    let first = model.cd_gradient(&batch).unwrap().total;
    let mut last = first;
    for _ in 0..5 {
        model.apply_gradient(0).unwrap();
        last = model.cd_gradient(&batch).unwrap().total;
    }
    assert!(last < first, "loss {first} → {last}");
    // The sampling path was refreshed after every step: it agrees with autograd of the new parameters.
    let (ea, _) = model.energy_grad_autograd(&pos).unwrap();
    let mut e = vec![0.0; 6];
    model.energy_batch(&pos, &mut e).unwrap();
    assert!(relative_error(&ea, &e) < 1e-5);
}

#[test]
fn models_train_with_the_jem_head() {
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    let spec = small(8, &[2, 2, 2], &[1]);
    check_training(
        SteerableCnn::<f32>::new(spec.clone(), &mut rng).unwrap(),
        8,
        1e-2,
    );
    check_training(PlainCnn::<f32>::new(spec, &mut rng).unwrap(), 8, 1e-2);
}

#[test]
fn checkpoint_round_trip_keeps_parameter_names() {
    let spec = small(6, &[2, 2], &[1]);
    let make = |seed: u64| {
        let net =
            SteerableCnn::<f32>::new(spec.clone(), &mut ChaCha8Rng::seed_from_u64(seed)).unwrap();
        CandleEnergy::new(net, JemHead::new(3), Adam::new(1e-3)).unwrap()
    };
    let model = make(20);
    let names: Vec<String> = model.parameters().iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(
        names,
        [
            "conv0.weight",
            "conv0.bias",
            "conv1.weight",
            "conv1.bias",
            "fc.weight",
            "fc.bias"
        ]
    );
    let dir = std::env::temp_dir().join(format!("equistein-steerable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("steerable.safetensors");
    let id = RunIdentity::new("steerable", "side = 6");
    let resume = Resume {
        state: CdState {
            epoch: 1,
            chain: None,
        },
        rng: rng_state(&ChaCha8Rng::seed_from_u64(21)),
        identity: id.clone(),
        extra: Default::default(),
    };
    checkpoint::save(&path, &model, &resume).unwrap();
    let mut other = make(22);
    checkpoint::load(&path, &mut other, &id).unwrap();
    let x = Particles::from_rows(36, &images::<f32>(2, 36, 23)).unwrap();
    assert_eq!(model.outputs(&x).unwrap(), other.outputs(&x).unwrap());
    std::fs::remove_dir_all(&dir).ok();
}

/// The custom convolution op against candle's `conv2d`: values, `∂L/∂x` and `∂L/∂w` of `L = Σ r ⊙ conv(x, w)`.
#[test]
fn custom_convolution_matches_candle_conv2d() {
    use candle_core::Var;
    use equistein_candle::conv::conv3x3;
    for (b, c, o, s) in [(3, 2, 5, 7), (2, 4, 3, 6), (1, 1, 2, 3)] {
        let dev = Device::Cpu;
        let x = Var::from_vec(images::<f64>(1, b * c * s * s, 30), (b, c, s, s), &dev).unwrap();
        let w = Var::from_vec(images::<f64>(1, o * c * 9, 31), (o, c, 3, 3), &dev).unwrap();
        let r = Tensor::from_vec(images::<f64>(1, b * o * s * s, 32), (b, o, s, s), &dev).unwrap();
        let run = |ours: bool| -> (Vec<f64>, Vec<f64>, Vec<f64>) {
            let y = if ours {
                conv3x3(x.as_tensor(), w.as_tensor()).unwrap()
            } else {
                x.as_tensor().conv2d(w.as_tensor(), 1, 1, 1, 1).unwrap()
            };
            let grads = (&y * &r).unwrap().sum_all().unwrap().backward().unwrap();
            let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f64>().unwrap();
            (
                flat(&y),
                flat(grads.get(x.as_tensor()).unwrap()),
                flat(grads.get(w.as_tensor()).unwrap()),
            )
        };
        let (a, b2) = (run(true), run(false));
        for (u, v) in [(&a.0, &b2.0), (&a.1, &b2.1), (&a.2, &b2.2)] {
            let err = u
                .iter()
                .zip(v)
                .fold(0.0f64, |m, (p, q)| m.max((p - q).abs()));
            assert!(err < 1e-10, "shape {b} {c} {o} {s}: {err:e}");
        }
    }
}

/// The fused convolution + bias + ReLU op against candle's ops: values and all three gradients.
#[test]
fn fused_convolution_relu_matches_candle() {
    use candle_core::Var;
    use equistein_candle::conv::conv3x3_relu;
    let (b, c, o, s) = (2, 3, 4, 5);
    let dev = Device::Cpu;
    let centred = |n: usize, seed: u64| -> Vec<f64> {
        images::<f64>(1, n, seed).iter().map(|v| v - 0.5).collect()
    };
    let x = Var::from_vec(centred(b * c * s * s, 40), (b, c, s, s), &dev).unwrap();
    let w = Var::from_vec(centred(o * c * 9, 41), (o, c, 3, 3), &dev).unwrap();
    let bias = Var::from_vec(centred(o, 42), o, &dev).unwrap();
    let r = Tensor::from_vec(centred(b * o * s * s, 43), (b, o, s, s), &dev).unwrap();
    let run = |ours: bool| -> Vec<Vec<f64>> {
        let y = if ours {
            conv3x3_relu(x.as_tensor(), w.as_tensor(), bias.as_tensor()).unwrap()
        } else {
            x.as_tensor()
                .conv2d(w.as_tensor(), 1, 1, 1, 1)
                .unwrap()
                .broadcast_add(&bias.as_tensor().reshape((1, o, 1, 1)).unwrap())
                .unwrap()
                .relu()
                .unwrap()
        };
        let grads = (&y * &r).unwrap().sum_all().unwrap().backward().unwrap();
        let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let mut out = vec![flat(&y)];
        for v in [&x, &w, &bias] {
            out.push(flat(grads.get(v.as_tensor()).unwrap()));
        }
        out
    };
    let (ours, theirs) = (run(true), run(false));
    assert!(ours[0].contains(&0.0) && ours[0].iter().any(|&v| v > 0.0));
    for (u, v) in ours.iter().zip(&theirs) {
        let err = u
            .iter()
            .zip(v)
            .fold(0.0f64, |m, (p, q)| m.max((p - q).abs()));
        assert!(err < 1e-10, "{err:e}");
    }
}
