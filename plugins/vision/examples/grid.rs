//! Writes `fashion_grid.png` (ten test images per class, labelled) and `fashion_grid_rotated.png` (the same
//! images in the seeded rotated test set) into the folder given as the first argument (default: the current
//! one). The FashionMNIST folder is the second argument (default `../shared/data/fashion_mnist`).

use equistein_vision::{class_grid, FashionMnist, GridOptions, RotatedSet, CLASS_NAMES};
use rand_chacha::{rand_core::SeedableRng, ChaCha8Rng};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let data = args
        .next()
        .unwrap_or_else(|| "../shared/data/fashion_mnist".into());
    let test = FashionMnist::open(data)?.test()?;
    let opts = GridOptions::default();
    class_grid(&test, 10, 10, Some(&CLASS_NAMES))?
        .write_png(out.join("fashion_grid.png"), &opts)?;
    let rotated = RotatedSet::new(&test, &mut ChaCha8Rng::seed_from_u64(0))?;
    class_grid(rotated.data(), 10, 10, Some(&CLASS_NAMES))?
        .write_png(out.join("fashion_grid_rotated.png"), &opts)?;
    println!("quarter turns drawn: {:?}", rotated.quarter_counts());
    Ok(())
}
