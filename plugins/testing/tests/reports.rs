//! The kit catches what is wrong: a group with a bad composition, a bad differential, a list of elements
//! that repeats or misses one, a non-invariant orbit map and a wrong vjp, non-invariant kernels and a wrong
//! gradient, a non-invariant energy, a wrong batched direction, a non-equivariant SVGD direction. Each test
//! checks which law the report names.

use equistein::group::{CyclicRotation, FiniteGroup, Group, OrbitMap, So2};
use equistein::kernel::{pointwise_stein_direction, Rbf, SteinInput};
use equistein::laws::{Law, LawError};
use equistein::target::GaussianMixture;
use equistein::{EnergyFn, Kernel, Particles, Repulsion, ScalarKernel};
use equistein_testing::*;
use rand_chacha::rand_core::RngCore;

fn quick() -> Config {
    Config::default().with_cases(32)
}

fn law_of(result: Result<(), Failure>) -> Law {
    match result {
        Ok(()) => panic!("the kit passed a wrong implementation"),
        Err(f) => {
            let report = f.report().expect("a law report").clone();
            // Every report names the inputs and both sides.
            if let LawError::Violated(v) = &report {
                assert!(!v.left.is_empty() && v.error > v.allowed || v.law == Law::FiniteDistinct);
                assert!(f.to_string().contains(v.law.formula()), "{f}");
            }
            report.law()
        }
    }
}

/// C4 with one thing broken at a time (the bad composition `a∘b = −(a + b) mod 4` keeps `a⁻¹∘a = e`, so only
/// the composition law breaks).
#[derive(Debug, Clone, Copy)]
enum Broken {
    Compose,
    Differential,
    RepeatedElement,
    MissingElement,
}

#[derive(Debug, Clone, Copy)]
struct BadC4(Broken);

impl Group<f64> for BadC4 {
    type Element = usize;
    fn dim(&self) -> usize {
        2
    }
    fn identity(&self) -> usize {
        0
    }
    fn compose(&self, a: &usize, b: &usize) -> usize {
        match self.0 {
            Broken::Compose => 3 * (a + b) % 4,
            _ => (a + b) % 4,
        }
    }
    fn inverse(&self, a: &usize) -> usize {
        (4 - a) % 4
    }
    fn act(&self, g: &usize, x: &[f64], out: &mut [f64]) {
        CyclicRotation::new(4).unwrap().act(g, x, out)
    }
    fn act_vector(&self, g: &usize, v: &[f64], out: &mut [f64]) {
        self.act(g, v, out);
        if let Broken::Differential = self.0 {
            out[0] = -out[0];
        }
    }
    fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> usize {
        (rng.next_u32() % 4) as usize
    }
}

impl FiniteGroup<f64> for BadC4 {
    fn elements(&self) -> Vec<usize> {
        match self.0 {
            Broken::RepeatedElement => vec![0, 1, 2, 3, 1],
            Broken::MissingElement => vec![0, 1, 2],
            _ => vec![0, 1, 2, 3],
        }
    }
}

#[test]
fn a_bad_composition_is_reported() {
    assert_eq!(
        law_of(check_group_laws(&BadC4(Broken::Compose), &quick())),
        Law::GroupComposition
    );
}

#[test]
fn a_bad_differential_is_reported() {
    assert_eq!(
        law_of(check_group_laws(&BadC4(Broken::Differential), &quick())),
        Law::GroupDifferential
    );
}

#[test]
fn a_list_that_repeats_or_misses_an_element_is_reported() {
    assert_eq!(
        law_of(check_finite_group_laws(
            &BadC4(Broken::RepeatedElement),
            &quick()
        )),
        Law::FiniteDistinct
    );
    // `order()` defaults to the list's length, so the missing element 3 shows as a product (1∘2) or an
    // inverse (1⁻¹) outside the list.
    assert!(matches!(
        law_of(check_finite_group_laws(
            &BadC4(Broken::MissingElement),
            &quick()
        )),
        Law::FiniteClosure | Law::FiniteInverseClosure
    ));
}

/// `P(x) = x₀` (not invariant), or `P(x) = ‖x‖` with a vjp off by a factor 2.
#[derive(Debug, Clone, Copy)]
struct BadMap {
    invariant: bool,
}

impl OrbitMap<f64> for BadMap {
    fn input_dim(&self) -> usize {
        2
    }
    fn output_dim(&self) -> usize {
        1
    }
    fn map(&self, x: &[f64], out: &mut [f64]) {
        out[0] = if self.invariant {
            x[0].hypot(x[1])
        } else {
            x[0]
        };
    }
    fn vjp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        if self.invariant {
            let r = x[0].hypot(x[1]);
            out[0] = 2.0 * v[0] * x[0] / r;
            out[1] = 2.0 * v[0] * x[1] / r;
        } else {
            out[0] = v[0];
            out[1] = 0.0;
        }
    }
}

#[test]
fn a_non_invariant_orbit_map_and_a_wrong_vjp_are_reported() {
    let so2 = So2::new();
    assert_eq!(
        law_of(check_orbit_map_laws(
            &BadMap { invariant: false },
            &so2,
            &quick()
        )),
        Law::OrbitInvariance
    );
    assert_eq!(
        law_of(check_orbit_map_laws(
            &BadMap { invariant: true },
            &so2,
            &quick()
        )),
        Law::OrbitVjp
    );
}

/// `k(x, y) = exp(−(x₀ − y₀)²)`, optionally with a gradient of the wrong sign, optionally with a batched
/// direction that forgets the repulsion.
#[derive(Debug, Clone, Copy)]
struct FirstCoordinate {
    wrong_gradient: bool,
    wrong_batch: bool,
}

impl ScalarKernel<f64> for FirstCoordinate {
    fn eval(&self, x: &[f64], y: &[f64]) -> f64 {
        (-(x[0] - y[0]).powi(2)).exp()
    }
    fn grad_first(&self, x: &[f64], y: &[f64], g: &mut [f64]) -> f64 {
        let k = self.eval(x, y);
        g.fill(0.0);
        g[0] = -2.0 * (x[0] - y[0]) * k;
        if self.wrong_gradient {
            g[0] = -g[0];
        }
        k
    }
}

impl Kernel<f64> for FirstCoordinate {
    fn stein_direction(
        &self,
        input: &SteinInput<'_, f64>,
        out: &mut Particles<f64>,
    ) -> equistein::Result<()> {
        pointwise_stein_direction(self, input, out)?;
        if self.wrong_batch && input.repulsion == Repulsion::AuthorsCode {
            out.as_mut_slice().iter_mut().for_each(|v| *v *= 1.5);
        }
        Ok(())
    }
}

const PLAIN: FirstCoordinate = FirstCoordinate {
    wrong_gradient: false,
    wrong_batch: false,
};

#[test]
fn a_non_invariant_kernel_is_reported() {
    let so2 = So2::new();
    assert_eq!(
        law_of(check_kernel_laws(&PLAIN, &so2, &quick())),
        Law::KernelJointInvariance
    );
    // Jointly invariant under rotations, but not separately: RBF is no invariant kernel.
    assert_eq!(
        law_of(check_invariant_kernel_laws(
            &Rbf::fixed(1.0).unwrap(),
            &so2,
            &quick()
        )),
        Law::KernelSeparateInvariance
    );
}

#[test]
fn a_wrong_gradient_and_a_wrong_batched_direction_are_reported() {
    // Translations along x₁ leave the kernel invariant, so only the broken law remains.
    let along = equistein::group::Translations::new(2).unwrap();
    let shifted = Shift(along);
    let bad_grad = FirstCoordinate {
        wrong_gradient: true,
        ..PLAIN
    };
    assert_eq!(
        law_of(check_kernel_laws(&bad_grad, &shifted, &quick())),
        Law::KernelGradient
    );
    let bad_batch = FirstCoordinate {
        wrong_batch: true,
        ..PLAIN
    };
    assert_eq!(
        law_of(check_kernel_laws(&bad_batch, &shifted, &quick())),
        Law::BatchedDirection(Repulsion::AuthorsCode)
    );
}

/// Translations of the plane along the second axis only.
#[derive(Debug, Clone, Copy)]
struct Shift(equistein::group::Translations);

impl Group<f64> for Shift {
    type Element = f64;
    fn dim(&self) -> usize {
        2
    }
    fn identity(&self) -> f64 {
        0.0
    }
    fn compose(&self, a: &f64, b: &f64) -> f64 {
        a + b
    }
    fn inverse(&self, a: &f64) -> f64 {
        -a
    }
    fn act(&self, t: &f64, x: &[f64], out: &mut [f64]) {
        out[0] = x[0];
        out[1] = x[1] + t;
    }
    fn act_vector(&self, _: &f64, v: &[f64], out: &mut [f64]) {
        out.copy_from_slice(v);
    }
    fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> f64 {
        let t: Vec<f64> = self.0.sample(rng);
        t[1]
    }
}

#[test]
fn a_non_invariant_energy_is_reported() {
    // E(x) = (x₀ − 1)²/2: not rotation invariant.
    let e = EnergyFn::new(
        2,
        |x: &[f64]| (x[0] - 1.0).powi(2) / 2.0,
        |x: &[f64], g: &mut [f64]| {
            g[0] = x[0] - 1.0;
            g[1] = 0.0;
            (x[0] - 1.0).powi(2) / 2.0
        },
    );
    // Both laws are broken; the report names the worse.
    assert!(matches!(
        law_of(check_energy_laws(&e, &So2::new(), &quick())),
        Law::EnergyInvariance | Law::ScoreEquivariance
    ));
}

#[test]
fn a_non_equivariant_svgd_direction_is_reported() {
    let c4 = CyclicRotation::new(4).unwrap();
    let target = GaussianMixture::c_n_symmetric(4, 3.0, 1.0, 0.2).unwrap();
    assert!(matches!(
        law_of(check_svgd_laws(&PLAIN, &target, &c4, &quick())),
        Law::DirectionEquivariance(_)
    ));
    // The same check passes for an invariant kernel.
    check_svgd_laws(&Rbf::fixed(1.0).unwrap(), &target, &c4, &quick()).unwrap();
}

#[test]
fn the_macros_panic_with_the_report() {
    let caught = std::panic::catch_unwind(|| group_laws!(BadC4(Broken::Compose), quick()));
    let message = caught.unwrap_err();
    let text = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(text.contains("(a∘b)·x = a·(b·x)"), "{text}");
    assert!(text.contains("minimal failing case"), "{text}");
}
