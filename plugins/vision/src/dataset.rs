//! Images with class labels, and seeded subsets of them.

use crate::error::{Error, Result};
use crate::images::Images;
use equistein::Particles;
use rand_core::RngCore;

/// Images and one class label per image (`labels[i]` belongs to image `i`).
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledImages {
    images: Images,
    labels: Vec<u8>,
}

impl LabeledImages {
    /// Pairs images with labels; errors when the counts differ.
    pub fn new(images: Images, labels: Vec<u8>) -> Result<Self> {
        if images.len() != labels.len() {
            return Err(Error::Mismatch {
                what: "images and labels",
                reason: format!("{} images but {} labels", images.len(), labels.len()),
            });
        }
        Ok(LabeledImages { images, labels })
    }

    /// The number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The images.
    pub fn images(&self) -> &Images {
        &self.images
    }

    /// The labels.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// The flat pixel buffer, `len() × pixels` values (see [`Images`] for the layout).
    pub fn pixels(&self) -> &[f32] {
        self.images.as_slice()
    }

    /// The images as core particles, one per image (a copy).
    pub fn to_particles(&self) -> Particles<f32> {
        self.images.to_particles()
    }

    /// The images and labels.
    pub fn into_parts(self) -> (Images, Vec<u8>) {
        (self.images, self.labels)
    }

    /// How many images each class `0..classes` has (labels `≥ classes` are not counted).
    pub fn class_counts(&self, classes: usize) -> Vec<usize> {
        let mut counts = vec![0; classes];
        for &l in &self.labels {
            if let Some(c) = counts.get_mut(usize::from(l)) {
                *c += 1;
            }
        }
        counts
    }

    /// The indices of the images of class `class`, ascending.
    pub fn indices_of(&self, class: u8) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.labels[i] == class)
            .collect()
    }

    /// The images and labels at `indices`, in that order; errors on an index past the end.
    pub fn select(&self, indices: &[usize]) -> Result<LabeledImages> {
        let images = self.images.select(indices)?;
        let labels = indices.iter().map(|&i| self.labels[i]).collect();
        LabeledImages::new(images, labels)
    }

    /// The first `n` images (all of them if there are fewer).
    pub fn first(&self, n: usize) -> LabeledImages {
        let n = n.min(self.len());
        LabeledImages {
            images: self.images.first(n),
            labels: self.labels[..n].to_vec(),
        }
    }

    /// `n` random images of each class `0..classes`, drawn without replacement from `rng` (a partial
    /// Fisher–Yates shuffle of each class's indices), returned in their original order. The same seed gives the
    /// same subset. Errors when a class has fewer than `n` images.
    pub fn per_class<R: RngCore + ?Sized>(
        &self,
        n: usize,
        classes: usize,
        rng: &mut R,
    ) -> Result<LabeledImages> {
        if classes > 256 {
            return Err(Error::InvalidParameter {
                name: "classes",
                reason: format!("labels are bytes, so at most 256 classes, got {classes}"),
            });
        }
        let mut chosen = Vec::with_capacity(n.saturating_mul(classes));
        for class in 0..classes {
            let mut idx = self.indices_of(class as u8);
            if idx.len() < n {
                return Err(Error::InvalidParameter {
                    name: "images per class",
                    reason: format!(
                        "class {class} has {} images, fewer than the {n} asked for",
                        idx.len()
                    ),
                });
            }
            for k in 0..n {
                let j = k + equistein::random::index(rng, idx.len() - k);
                idx.swap(k, j);
            }
            chosen.extend_from_slice(&idx[..n]);
        }
        chosen.sort_unstable();
        self.select(&chosen)
    }

    /// A random subset of `n` images (any class), drawn without replacement from `rng`, in their original
    /// order; all of them if there are fewer than `n`.
    pub fn random_subset<R: RngCore + ?Sized>(
        &self,
        n: usize,
        rng: &mut R,
    ) -> Result<LabeledImages> {
        let n = n.min(self.len());
        let mut idx: Vec<usize> = (0..self.len()).collect();
        for k in 0..n {
            let j = k + equistein::random::index(rng, idx.len() - k);
            idx.swap(k, j);
        }
        idx.truncate(n);
        idx.sort_unstable();
        self.select(&idx)
    }
}
