//! The reader on the shipped FashionMNIST files (../shared/data/fashion_mnist beside the project).

mod common;

use common::{byte, fashion_dir};
use equistein_vision::fashion::{FashionMnist, Split, CLASSES, PIXELS, SIDE};
use equistein_vision::Error;
use rand_chacha::{rand_core::SeedableRng, ChaCha8Rng};

#[test]
fn test_split_counts_labels_and_checksum() {
    let data = FashionMnist::open(fashion_dir()).unwrap();
    let test = data.load(Split::Test).unwrap();
    assert_eq!(test.len(), 10_000);
    assert_eq!(
        (
            test.images().rows(),
            test.images().cols(),
            test.images().channels()
        ),
        (SIDE, SIDE, 1)
    );
    assert_eq!(test.pixels().len(), 10_000 * PIXELS);
    assert_eq!(&test.labels()[..10], &[9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    assert_eq!(test.class_counts(CLASSES), vec![1000; CLASSES]);
    assert!(test.pixels().iter().all(|&v| (0.0..=1.0).contains(&v)));
    // Sums of the raw bytes, recorded from the decompressed file with Python's gzip module.
    let total: u64 = test.pixels().iter().map(|&v| byte(v)).sum();
    assert_eq!(total, 573_469_082);
    let first: u64 = test.images().get(0).unwrap().iter().map(|&v| byte(v)).sum();
    assert_eq!(first, 33_456);
    // pixel / 255 exactly
    assert!(test.pixels().iter().all(|&v| v == byte(v) as f32 / 255.0));
}

#[test]
fn train_split_counts_labels_and_checksum() {
    let data = FashionMnist::open(fashion_dir()).unwrap();
    let train = data.train().unwrap();
    assert_eq!(train.len(), 60_000);
    assert_eq!(&train.labels()[..10], &[9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    assert_eq!(train.class_counts(CLASSES), vec![6000; CLASSES]);
    let total: u64 = train.pixels().iter().map(|&v| byte(v)).sum();
    assert_eq!(total, 3_431_114_169);
    let first: u64 = train
        .images()
        .get(0)
        .unwrap()
        .iter()
        .map(|&v| byte(v))
        .sum();
    assert_eq!(first, 76_247);
    let p = train.first(3).to_particles();
    assert_eq!((p.dim(), p.len()), (PIXELS, 3));
    assert_eq!(p.particle(2), train.images().get(2).unwrap());
}

#[test]
fn seeded_subsets_of_the_test_split() {
    let test = FashionMnist::open(fashion_dir()).unwrap().test().unwrap();
    let a = test
        .per_class(7, CLASSES, &mut ChaCha8Rng::seed_from_u64(3))
        .unwrap();
    let b = test
        .per_class(7, CLASSES, &mut ChaCha8Rng::seed_from_u64(3))
        .unwrap();
    let c = test
        .per_class(7, CLASSES, &mut ChaCha8Rng::seed_from_u64(4))
        .unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.class_counts(CLASSES), vec![7; CLASSES]);
    let r = test
        .random_subset(50, &mut ChaCha8Rng::seed_from_u64(3))
        .unwrap();
    assert_eq!(r.len(), 50);
    assert_eq!(test.first(5).labels(), &[9, 2, 1, 1, 6]);
    assert!(matches!(
        test.per_class(1001, CLASSES, &mut ChaCha8Rng::seed_from_u64(3)),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn missing_folder_and_file_are_named() {
    let err = FashionMnist::open("/nonexistent/fashion").unwrap_err();
    assert!(matches!(&err, Error::Missing { path, .. } if path.ends_with("fashion")));
    assert!(err.to_string().contains("/nonexistent/fashion"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    for name in [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte",
    ] {
        std::fs::write(dir.path().join(name), b"").unwrap();
    }
    let err = FashionMnist::open(dir.path()).unwrap_err();
    assert!(
        matches!(&err, Error::Missing { path, .. } if path.ends_with("t10k-labels-idx1-ubyte.gz")),
        "{err}"
    );
}
