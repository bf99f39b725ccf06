//! The Rust side of `benches/compare/run.sh egnn`: a long-lived timing process that the Python driver
//! (`benches/compare/egnn.py`) alternates with a PyTorch EGNN of the same architecture in one run.
//!
//! It builds the EGNN of the QM9 experiment once ([`Egnn`] with the paper's widths, 64 × 4 layers, on C5H8O:
//! 14 atoms, the atom features of [`features`]) with [`ScalarHead`] (`E = log(1 + o²)`) and Adam(1e-3), then
//! reads commands from standard input, one per line, and answers each with one JSON line on standard output:
//!
//! - `info`: the parameter count and rayon's thread count;
//! - `params`: every parameter (name, shape, values) and the outputs `o` of 4 fixed molecules, so the peer can
//!   load the same numbers and check that it computes the same function;
//! - `time CASE REPS`: runs `CASE` `REPS` times, `{"case": CASE, "times_ms": [...]}` (one time per run);
//! - `quit`.
//!
//! Cases: `eg_32` (energies and `∇ₓ` of 32 molecules on the sampling path, [`Energy::energy_grad_batch`]: one
//! SVGD step's model cost with 16 negatives + 16 positives), `fwd_32` (energies only, [`Energy::energy_batch`]),
//! `train_32` (one CD step: 16 positives + 16 negatives, `cd_gradient` then `apply_gradient`, which includes Adam
//! and the refresh of the sampling path). Coordinates are uniform in [0, 4) (the qm9 experiment's fresh start),
//! ChaCha8 with fixed seeds. Threads: rayon's (`RAYON_NUM_THREADS`), which candle's CPU kernels also follow.
//!
//! `cargo run --release -p equistein-candle --example compare_egnn` (then type `time eg_32 5`)

use equistein::cd::{CdBatch, TrainableEnergy};
use equistein::{random, Energy, Particles};
use equistein_candle::{Adam, CandleEnergy, Egnn, EgnnConfig, ScalarHead, ATOM_FEATURES};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use std::io::{BufRead, Write};
use std::time::Instant;

type Model = CandleEnergy<f32, Egnn<f32>, ScalarHead>;

/// C5H8O in QM9's order of types: 5 C, 1 O, 8 H.
const TYPES: [usize; 14] = [1, 1, 1, 1, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0];

/// QM9's atom features: one-hot over H, C, N, O, F times `(Z / 9)^{0,1,2}`, type-major.
fn features() -> Vec<[f32; ATOM_FEATURES]> {
    let charges = [1.0f32, 6.0, 7.0, 8.0, 9.0];
    TYPES
        .iter()
        .map(|&t| {
            let mut f = [0.0f32; ATOM_FEATURES];
            for p in 0..3 {
                f[3 * t + p] = (charges[t] / 9.0).powi(p as i32);
            }
            f
        })
        .collect()
}

fn molecules(n: usize, seed: u64) -> Particles<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Particles::from_fn(3 * TYPES.len(), n, |_, _| {
        random::uniform(&mut rng, 0.0f32, 4.0)
    })
}

fn timed(reps: usize, mut f: impl FnMut()) -> Vec<f64> {
    (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect()
}

fn list<T: std::fmt::Display>(v: &[T]) -> String {
    let s: Vec<String> = v.iter().map(|x| format!("{x}")).collect();
    format!("[{}]", s.join(", "))
}

fn params_json(model: &Model) -> String {
    let mut items = Vec::new();
    for (name, var) in model.parameters() {
        let t = var.as_tensor();
        let shape: Vec<usize> = t.dims().to_vec();
        let values = t
            .flatten_all()
            .and_then(|f| f.to_vec1::<f32>())
            .expect("values");
        items.push(format!(
            "{{\"name\": \"{name}\", \"shape\": {}, \"values\": {}}}",
            list(&shape),
            list(&values)
        ));
    }
    let xs = molecules(4, 9);
    let o = model.outputs(&xs).expect("outputs");
    format!(
        "{{\"params\": [{}], \"x\": {}, \"o\": {}}}",
        items.join(", "),
        list(xs.as_slice()),
        list(&o)
    )
}

fn main() {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let net = Egnn::<f32>::new(EgnnConfig::default(), &features(), &mut rng).expect("EGNN");
    let count = net.parameter_count();
    let mut model: Model =
        CandleEnergy::new(net, ScalarHead::new(), Adam::new(1e-3)).expect("model");
    let x32 = molecules(32, 1);
    let (pos, neg) = (molecules(16, 2), molecules(16, 3));
    let labels = vec![None; 16];
    let d = x32.dim();
    let mut e = vec![0.0f32; 32];
    let mut g = Particles::zeros(d, 32);
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line.expect("stdin");
        let words: Vec<&str> = line.split_whitespace().collect();
        let reply = match words.as_slice() {
            ["info"] => format!(
                "{{\"parameters\": {count}, \"rayon_threads\": {}, \"atoms\": {}}}",
                rayon::current_num_threads(),
                TYPES.len()
            ),
            ["params"] => params_json(&model),
            ["time", case, reps] => {
                let reps: usize = reps.parse().expect("REPS");
                let times = match *case {
                    "eg_32" => timed(reps, || {
                        model
                            .energy_grad_batch(&x32, &mut e, &mut g)
                            .expect("energy_grad_batch")
                    }),
                    "fwd_32" => timed(reps, || {
                        model.energy_batch(&x32, &mut e).expect("energy_batch")
                    }),
                    "train_32" => timed(reps, || {
                        model
                            .cd_gradient(&CdBatch {
                                positives: &pos,
                                labels: &labels,
                                negatives: &neg,
                                epoch: 0,
                            })
                            .expect("cd_gradient");
                        model.apply_gradient(0).expect("apply_gradient");
                    }),
                    other => panic!("unknown case {other}"),
                };
                let tl: Vec<String> = times.iter().map(|t| format!("{t:.4}")).collect();
                format!(
                    "{{\"case\": \"{case}\", \"times_ms\": [{}]}}",
                    tl.join(", ")
                )
            }
            ["quit"] => break,
            _ => panic!("unknown command {line:?}"),
        };
        writeln!(stdout, "{reply}").expect("stdout");
        stdout.flush().expect("stdout");
    }
}
