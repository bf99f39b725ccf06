//! The adapter's input gradients (hand-written vs autograd vs finite differences) and the wrappers' invariance.

use equistein::group::{CyclicRotation, So2, WedgeMap};
use equistein::{Energy, Group, Particles};
use equistein_candle::{
    Adam, AutogradNet, CandleEnergy, CanonicalInput, FastNet, GroupAverage, JemHead, Mlp,
    NormInput, ScalarHead,
};
use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

fn mlp<T: equistein_candle::Float>(sizes: &[usize], seed: u64) -> Mlp<T> {
    Mlp::new(sizes, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap()
}

fn points(d: usize, n: usize, seed: u64, scale: f64) -> Particles<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Particles::from_fn(d, n, |_, _| {
        scale * equistein::random::standard_normal::<f64, _>(&mut rng)
    })
}

/// Central finite differences of the energy against the adapter's ∇ₓ, coordinate by coordinate.
fn check_fd<E: Energy<f64>>(e: &E, xs: &Particles<f64>, tol: f64) {
    let mut energies = vec![0.0; xs.len()];
    let mut grads = Particles::zeros(xs.dim(), xs.len());
    e.energy_grad_batch(xs, &mut energies, &mut grads).unwrap();
    let h = 1e-5;
    for (i, x) in xs.iter().enumerate() {
        assert!((e.energy(x).unwrap() - energies[i]).abs() < 1e-10);
        for k in 0..xs.dim() {
            let mut p = x.to_vec();
            let mut m = x.to_vec();
            p[k] += h;
            m[k] -= h;
            let fd = (e.energy(&p).unwrap() - e.energy(&m).unwrap()) / (2.0 * h);
            let g = grads.particle(i)[k];
            assert!(
                (fd - g).abs() < tol * (1.0 + g.abs()),
                "particle {i} coordinate {k}: analytic {g}, finite difference {fd}"
            );
        }
    }
}

#[test]
fn gradients_match_finite_differences() {
    let xs = points(2, 24, 1, 3.0);
    let jem = CandleEnergy::new(
        mlp::<f64>(&[2, 32, 64, 32, 2], 2),
        JemHead::new(2),
        Adam::new(1e-3),
    )
    .unwrap();
    check_fd(&jem, &xs, 1e-6);
    let scalar = CandleEnergy::new(
        mlp::<f64>(&[2, 16, 16, 1], 3),
        ScalarHead::new(),
        Adam::new(1e-3),
    )
    .unwrap();
    check_fd(&scalar, &xs, 1e-6);
    let c4 = CyclicRotation::new(4).unwrap();
    let avg = GroupAverage::new(mlp::<f64>(&[2, 16, 16, 2], 4), &c4).unwrap();
    check_fd(
        &CandleEnergy::new(avg, JemHead::new(2), Adam::new(1e-3)).unwrap(),
        &xs,
        1e-6,
    );
    let norm = NormInput::new(mlp::<f64>(&[1, 16, 16, 1], 5), 2).unwrap();
    check_fd(
        &CandleEnergy::new(norm, ScalarHead::new(), Adam::new(1e-3)).unwrap(),
        &xs,
        1e-6,
    );
    let canon = CanonicalInput::new(mlp::<f64>(&[2, 16, 2], 6), WedgeMap::new(c4)).unwrap();
    check_fd(
        &CandleEnergy::new(canon, JemHead::new(2), Adam::new(1e-3)).unwrap(),
        &xs,
        1e-6,
    );
}

/// The hand-written sampling path against candle's autograd through the training path.
fn compare_paths<N, H>(model: &CandleEnergy<f64, N, H>, xs: &Particles<f64>)
where
    N: equistein_candle::Network<f64>,
    H: equistein_candle::Head<f64>,
{
    let mut e = vec![0.0; xs.len()];
    let mut g = Particles::zeros(xs.dim(), xs.len());
    model.energy_grad_batch(xs, &mut e, &mut g).unwrap();
    let (ea, ga) = model.energy_grad_autograd(xs).unwrap();
    for i in 0..xs.len() {
        assert!(
            (e[i] - ea[i]).abs() < 1e-10 * (1.0 + ea[i].abs()),
            "energy {i}"
        );
        for k in 0..xs.dim() {
            let (a, b) = (g.particle(i)[k], ga.particle(i)[k]);
            assert!(
                (a - b).abs() < 1e-10 * (1.0 + b.abs()),
                "grad {i},{k}: {a} vs {b}"
            );
        }
    }
}

#[test]
fn hand_written_input_gradient_matches_autograd() {
    let xs = points(2, 40, 7, 5.0);
    let c4 = CyclicRotation::new(4).unwrap();
    compare_paths(
        &CandleEnergy::new(
            mlp::<f64>(&[2, 32, 64, 64, 64, 32, 2], 8),
            JemHead::new(2),
            Adam::new(1e-3),
        )
        .unwrap(),
        &xs,
    );
    compare_paths(
        &CandleEnergy::new(
            GroupAverage::new(mlp::<f64>(&[2, 32, 64, 64, 64, 32, 2], 9), &c4).unwrap(),
            JemHead::new(2),
            Adam::new(1e-3),
        )
        .unwrap(),
        &xs,
    );
    for head in [ScalarHead::new(), ScalarHead::linear()] {
        compare_paths(
            &CandleEnergy::new(
                NormInput::new(mlp::<f64>(&[1, 32, 32, 1], 10), 2).unwrap(),
                head,
                Adam::new(1e-3),
            )
            .unwrap(),
            &xs,
        );
    }
    // The generic autograd fast path agrees with the hand-written one on the raw outputs' VJP.
    let net = mlp::<f64>(&[2, 8, 8, 3], 11);
    let dense = net.dense().unwrap();
    let auto = AutogradNet::new(net);
    let n = xs.len();
    let upstream: Vec<f64> = (0..3 * n).map(|i| ((i * 7) % 5) as f64 - 2.0).collect();
    let mut g1 = vec![0.0; 2 * n];
    let mut g2 = vec![0.0; 2 * n];
    let mut o1 = vec![0.0; 3 * n];
    let mut o2 = vec![0.0; 3 * n];
    dense
        .forward_backward(
            xs.as_slice(),
            n,
            &mut |o: &[f64], g: &mut [f64]| {
                o1.copy_from_slice(o);
                g.copy_from_slice(&upstream);
                Ok(())
            },
            &mut g1,
        )
        .unwrap();
    auto.forward_backward(
        xs.as_slice(),
        n,
        &mut |o: &[f64], g: &mut [f64]| {
            o2.copy_from_slice(o);
            g.copy_from_slice(&upstream);
            Ok(())
        },
        &mut g2,
    )
    .unwrap();
    for (a, b) in o1.iter().zip(&o2).chain(g1.iter().zip(&g2)) {
        assert!((a - b).abs() < 1e-10 * (1.0 + b.abs()), "{a} vs {b}");
    }
}

#[test]
fn f32_models_agree_with_f64() {
    let xs64 = points(2, 16, 12, 3.0);
    let xs32 = Particles::from_rows(
        2,
        &xs64
            .as_slice()
            .iter()
            .map(|&v| v as f32)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let m64 = CandleEnergy::new(
        mlp::<f64>(&[2, 32, 32, 2], 13),
        JemHead::new(2),
        Adam::new(1e-3),
    )
    .unwrap();
    let m32 = CandleEnergy::new(
        mlp::<f32>(&[2, 32, 32, 2], 13),
        JemHead::new(2),
        Adam::new(1e-3),
    )
    .unwrap();
    let mut e64 = vec![0.0; 16];
    let mut g64 = Particles::zeros(2, 16);
    let mut e32 = vec![0.0f32; 16];
    let mut g32 = Particles::zeros(2, 16);
    m64.energy_grad_batch(&xs64, &mut e64, &mut g64).unwrap();
    m32.energy_grad_batch(&xs32, &mut e32, &mut g32).unwrap();
    for i in 0..16 {
        // Same seed, parameters rounded to f32: agreement to f32 precision.
        assert!((e64[i] - e32[i] as f64).abs() < 1e-4 * (1.0 + e64[i].abs()));
        for k in 0..2 {
            let (a, b) = (g64.particle(i)[k], g32.particle(i)[k] as f64);
            assert!((a - b).abs() < 1e-4 * (1.0 + a.abs()), "{a} vs {b}");
        }
    }
}

#[test]
fn jem_head_pieces() {
    let model =
        CandleEnergy::new(mlp::<f64>(&[2, 8, 3], 14), JemHead::new(3), Adam::new(1e-3)).unwrap();
    let xs = points(2, 5, 15, 1.0);
    let logits = model.outputs(&xs).unwrap();
    let mut e = vec![0.0; 5];
    model.energy_batch(&xs, &mut e).unwrap();
    for (i, row) in logits.chunks(3).enumerate() {
        let lp = JemHead::log_probabilities(row);
        let total: f64 = lp.iter().map(|v| v.exp()).sum();
        assert!((total - 1.0).abs() < 1e-12);
        // E(x) = −logsumexp f, E(x | y) = −f_y, and log p(y|x) = −E(x|y) + E(x).
        for (y, &lpy) in lp.iter().enumerate() {
            let ey = JemHead::conditional_energy(row, y).unwrap();
            assert!((lpy - (-ey + e[i])).abs() < 1e-12);
        }
    }
    assert!(JemHead::conditional_energy(&logits[..3], 3).is_none());
}

#[test]
fn invalid_configurations_are_errors() {
    assert!(Mlp::<f32>::new(&[2], &mut ChaCha8Rng::seed_from_u64(0)).is_err());
    assert!(Mlp::<f32>::new(&[2, 0, 1], &mut ChaCha8Rng::seed_from_u64(0)).is_err());
    assert!(
        CandleEnergy::new(mlp::<f32>(&[2, 4, 3], 0), JemHead::new(2), Adam::new(1e-3)).is_err()
    );
    assert!(CandleEnergy::new(
        mlp::<f32>(&[2, 4, 1], 0),
        ScalarHead::new(),
        Adam::new(-1.0)
    )
    .is_err());
    assert!(NormInput::new(mlp::<f32>(&[2, 4, 1], 0), 2).is_err());
    let c4 = CyclicRotation::new(4).unwrap();
    assert!(GroupAverage::new(mlp::<f64>(&[3, 4, 1], 0), &c4).is_err());
    let model = CandleEnergy::new(
        mlp::<f64>(&[2, 4, 1], 0),
        ScalarHead::new(),
        Adam::new(1e-3),
    )
    .unwrap();
    assert!(model.energy(&[1.0, 2.0, 3.0]).is_err());
    let mut g = [0.0; 3];
    assert!(model.energy_grad(&[1.0, 2.0], &mut g).is_err());
    assert!(model.with_energy_penalty(-1.0).is_err());
}

type InvariantModels = (
    CandleEnergy<f64, GroupAverage<Mlp<f64>>, JemHead>,
    CandleEnergy<f64, CanonicalInput<Mlp<f64>, WedgeMap>, JemHead>,
    CandleEnergy<f64, NormInput<Mlp<f64>>, ScalarHead>,
);

fn c4_models() -> InvariantModels {
    let c4 = CyclicRotation::new(4).unwrap();
    (
        CandleEnergy::new(
            GroupAverage::new(mlp(&[2, 16, 16, 2], 20), &c4).unwrap(),
            JemHead::new(2),
            Adam::new(1e-3),
        )
        .unwrap(),
        CandleEnergy::new(
            CanonicalInput::new(mlp(&[2, 16, 16, 2], 21), WedgeMap::new(c4)).unwrap(),
            JemHead::new(2),
            Adam::new(1e-3),
        )
        .unwrap(),
        CandleEnergy::new(
            NormInput::new(mlp(&[1, 16, 16, 1], 22), 2).unwrap(),
            ScalarHead::new(),
            Adam::new(1e-3),
        )
        .unwrap(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn wrappers_are_invariant(x0 in -8.0f64..8.0, x1 in -8.0f64..8.0, k in 0usize..4, angle in 0.0f64..std::f64::consts::TAU) {
        let (avg, canon, norm) = c4_models();
        let c4 = CyclicRotation::new(4).unwrap();
        let g = k;
        let x = [x0, x1];
        let mut gx = [0.0; 2];
        c4.act(&g, &x, &mut gx);
        for e in [&avg as &dyn Energy<f64>, &canon as &dyn Energy<f64>] {
            let (a, b) = (e.energy(&x).unwrap(), e.energy(&gx).unwrap());
            prop_assert!((a - b).abs() < 1e-9 * (1.0 + a.abs()), "{a} vs {b}");
            // The score is equivariant: ∇E(g x) = R_g ∇E(x).
            let (mut ga, mut gb, mut rga) = ([0.0; 2], [0.0; 2], [0.0; 2]);
            e.energy_grad(&x, &mut ga).unwrap();
            e.energy_grad(&gx, &mut gb).unwrap();
            c4.act(&g, &ga, &mut rga);
            for kk in 0..2 {
                prop_assert!((rga[kk] - gb[kk]).abs() < 1e-7 * (1.0 + gb[kk].abs()));
            }
        }
        let so2 = So2::new();
        let r: f64 = angle;
        let mut rx = [0.0; 2];
        so2.act(&r, &x, &mut rx);
        let (a, b) = (norm.energy(&x).unwrap(), norm.energy(&rx).unwrap());
        prop_assert!((a - b).abs() < 1e-9 * (1.0 + a.abs()), "{a} vs {b}");
    }
}

/// `E(x | y) = −f_y(x)`: its value is minus the logit, its gradient matches finite differences, the joint energy
/// is `−logsumexp_y f_y = −log Σ_y exp(−E(x | y))`, and an output index out of range is an error.
#[test]
fn class_conditional_energies() {
    let xs = points(2, 16, 7, 3.0);
    let jem = CandleEnergy::new(
        mlp::<f64>(&[2, 32, 32, 3], 8),
        JemHead::new(3),
        Adam::new(1e-3),
    )
    .unwrap();
    let logits = jem.outputs(&xs).unwrap();
    let conditionals: Vec<_> = (0..3).map(|y| jem.output_energy(y).unwrap()).collect();
    for (y, e) in conditionals.iter().enumerate() {
        check_fd(e, &xs, 1e-6);
        for (i, x) in xs.iter().enumerate() {
            assert!((e.energy(x).unwrap() + logits[i * 3 + y]).abs() < 1e-12);
        }
    }
    for x in xs.iter() {
        let lse = conditionals
            .iter()
            .map(|e| (-e.energy(x).unwrap()).exp())
            .sum::<f64>()
            .ln();
        assert!((jem.energy(x).unwrap() + lse).abs() < 1e-9);
    }
    assert!(jem.output_energy(3).is_err());
}
