//! `ImageRotations` satisfies the core's group laws, and the core's `GroupAveraged` kernel over it is separately
//! invariant under quarter turns: E-SVGD in image space.

use equistein::kernel::{GroupAveraged, Imq, Kernel, Rbf, Repulsion, ScalarKernel, SteinInput};
use equistein::{FiniteGroup, Group, OrbitMap, Particles};
use equistein_vision::{rotate, CanonicalRotation, Error, ImageRotations, Images};
use proptest::prelude::*;
use rand_chacha::{rand_core::SeedableRng, ChaCha8Rng};

fn act(g: &ImageRotations, q: usize, x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    g.act(&q, x, &mut out);
    out
}

/// A group on `c × k × k` images and an image for it.
fn group_and_image() -> impl Strategy<Value = (ImageRotations, Vec<f64>)> {
    (1usize..7, 1usize..4).prop_flat_map(|(k, c)| {
        (
            Just(ImageRotations::new(k, c).unwrap()),
            prop::collection::vec(-2.0f64..2.0, k * k * c),
        )
    })
}

proptest! {
    #[test]
    fn identity_acts_trivially((g, x) in group_and_image()) {
        let e = <ImageRotations as Group<f64>>::identity(&g);
        prop_assert_eq!(act(&g, e, &x), x);
    }

    #[test]
    fn compose_agrees_with_act((g, x) in group_and_image(), a in 0usize..4, b in 0usize..4) {
        let ab = <ImageRotations as Group<f64>>::compose(&g, &a, &b);
        prop_assert_eq!(act(&g, ab, &x), act(&g, a, &act(&g, b, &x)));
    }

    #[test]
    fn inverse_undoes_act((g, x) in group_and_image(), a in 0usize..4) {
        let inv = <ImageRotations as Group<f64>>::inverse(&g, &a);
        prop_assert_eq!(act(&g, inv, &act(&g, a, &x)), x.clone());
        prop_assert_eq!(act(&g, a, &act(&g, inv, &x)), x);
    }

    #[test]
    fn act_vector_is_act((g, v) in group_and_image(), a in 0usize..4) {
        let mut out = vec![0.0; v.len()];
        g.act_vector(&a, &v, &mut out);
        prop_assert_eq!(out, act(&g, a, &v));
    }

    #[test]
    fn act_is_the_image_rotation((g, x) in group_and_image(), a in 0usize..4) {
        prop_assert_eq!(act(&g, a, &x), rotate::rotate(&x, g.side(), g.channels(), a).unwrap());
    }

    #[test]
    fn elements_are_closed_and_unique((g, x) in group_and_image()) {
        let els = <ImageRotations as FiniteGroup<f64>>::elements(&g);
        prop_assert_eq!(els.len(), 4);
        prop_assert_eq!(<ImageRotations as FiniteGroup<f64>>::order(&g), 4);
        prop_assert_eq!(els[0], <ImageRotations as Group<f64>>::identity(&g));
        for a in &els {
            prop_assert!(els.contains(&<ImageRotations as Group<f64>>::inverse(&g, a)));
            for b in &els {
                prop_assert!(els.contains(&<ImageRotations as Group<f64>>::compose(&g, a, b)));
            }
        }
        // distinct elements act differently on a generic image (k ≥ 2; entries almost surely distinct)
        if g.side() >= 2 {
            let images: Vec<Vec<f64>> = els.iter().map(|&q| act(&g, q, &x)).collect();
            for i in 0..4 {
                for j in 0..i {
                    prop_assert_ne!(&images[i], &images[j]);
                }
            }
        }
    }

    #[test]
    fn canonical_rotation_is_invariant_and_its_vjp_is_the_transpose((g, x) in group_and_image(), a in 0usize..4,
        v in prop::collection::vec(-1.0f64..1.0, 108)) {
        let p = CanonicalRotation::new(g.clone());
        let d = x.len();
        let mut px = vec![0.0; d];
        let mut pgx = vec![0.0; d];
        p.map(&x, &mut px);
        p.map(&act(&g, a, &x), &mut pgx);
        prop_assert_eq!(&px, &pgx);
        // P(x) = R_q x, a permutation: <J v, w> = <v, Jᵀ w>
        let q = p.turns(&x);
        prop_assert_eq!(&px, &act(&g, q, &x));
        let v = &v[..d];
        let mut jt_v = vec![0.0; d];
        p.vjp(&x, v, &mut jt_v);
        let w: Vec<f64> = (0..d).map(|i| (i as f64 * 0.37).sin()).collect();
        let lhs: f64 = act(&g, q, &w).iter().zip(v).map(|(a, b)| a * b).sum();
        let rhs: f64 = w.iter().zip(&jt_v).map(|(a, b)| a * b).sum();
        prop_assert!((lhs - rhs).abs() < 1e-12);
    }

    /// `k_G(R_a x, R_b y) = k_G(x, y)` for every pair of quarter turns, in f64 to 1e-12 and f32 to 1e-5
    /// (relative); the kernel values differ only by the order of the summed squares.
    #[test]
    fn group_averaged_kernel_is_separately_invariant(
        x in prop::collection::vec(0.0f64..1.0, 64),
        y in prop::collection::vec(0.0f64..1.0, 64),
        a in 0usize..4, b in 0usize..4, h in 1.0f64..4.0,
    ) {
        let g = ImageRotations::new(8, 1).unwrap();
        let k = GroupAveraged::new(g.clone(), Rbf::fixed(h).unwrap());
        let k0 = k.eval(&x, &y);
        let k1 = k.eval(&act(&g, a, &x), &act(&g, b, &y));
        prop_assert!((k0 - k1).abs() <= 1e-12 * k0.abs().max(1e-300), "{} vs {}", k0, k1);
        // the base kernel alone is not separately invariant (the test can fail)
        if a != b {
            let base = Rbf::fixed(h).unwrap();
            let (b0, b1) = (base.eval(&x, &y), base.eval(&act(&g, a, &x), &act(&g, b, &y)));
            prop_assert!((b0 - b1).abs() > 1e-9 * b0, "{} vs {}", b0, b1);
        }
        // f32, IMQ as well
        let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let yf: Vec<f32> = y.iter().map(|&v| v as f32).collect();
        let mut gx = vec![0.0f32; 64];
        let mut gy = vec![0.0f32; 64];
        g.act(&a, &xf, &mut gx);
        g.act(&b, &yf, &mut gy);
        let kf = GroupAveraged::new(g.clone(), Imq::new(h as f32).unwrap());
        let (f0, f1) = (kf.eval(&xf, &yf), kf.eval(&gx, &gy));
        prop_assert!((f0 - f1).abs() <= 1e-5 * f0.abs(), "{} vs {}", f0, f1);
        // the gradient in x is equivariant in x and invariant in y: ∇_x k_G(R_a x, R_b y) = R_a ∇_x k_G(x, y)
        let mut g0 = vec![0.0; 64];
        let mut g1 = vec![0.0; 64];
        k.grad_first(&x, &y, &mut g0);
        k.grad_first(&act(&g, a, &x), &act(&g, b, &y), &mut g1);
        let g0r = act(&g, a, &g0);
        for (u, v) in g0r.iter().zip(&g1) {
            prop_assert!((u - v).abs() <= 1e-12 * (1.0 + u.abs()));
        }
    }
}

/// One batched E-SVGD direction on 28 × 28 images with an invariant score (`s(x) = −x`): turning every particle
/// by the same quarter turn turns the direction (`φ_{gX}(g x) = g φ_X(x)`), in both repulsion forms.
#[test]
fn esvgd_direction_is_equivariant_on_fashion_sized_images() {
    use rand_chacha::rand_core::RngCore;
    let g = ImageRotations::new(28, 1).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let n = 6;
    let x = Particles::<f32>::from_fn(784, n, |_, _| (rng.next_u32() % 1000) as f32 / 1000.0);
    let score = |p: &Particles<f32>| Particles::from_fn(784, p.len(), |i, c| -p.particle(i)[c]);
    let k = GroupAveraged::new(g.clone(), Rbf::fixed(4.0f32).unwrap());
    for repulsion in [Repulsion::LiuWang, Repulsion::AuthorsCode] {
        let mut phi = Particles::zeros(784, n);
        let s = score(&x);
        let input = SteinInput {
            targets: &x,
            sources: &x,
            scores: &s,
            repulsion,
            drive_weight: 1.0,
        };
        k.stein_direction(&input, &mut phi).unwrap();
        for q in 1..4 {
            let mut gx = Particles::zeros(784, n);
            for i in 0..n {
                g.act(&q, x.particle(i), gx.particle_mut(i));
            }
            let gs = score(&gx);
            let input = SteinInput {
                targets: &gx,
                sources: &gx,
                scores: &gs,
                repulsion,
                drive_weight: 1.0,
            };
            let mut gphi = Particles::zeros(784, n);
            k.stein_direction(&input, &mut gphi).unwrap();
            let scale = phi.as_slice().iter().fold(0.0f32, |m, v| m.max(v.abs()));
            for i in 0..n {
                let mut want = vec![0.0f32; 784];
                g.act(&q, phi.particle(i), &mut want);
                for (a, b) in want.iter().zip(gphi.particle(i)) {
                    assert!(
                        (a - b).abs() <= 1e-5 * scale,
                        "{repulsion:?} q={q}: {a} vs {b}"
                    );
                }
            }
        }
    }
}

#[test]
fn sampling_is_uniform_over_the_four_turns() {
    let g = ImageRotations::new(4, 1).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut counts = [0usize; 4];
    for _ in 0..4000 {
        counts[<ImageRotations as Group<f32>>::sample(&g, &mut rng)] += 1;
    }
    // 1000 expected each; 5 standard deviations (√750 ≈ 27) is ±137
    assert!(counts.iter().all(|&c| c.abs_diff(1000) < 137), "{counts:?}");
}

#[test]
fn shapes_are_validated() {
    assert!(matches!(
        ImageRotations::new(0, 1),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        ImageRotations::new(3, 0),
        Err(Error::InvalidParameter { .. })
    ));
    let rect = Images::new(2, 3, 1, vec![0.0; 6]).unwrap();
    assert!(ImageRotations::for_images(&rect).is_err());
    let sq = Images::new(3, 3, 2, vec![0.0; 18]).unwrap();
    let g = ImageRotations::for_images(&sq).unwrap();
    assert_eq!(<ImageRotations as Group<f32>>::dim(&g), 18);
    assert_eq!(g.permutation(1).len(), 9);
}
