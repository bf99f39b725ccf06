//! The image container and labelled sets: shapes, particles, selections.

use equistein::Particles;
use equistein_vision::{Error, Images, LabeledImages};
use rand_chacha::{rand_core::SeedableRng, ChaCha8Rng};

#[test]
fn images_and_particles_share_the_flat_layout() {
    let data: Vec<f32> = (0..3 * 2 * 4).map(|v| v as f32).collect();
    let images = Images::new(2, 2, 2, data.clone()).unwrap(); // 3 images of 2 channels of 2 × 2
    assert_eq!((images.len(), images.pixels()), (3, 8));
    assert_eq!(images.get(1).unwrap(), &data[8..16]);
    assert!(images.get(3).is_none());
    let p = images.to_particles();
    assert_eq!((p.dim(), p.len()), (8, 3));
    assert_eq!(p.as_slice(), data.as_slice());
    assert_eq!(Images::from_particles(&p, 2, 2, 2).unwrap(), images);
    assert!(matches!(
        Images::from_particles(&p, 2, 2, 1),
        Err(Error::Mismatch { .. })
    ));
    assert!(matches!(
        Images::new(2, 2, 1, vec![0.0; 5]),
        Err(Error::Mismatch { .. })
    ));
    assert!(matches!(
        Images::new(0, 2, 1, vec![]),
        Err(Error::InvalidParameter { .. })
    ));
    assert_eq!(
        images.select(&[2, 0]).unwrap().as_slice()[..8],
        data[16..24]
    );
    assert!(images.select(&[3]).is_err());
    assert_eq!(images.first(10), images);
    let _: Particles<f32> = images.first(1).to_particles();
}

#[test]
fn labelled_sets_check_counts_and_subset_by_seed() {
    let images = Images::new(1, 1, 1, (0..40).map(|v| v as f32).collect()).unwrap();
    assert!(matches!(
        LabeledImages::new(images.clone(), vec![0; 39]),
        Err(Error::Mismatch { .. })
    ));
    let labels: Vec<u8> = (0..40).map(|i| (i % 4) as u8).collect();
    let set = LabeledImages::new(images, labels).unwrap();
    assert_eq!(set.class_counts(4), vec![10; 4]);
    assert_eq!(
        set.indices_of(3),
        vec![3, 7, 11, 15, 19, 23, 27, 31, 35, 39]
    );
    let sub = set
        .per_class(3, 4, &mut ChaCha8Rng::seed_from_u64(9))
        .unwrap();
    assert_eq!(sub.class_counts(4), vec![3; 4]);
    // original order kept, each image still carries its own label
    assert!(sub.pixels().windows(2).all(|w| w[0] < w[1]));
    assert!(sub
        .pixels()
        .iter()
        .zip(sub.labels())
        .all(|(&v, &l)| v as usize % 4 == l as usize));
    let all = set
        .per_class(10, 4, &mut ChaCha8Rng::seed_from_u64(9))
        .unwrap();
    assert_eq!(all, set);
    let r = set
        .random_subset(100, &mut ChaCha8Rng::seed_from_u64(1))
        .unwrap();
    assert_eq!(r, set);
    assert!(set
        .per_class(1, 300, &mut ChaCha8Rng::seed_from_u64(1))
        .is_err());
}
