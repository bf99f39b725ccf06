//! The seeded rotated test set.

mod common;

use equistein_vision::fashion::{FashionMnist, CLASSES};
use equistein_vision::rotate::rotate;
use equistein_vision::rotated_set::random_quarters;
use equistein_vision::{Error, Images, LabeledImages, RotatedSet};
use rand_chacha::{rand_core::SeedableRng, ChaCha8Rng};

fn toy(n: usize) -> LabeledImages {
    let data = (0..n * 16).map(|i| (i % 97) as f32 / 97.0).collect();
    LabeledImages::new(
        Images::new(4, 4, 1, data).unwrap(),
        (0..n).map(|i| (i % 10) as u8).collect(),
    )
    .unwrap()
}

#[test]
fn same_seed_same_multiples() {
    let up = toy(200);
    let a = RotatedSet::new(&up, &mut ChaCha8Rng::seed_from_u64(42)).unwrap();
    let b = RotatedSet::new(&up, &mut ChaCha8Rng::seed_from_u64(42)).unwrap();
    let c = RotatedSet::new(&up, &mut ChaCha8Rng::seed_from_u64(43)).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.quarters(), c.quarters());
    assert_eq!(
        a.quarters(),
        random_quarters(200, &mut ChaCha8Rng::seed_from_u64(42)).as_slice()
    );
}

#[test]
fn each_image_is_its_upright_original_turned_by_the_recorded_multiple() {
    let up = toy(50);
    let rot = RotatedSet::new(&up, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
    assert_eq!(rot.labels(), up.labels());
    for i in 0..50 {
        let q = rot.quarters()[i];
        assert!(q < 4);
        let want = rotate(up.images().get(i).unwrap(), 4, 1, q).unwrap();
        assert_eq!(rot.images().get(i).unwrap(), want.as_slice());
    }
    let again = RotatedSet::with_quarters(&up, rot.quarters().to_vec()).unwrap();
    assert_eq!(again, rot);
    assert!(matches!(
        RotatedSet::with_quarters(&up, vec![1; 3]),
        Err(Error::Mismatch { .. })
    ));
}

/// The multiples are uniform: on the 10,000 FashionMNIST test images each of the four is drawn 2,500 ± 150
/// times (about 3.5 standard deviations, √(10⁴ · 3/16) ≈ 43), overall and, 250 ± 60 (4.4 σ), within each class.
#[test]
fn multiples_are_roughly_uniform_on_the_test_split() {
    let test = FashionMnist::open(common::fashion_dir())
        .unwrap()
        .test()
        .unwrap();
    let rot = RotatedSet::new(&test, &mut ChaCha8Rng::seed_from_u64(2021)).unwrap();
    let counts = rot.quarter_counts();
    assert_eq!(counts.iter().sum::<usize>(), 10_000);
    assert!(
        counts.iter().all(|&c| c.abs_diff(2500) <= 150),
        "{counts:?}"
    );
    for class in 0..CLASSES as u8 {
        let mut per = [0usize; 4];
        for (i, &l) in rot.labels().iter().enumerate() {
            if l == class {
                per[rot.quarters()[i]] += 1;
            }
        }
        assert!(
            per.iter().all(|&c| c.abs_diff(250) <= 60),
            "class {class}: {per:?}"
        );
    }
}
