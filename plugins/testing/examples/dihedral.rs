//! The dihedral group D_N added as a user would: a `Group` + `FiniteGroup` and an orbit map, checked with the
//! kit, then E-SVGD with the group-averaged and the matrix-valued kernel over D4 on the C4-Gaussians target,
//! beside the same kernels over C4 and plain SVGD. Run with
//! `cargo run -p equistein-testing --example dihedral --release`; docs/new-group.md walks through it.

use equistein::diagnostics::{ksd_imq, mean_log_prob, mmd_rbf, mode_fractions, mode_spread};
use equistein::group::{CyclicRotation, FiniteGroup, Group, OrbitMap, WedgeMap};
use equistein::kernel::{GroupAveraged, MatrixValued, Rbf};
use equistein::target::{ExactSample, GaussianMixture};
use equistein::{random, Kernel, Particles, RunLimits, Sampler, Svgd};
use equistein_testing::{
    energy_laws, finite_group_laws, invariant_kernel_laws, orbit_map_laws, svgd_laws, Config,
};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

// ------------------------------------------------------------------------------------------- the group

/// D_N: the N rotations of the plane by multiples of 2π/N and the N reflections. Element `(k, s)` is
/// `R_k S^s`: first the reflection `S(x₀, x₁) = (x₀, −x₁)` when `s`, then the rotation by 2πk/N.
#[derive(Debug, Clone, Copy)]
struct Dihedral {
    rotations: CyclicRotation,
}

impl Dihedral {
    fn new(n: usize) -> equistein::Result<Self> {
        Ok(Dihedral {
            rotations: CyclicRotation::new(n)?,
        })
    }
}

impl Group<f64> for Dihedral {
    type Element = (usize, bool);

    fn dim(&self) -> usize {
        2
    }
    fn identity(&self) -> (usize, bool) {
        (0, false)
    }
    /// `R_a S^s · R_b S^t = R_{a ± b} S^{s ⊕ t}`: a reflection turns the rotation after it backwards.
    fn compose(&self, &(a, s): &(usize, bool), &(b, t): &(usize, bool)) -> (usize, bool) {
        let n = self.rotations.n();
        let b = if s { (n - b % n) % n } else { b % n };
        ((a + b) % n, s ^ t)
    }
    /// Reflections are their own inverses; rotations turn back.
    fn inverse(&self, &(k, s): &(usize, bool)) -> (usize, bool) {
        let n = self.rotations.n();
        if s {
            (k % n, true)
        } else {
            ((n - k % n) % n, false)
        }
    }
    fn act(&self, &(k, s): &(usize, bool), x: &[f64], out: &mut [f64]) {
        let y = [x[0], if s { -x[1] } else { x[1] }];
        self.rotations.act(&k, &y, out);
    }
    fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> (usize, bool) {
        let k = random::index(rng, self.rotations.n());
        (k, rng.next_u32() & 1 == 1)
    }
}

impl FiniteGroup<f64> for Dihedral {
    fn elements(&self) -> Vec<(usize, bool)> {
        let n = self.rotations.n();
        (0..n)
            .map(|k| (k, false))
            .chain((0..n).map(|k| (k, true)))
            .collect()
    }
}

/// The orbit map of D_N: turn `x` into the C_N wedge of angles `(−π/N, π/N]`, then fold the wedge in half,
/// `P(x) = (y₀, |y₁|)` with `y = R_{−k(x)} x`.
#[derive(Debug, Clone, Copy)]
struct FoldedWedge {
    wedge: WedgeMap,
    rotations: CyclicRotation,
}

impl OrbitMap<f64> for FoldedWedge {
    fn input_dim(&self) -> usize {
        2
    }
    fn output_dim(&self) -> usize {
        2
    }
    fn map(&self, x: &[f64], out: &mut [f64]) {
        self.wedge.map(x, out);
        out[1] = out[1].abs();
    }
    /// `J_P(x)ᵀv = R_k (v₀, sign(y₁) v₁)`.
    fn vjp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        let mut y = [0.0; 2];
        self.wedge.map(x, &mut y);
        let folded = [v[0], if y[1] < 0.0 { -v[1] } else { v[1] }];
        let k = self.wedge.sector(x);
        self.rotations.act(&k, &folded, out);
    }
}

// ------------------------------------------------------------------------------------------- the runs

/// The statistics of one particle set (as `equistein run c4-gaussians` reports them).
struct Stats {
    mean_log_prob: f64,
    ksd: f64,
    mmd: f64,
    fractions: Vec<f64>,
    radial_ratio: f64,
    tangential_ratio: f64,
}

struct Reference {
    target: GaussianMixture<f64>,
    modes: Vec<Vec<f64>>,
    true_radial: f64,
    true_tangential: f64,
}

fn stats(r: &Reference, p: &Particles<f64>, rng: &mut ChaCha8Rng) -> equistein::Result<Stats> {
    let spread = mode_spread(p, &r.modes)?;
    let exact = r.target.sample_exact(rng, 1_000);
    Ok(Stats {
        mean_log_prob: mean_log_prob(&r.target, p)?,
        ksd: ksd_imq(&r.target, p)?,
        mmd: mmd_rbf(p, &exact, None)?,
        fractions: mode_fractions(p, &r.modes),
        radial_ratio: spread.radial / r.true_radial,
        tangential_ratio: spread.tangential / r.true_tangential,
    })
}

fn run<K: Kernel<f64>>(
    kernel: K,
    r: &Reference,
    initial: &Particles<f64>,
    steps: usize,
    seed: u64,
) -> equistein::Result<Stats> {
    let mut svgd = Svgd::builder(kernel).step_size(0.02).build()?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = initial.clone();
    svgd.run(
        &r.target,
        &mut x,
        &mut rng,
        RunLimits::steps(steps),
        &mut (),
    )?;
    stats(r, &x, &mut rng)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let d4 = Dihedral::new(4)?;
    let c4 = CyclicRotation::new(4)?;
    // The C4-Gaussians target of the paper: 4 modes at radius 3 on the axes, variance 1 along the radius and
    // 0.2 across. Each mode is symmetric about its own axis, so the density is D4-invariant too.
    let target = GaussianMixture::c_n_symmetric(4, 3.0, 1.0, 0.2)?;

    // 1. The kit: the group, its orbit map, the target, the kernels over D4. A broken law panics here with
    //    the report of the simplest failing case.
    let laws = Config::default().with_seed(4);
    let folded = FoldedWedge {
        wedge: WedgeMap::new(c4),
        rotations: c4,
    };
    finite_group_laws!(d4, laws);
    orbit_map_laws!(folded, d4, laws);
    energy_laws!(target, d4, laws);
    let averaged = GroupAveraged::new(d4, Rbf::fixed(0.2)?);
    let matrix = MatrixValued::new(d4, Rbf::fixed(0.2)?);
    invariant_kernel_laws!(averaged, d4, laws);
    svgd_laws!(averaged, target, d4, laws);
    svgd_laws!(matrix, target, d4, laws);
    println!("D4: every law holds ({} cases each)\n", laws.cases);

    // 2. E-SVGD from the same initial particles as `equistein run c4-gaussians --preset default`:
    //    50 particles from N(0, 2² I), 25 000 steps of size 0.02, RBF bandwidth 0.2.
    let steps = 25_000;
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let initial = Particles::from_fn(2, 50, |_, _| {
        2.0 * random::standard_normal::<f64, _>(&mut rng)
    });
    let modes = target.means();
    let big = target.sample_exact(&mut rng, 100_000);
    let truth = mode_spread(&big, &modes)?;
    let true_mean_log_prob = mean_log_prob(&target, &big)?;
    let reference = Reference {
        target: target.clone(),
        modes,
        true_radial: truth.radial,
        true_tangential: truth.tangential,
    };
    let h = Rbf::fixed(0.2)?;
    let exact = target.sample_exact(&mut rng, 50);
    let rows: Vec<(&str, Stats)> = vec![
        ("exact sample (50)", stats(&reference, &exact, &mut rng)?),
        ("SVGD (RBF)", run(h, &reference, &initial, steps, 1)?),
        (
            "E-SVGD averaged C4",
            run(GroupAveraged::new(c4, h), &reference, &initial, steps, 2)?,
        ),
        (
            "E-SVGD averaged D4",
            run(GroupAveraged::new(d4, h), &reference, &initial, steps, 3)?,
        ),
        (
            "E-SVGD matrix C4",
            run(MatrixValued::new(c4, h), &reference, &initial, steps, 4)?,
        ),
        (
            "E-SVGD matrix D4",
            run(MatrixValued::new(d4, h), &reference, &initial, steps, 5)?,
        ),
    ];
    println!(
        "{:<20} {:>10} {:>8} {:>8} {:>24} {:>8} {:>8}",
        "sampler", "mean logπ", "KSD", "MMD", "mode fractions", "radial", "tangent"
    );
    for (name, s) in &rows {
        let f: Vec<String> = s.fractions.iter().map(|v| format!("{v:.2}")).collect();
        println!(
            "{:<20} {:>10.3} {:>8.3} {:>8.3} {:>24} {:>8.2} {:>8.2}",
            name,
            s.mean_log_prob,
            s.ksd,
            s.mmd,
            f.join(" "),
            s.radial_ratio,
            s.tangential_ratio
        );
    }
    println!(
        "\nradial / tangent: spread about the nearest mode over the true spread ({:.3}, {:.3}); 1 is right.",
        reference.true_radial, reference.true_tangential
    );
    println!("mean log π of 100 000 exact samples: {true_mean_log_prob:.3}");
    Ok(())
}
