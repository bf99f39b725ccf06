//! Exact quarter turns of square images.

use equistein_vision::rotate::{permutation, rotate, rotate_into, source_index};
use equistein_vision::{Error, Images};
use proptest::prelude::*;

fn image(side: usize, channels: usize) -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec(-1.0f32..1.0, side * side * channels)
}

proptest! {
    #[test]
    fn four_quarter_turns_are_the_identity(side in 1usize..9, channels in 1usize..4, seed in any::<u64>()) {
        let x: Vec<f32> = (0..side * side * channels).map(|i| ((i as u64 ^ seed) % 1000) as f32).collect();
        let mut y = x.clone();
        for _ in 0..4 {
            y = rotate(&y, side, channels, 1).unwrap();
        }
        prop_assert_eq!(&y, &x);
        prop_assert_eq!(rotate(&x, side, channels, 4).unwrap(), x.clone());
        prop_assert_eq!(rotate(&x, side, channels, 0).unwrap(), x);
    }

    #[test]
    fn rotations_compose(x in image(5, 2), a in 0usize..8, b in 0usize..8) {
        let ab = rotate(&rotate(&x, 5, 2, b).unwrap(), 5, 2, a).unwrap();
        prop_assert_eq!(ab, rotate(&x, 5, 2, a + b).unwrap());
    }

    #[test]
    fn a_quarter_turn_matches_the_index_formula(side in 1usize..10, x in image(9, 1)) {
        let x = &x[..side * side];
        let y = rotate(x, side, 1, 1).unwrap();
        for r in 0..side {
            for c in 0..side {
                // counterclockwise: output (r, c) is input (c, k − 1 − r), as numpy.rot90
                prop_assert_eq!(y[r * side + c], x[c * side + (side - 1 - r)]);
            }
        }
    }

    #[test]
    fn a_rotation_is_a_permutation(side in 1usize..10, q in 0usize..4) {
        let mut p = permutation(side, q);
        p.sort_unstable();
        prop_assert_eq!(p, (0..side * side).collect::<Vec<_>>());
    }
}

#[test]
fn a_small_image_turns_as_drawn() {
    // 1 2        2 4
    // 3 4   →    1 3   (counterclockwise)
    assert_eq!(rotate(&[1, 2, 3, 4], 2, 1, 1).unwrap(), vec![2, 4, 1, 3]);
    assert_eq!(rotate(&[1, 2, 3, 4], 2, 1, 2).unwrap(), vec![4, 3, 2, 1]);
    assert_eq!(rotate(&[1, 2, 3, 4], 2, 1, 3).unwrap(), vec![3, 1, 4, 2]);
    assert_eq!(source_index(3, 1, 0, 0), 2);
    // channels turn alike
    assert_eq!(
        rotate(&[1, 2, 3, 4, 5, 6, 7, 8], 2, 2, 1).unwrap(),
        vec![2, 4, 1, 3, 6, 8, 5, 7]
    );
}

#[test]
fn wrong_lengths_and_shapes_are_errors() {
    let mut out = [0.0f32; 4];
    assert!(matches!(
        rotate_into(&[0.0f32; 3], 2, 1, 1, &mut out),
        Err(Error::Mismatch { .. })
    ));
    let images = Images::new(2, 3, 1, vec![0.0; 12]).unwrap();
    assert!(matches!(
        images.rotated(1),
        Err(Error::InvalidParameter { .. })
    ));
    let images = Images::new(2, 2, 1, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]).unwrap();
    let turned = images.rotated_each(&[1, 2]).unwrap();
    assert_eq!(turned.as_slice(), &[2.0, 4.0, 1.0, 3.0, 8.0, 7.0, 6.0, 5.0]);
    assert!(matches!(
        images.rotated_each(&[1]),
        Err(Error::Mismatch { .. })
    ));
}
