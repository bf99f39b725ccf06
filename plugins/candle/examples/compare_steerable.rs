//! The Rust side of `benches/compare/run.sh steerable`: a long-lived timing process that the Python driver
//! (`benches/compare/steerable.py`) alternates with PyTorch + e2cnn in one run.
//!
//! It builds the FashionMNIST networks once ([`SteerableCnn::fashion_mnist`], [`PlainCnn::fashion_mnist`], each
//! with the JEM head and Adam(1e-3), as `benches/steerable.rs`), then reads commands from standard input, one
//! per line, and answers each with one JSON line on standard output:
//!
//! - `info`: parameter counts and rayon's thread count;
//! - `time CASE REPS`: runs `CASE` `REPS` times, `{"case": CASE, "times_ms": [...]}` (one time per run);
//! - `invariance`: the steerable network's largest logit change under quarter turns of 64 random images;
//! - `quit`.
//!
//! Cases: `steerable_eg_128`, `steerable_eg_64`, `plain_eg_128`, `plain_eg_64` (energy `−logsumexp f(x)` and
//! `∇ₓ` on the sampling path, [`Energy::energy_grad_batch`]), `steerable_train_128`, `plain_train_128` (one JEM
//! step: 64 labelled positives + 64 negatives, `cd_gradient` then `apply_gradient`, which includes Adam and the
//! refresh of the sampling path). Images are uniform in [0, 1) (ChaCha8, fixed seeds). Threads: rayon's
//! (`RAYON_NUM_THREADS`), which candle's CPU kernels also follow.
//!
//! `cargo run --release -p equistein-candle --example compare_steerable` (then type `time steerable_eg_64 5`)

use equistein::cd::{CdBatch, TrainableEnergy};
use equistein::{random, Energy, Particles};
use equistein_candle::{rotate_maps, Adam, CandleEnergy, JemHead, Network, PlainCnn, SteerableCnn};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use std::io::{BufRead, Write};
use std::time::Instant;

type Model<N> = CandleEnergy<f32, N, JemHead>;

fn images(n: usize, seed: u64) -> Particles<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Particles::from_fn(784, n, |_, _| random::uniform(&mut rng, 0.0f32, 1.0))
}

fn model<N: Network<f32>>(net: N) -> Model<N> {
    CandleEnergy::new(net, JemHead::new(10), Adam::new(1e-3)).expect("model")
}

/// Inputs of one case, built once.
struct Data {
    x128: Particles<f32>,
    x64: Particles<f32>,
    pos: Particles<f32>,
    neg: Particles<f32>,
    labels: Vec<Option<usize>>,
}

fn energy_grad<N: Network<f32>>(m: &Model<N>, xs: &Particles<f32>, reps: usize) -> Vec<f64> {
    let mut e = vec![0.0f32; xs.len()];
    let mut g = Particles::zeros(784, xs.len());
    (0..reps)
        .map(|_| {
            let s = Instant::now();
            m.energy_grad_batch(xs, &mut e, &mut g)
                .expect("energy_grad_batch");
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect()
}

fn train_step<N: Network<f32>>(m: &mut Model<N>, d: &Data, reps: usize) -> Vec<f64> {
    (0..reps)
        .map(|_| {
            let s = Instant::now();
            m.cd_gradient(&CdBatch {
                positives: &d.pos,
                labels: &d.labels,
                negatives: &d.neg,
                epoch: 0,
            })
            .expect("cd_gradient");
            m.apply_gradient(0).expect("apply_gradient");
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect()
}

/// The largest `|f(rot^q x) − f(x)|` over 64 random images and q = 1, 2, 3, and the largest `|f(x)|`.
fn invariance<N: Network<f32>>(m: &Model<N>) -> (f64, f64) {
    let xs = images(64, 7);
    let base = m.outputs(&xs).expect("outputs");
    let scale = base.iter().fold(0.0f64, |a, &v| a.max(f64::from(v.abs())));
    let mut worst = 0.0f64;
    for q in 1..4 {
        let turned = Particles::from_rows(784, &rotate_maps(xs.as_slice(), 28, q)).expect("rows");
        let out = m.outputs(&turned).expect("outputs");
        for (a, b) in base.iter().zip(&out) {
            worst = worst.max(f64::from((a - b).abs()));
        }
    }
    (worst, scale)
}

fn main() {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let steerable_net = SteerableCnn::fashion_mnist(&mut rng).expect("steerable network");
    let plain_net = PlainCnn::fashion_mnist(&mut rng).expect("plain network");
    let (sp, pp) = (steerable_net.parameter_count(), plain_net.parameter_count());
    let mut steerable = model(steerable_net);
    let mut plain = model(plain_net);
    let data = Data {
        x128: images(128, 1),
        x64: images(64, 1),
        pos: images(64, 2),
        neg: images(64, 3),
        labels: (0..64).map(|i| Some(i % 10)).collect(),
    };
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line.expect("stdin");
        let words: Vec<&str> = line.split_whitespace().collect();
        let reply = match words.as_slice() {
            ["info"] => format!(
                "{{\"steerable_parameters\": {sp}, \"plain_parameters\": {pp}, \"rayon_threads\": {}}}",
                rayon::current_num_threads()
            ),
            ["invariance"] => {
                let (worst, scale) = invariance(&steerable);
                format!("{{\"max_abs_logit_change\": {worst:e}, \"max_abs_logit\": {scale:e}}}")
            }
            ["time", case, reps] => {
                let reps: usize = reps.parse().expect("REPS");
                let times = match *case {
                    "steerable_eg_128" => energy_grad(&steerable, &data.x128, reps),
                    "steerable_eg_64" => energy_grad(&steerable, &data.x64, reps),
                    "plain_eg_128" => energy_grad(&plain, &data.x128, reps),
                    "plain_eg_64" => energy_grad(&plain, &data.x64, reps),
                    "steerable_train_128" => train_step(&mut steerable, &data, reps),
                    "plain_train_128" => train_step(&mut plain, &data, reps),
                    other => panic!("unknown case {other}"),
                };
                let list: Vec<String> = times.iter().map(|t| format!("{t:.4}")).collect();
                format!(
                    "{{\"case\": \"{case}\", \"times_ms\": [{}]}}",
                    list.join(", ")
                )
            }
            ["quit"] => break,
            _ => panic!("unknown command {line:?}"),
        };
        writeln!(stdout, "{reply}").expect("stdout");
        stdout.flush().expect("stdout");
    }
}
