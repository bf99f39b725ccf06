//! The rotated test set: every image turned by a random multiple of 90°, the multiple recorded (ESVGD.md §7).

use crate::dataset::LabeledImages;
use crate::error::Result;
use rand_core::RngCore;

/// `n` independent uniform draws from `{0, 1, 2, 3}` (quarter turns), by rejection (no modulo bias).
pub fn random_quarters<R: RngCore + ?Sized>(n: usize, rng: &mut R) -> Vec<usize> {
    (0..n).map(|_| equistein::random::index(rng, 4)).collect()
}

/// A labelled image set in which image `i` is the upright image `i` turned `quarters[i]` quarter turns
/// counterclockwise (exactly, see [`crate::rotate`]); the labels are unchanged.
///
/// ```
/// use equistein_vision::{Images, LabeledImages, RotatedSet};
/// use rand_chacha::{rand_core::SeedableRng, ChaCha8Rng};
/// let upright = LabeledImages::new(Images::new(2, 2, 1, vec![1.0, 0.0, 0.0, 0.0])?, vec![3])?;
/// let rotated = RotatedSet::new(&upright, &mut ChaCha8Rng::seed_from_u64(7))?;
/// assert_eq!(rotated.labels(), &[3]);
/// assert!(rotated.quarters()[0] < 4);
/// # Ok::<(), equistein_vision::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RotatedSet {
    data: LabeledImages,
    quarters: Vec<usize>,
}

impl RotatedSet {
    /// Turns each image of `upright` by a uniform random multiple of 90° drawn from `rng` (one draw per image, in
    /// order: the same seed gives the same multiples). Errors unless the images are square.
    pub fn new<R: RngCore + ?Sized>(upright: &LabeledImages, rng: &mut R) -> Result<Self> {
        let quarters = random_quarters(upright.len(), rng);
        Self::with_quarters(upright, quarters)
    }

    /// Turns image `i` of `upright` by `quarters[i]` quarter turns (taken modulo 4); errors unless the images
    /// are square and there is one entry per image.
    pub fn with_quarters(upright: &LabeledImages, quarters: Vec<usize>) -> Result<Self> {
        let images = upright.images().rotated_each(&quarters)?;
        let data = LabeledImages::new(images, upright.labels().to_vec())?;
        let quarters = quarters.into_iter().map(|q| q % 4).collect();
        Ok(RotatedSet { data, quarters })
    }

    /// The rotated images and their labels.
    pub fn data(&self) -> &LabeledImages {
        &self.data
    }

    /// The rotated images.
    pub fn images(&self) -> &crate::Images {
        self.data.images()
    }

    /// The labels (those of the upright images).
    pub fn labels(&self) -> &[u8] {
        self.data.labels()
    }

    /// The quarter turns applied, one per image, in `0..4`.
    pub fn quarters(&self) -> &[usize] {
        &self.quarters
    }

    /// How many images were turned by 0, 1, 2 and 3 quarter turns.
    pub fn quarter_counts(&self) -> [usize; 4] {
        let mut counts = [0; 4];
        for &q in &self.quarters {
            counts[q % 4] += 1;
        }
        counts
    }

    /// The number of images.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The rotated images with their labels, and the quarter turns.
    pub fn into_parts(self) -> (LabeledImages, Vec<usize>) {
        (self.data, self.quarters)
    }
}
