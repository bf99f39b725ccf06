//! The laws of a [`Kernel`]: its batched Stein direction, and the equivariance of one SVGD direction.

use super::report::{dim, failed, Input, Law, LawResult, Worst};
use super::Tolerance;
use crate::energy::{scores, Energy};
use crate::group::Group;
use crate::kernel::{pointwise_stein_direction, Kernel, Repulsion, ScalarKernel, SteinInput};
use crate::particles::Particles;
use crate::real::Real;
use alloc::vec;

const FORMS: [Repulsion; 2] = [Repulsion::LiuWang, Repulsion::AuthorsCode];

/// Checks a scalar kernel's batched [`Kernel::stein_direction`] against the reference loop
/// [`pointwise_stein_direction`] for both repulsion forms ([`Law::BatchedDirection`], tolerance
/// [`Tolerance::exact`]), with driving weight `γ = 1`:
///
/// `φ(x_i) = (1/N) Σ_j [k(z_j, x_i) s_j + ∇_{z_j} k(z_j, x_i)]` (Liu–Wang) and
/// `φ(x_i) = (1/N) Σ_j [k(x_i, z_j) s_j − 2 ∇_{x_i} k(x_i, z_j)]` (authors' code),
///
/// targets `x_i`, sources `z_j` with scores `s_j`. Errors when the shapes disagree or there is no source.
///
/// ```
/// use equistein::kernel::Rbf;
/// use equistein::laws::{batched_direction, Tolerance};
/// use equistein::Particles;
/// let x = Particles::from_rows(2, &[0.0, 1.0, 2.0, -1.0, 0.5, 0.5]).unwrap();
/// let s = Particles::from_rows(2, &[1.0, 0.0, -0.5, 0.2, 0.1, 0.1]).unwrap();
/// batched_direction(&Rbf::fixed(1.0).unwrap(), &x, &x, &s, &Tolerance::default()).unwrap();
/// ```
pub fn batched_direction<T: Real, K: Kernel<T> + ScalarKernel<T>>(
    kernel: &K,
    targets: &Particles<T>,
    sources: &Particles<T>,
    scores: &Particles<T>,
    tol: &Tolerance,
) -> LawResult {
    let mut worst = Worst::new();
    for repulsion in FORMS {
        let law = Law::BatchedDirection(repulsion);
        let input = SteinInput {
            targets,
            sources,
            scores,
            repulsion,
            drive_weight: T::one(),
        };
        input.validate().map_err(failed(law))?;
        let mut fast = Particles::zeros(targets.dim(), targets.len());
        let mut reference = fast.clone();
        kernel
            .stein_direction(&input, &mut fast)
            .map_err(failed(law))?;
        pointwise_stein_direction(kernel, &input, &mut reference).map_err(failed(law))?;
        worst.equal(
            law,
            tol.exact,
            fast.as_slice(),
            reference.as_slice(),
            || {
                vec![
                    Input::new("targets", &targets.as_slice()),
                    Input::new("sources", &sources.as_slice()),
                    Input::new("scores", &scores.as_slice()),
                ]
            },
        );
    }
    worst.finish()
}

/// Checks that one SVGD direction is equivariant for both repulsion forms
/// ([`Law::DirectionEquivariance`], tolerance [`Tolerance::exact`]):
///
/// `φ_{g·X}(g·x_i) = dg·φ_X(x_i)` for every particle `x_i` of `X`,
///
/// where `φ_X` is the kernel's Stein direction with the particles `X` as targets and sources, their scores
/// `s_j = −∇E(x_j)` and `γ = 1` (what [`Svgd`](crate::Svgd) moves by), and `dg` is [`Group::act_vector`].
/// It holds for an invariant energy and a jointly invariant kernel (ESVGD.md §2), and for the matrix-valued
/// kernel. The report's coordinates run over the particles' coordinates in order. Errors when the energy or
/// the kernel fails, or the dimensions disagree.
///
/// ```
/// use equistein::group::CyclicRotation;
/// use equistein::kernel::{MatrixValued, Rbf};
/// use equistein::laws::{direction_equivariance, Tolerance};
/// use equistein::target::GaussianMixture;
/// use equistein::Particles;
/// let c4 = CyclicRotation::new(4).unwrap();
/// let target = GaussianMixture::c_n_symmetric(4, 3.0, 1.0, 0.2).unwrap();
/// let kernel = MatrixValued::new(c4, Rbf::fixed(1.0).unwrap());
/// let x = Particles::from_rows(2, &[0.0, 1.0, 2.0, -1.0, 0.5, 0.5]).unwrap();
/// direction_equivariance(&c4, &target, &kernel, &1, &x, &Tolerance::default()).unwrap();
/// ```
pub fn direction_equivariance<
    T: Real,
    G: Group<T>,
    E: Energy<T> + ?Sized,
    K: Kernel<T> + ?Sized,
>(
    group: &G,
    energy: &E,
    kernel: &K,
    g: &G::Element,
    particles: &Particles<T>,
    tol: &Tolerance,
) -> LawResult {
    let first = Law::DirectionEquivariance(Repulsion::LiuWang);
    let (d, n) = (particles.dim(), particles.len());
    dim(first, "particle dimension (group)", group.dim(), d)?;
    dim(first, "particle dimension (energy)", energy.dim(), d)?;
    let mut moved = Particles::zeros(d, n);
    for i in 0..n {
        group.act(g, particles.particle(i), moved.particle_mut(i));
    }
    let mut s = Particles::zeros(d, n);
    let mut s_moved = Particles::zeros(d, n);
    scores(energy, particles, &mut s).map_err(failed(first))?;
    scores(energy, &moved, &mut s_moved).map_err(failed(first))?;
    let mut worst = Worst::new();
    for repulsion in FORMS {
        let law = Law::DirectionEquivariance(repulsion);
        let direction = |x: &Particles<T>, s: &Particles<T>| {
            let input = SteinInput {
                targets: x,
                sources: x,
                scores: s,
                repulsion,
                drive_weight: T::one(),
            };
            input.validate()?;
            let mut out = Particles::zeros(d, n);
            kernel.stein_direction(&input, &mut out)?;
            Ok::<_, crate::Error>(out)
        };
        let phi = direction(particles, &s).map_err(failed(law))?;
        let phi_moved = direction(&moved, &s_moved).map_err(failed(law))?;
        let mut turned = Particles::zeros(d, n);
        for i in 0..n {
            group.act_vector(g, phi.particle(i), turned.particle_mut(i));
        }
        worst.equal(
            law,
            tol.exact,
            phi_moved.as_slice(),
            turned.as_slice(),
            || vec![Input::new("g", g), Input::new("X", &particles.as_slice())],
        );
    }
    worst.finish()
}
