//! A batch of images as one flat `f32` buffer.

use crate::error::{Error, Result};
use crate::idx::{read_idx_with, IdxLimits};
use equistein::Particles;
use std::path::Path;

/// `n` images of `channels × rows × cols` pixels, stored image after image in one flat buffer.
///
/// Layout of image `i` (channel-major, "CHW", as candle and PyTorch use): pixel `(ch, r, c)`, with row `r`
/// counted from the top and column `c` from the left, is `data[i·P + ch·rows·cols + r·cols + c]`, where
/// `P = channels·rows·cols` ([`Images::pixels`]). Images read from IDX files have one channel and values
/// `pixel / 255` in `[0, 1]` (0 is background, 1 foreground); other sources may hold any finite values.
///
/// As core particles ([`Images::to_particles`]) each image is one particle of dimension `P`, the same flat order.
#[derive(Debug, Clone, PartialEq)]
pub struct Images {
    rows: usize,
    cols: usize,
    channels: usize,
    data: Vec<f32>,
}

impl Images {
    /// Images from a flat buffer in the layout above; errors unless every size is positive and the length is a
    /// whole number of images.
    pub fn new(rows: usize, cols: usize, channels: usize, data: Vec<f32>) -> Result<Self> {
        if rows == 0 || cols == 0 || channels == 0 {
            return Err(Error::InvalidParameter {
                name: "image shape",
                reason: format!(
                    "rows, cols and channels must be positive, got {rows} × {cols} × {channels}"
                ),
            });
        }
        let p = rows
            .checked_mul(cols)
            .and_then(|v| v.checked_mul(channels))
            .ok_or_else(|| Error::InvalidParameter {
                name: "image shape",
                reason: "rows × cols × channels overflows".into(),
            })?;
        if !data.len().is_multiple_of(p) {
            return Err(Error::Mismatch {
                what: "image buffer",
                reason: format!(
                    "{} values are not a whole number of {rows} × {cols} × {channels} images",
                    data.len()
                ),
            });
        }
        Ok(Images {
            rows,
            cols,
            channels,
            data,
        })
    }

    /// Reads a one-channel IDX image file (magic `0x0000_0803`, raw or gzip) with the default limits, as
    /// `pixel / 255`.
    pub fn read_idx(path: impl AsRef<Path>) -> Result<Self> {
        Self::read_idx_with(path, IdxLimits::default())
    }

    /// Reads a one-channel IDX image file under `limits`, as `pixel / 255`.
    pub fn read_idx_with(path: impl AsRef<Path>, limits: IdxLimits) -> Result<Self> {
        let path = path.as_ref();
        let a = read_idx_with(path, 3, limits)?;
        let (rows, cols) = (a.dims[1], a.dims[2]);
        if rows == 0 || cols == 0 {
            return Err(Error::Dimensions {
                path: path.to_path_buf(),
                reason: format!("images of {rows} × {cols} pixels"),
            });
        }
        let data = a.data.iter().map(|&b| f32::from(b) / 255.0).collect();
        Images::new(rows, cols, 1, data)
    }

    /// Images from core particles of dimension `channels·rows·cols`.
    pub fn from_particles(
        p: &Particles<f32>,
        rows: usize,
        cols: usize,
        channels: usize,
    ) -> Result<Self> {
        let images = Images::new(rows, cols, channels, p.as_slice().to_vec())?;
        if p.dim() != images.pixels() {
            return Err(Error::Mismatch {
                what: "particles as images",
                reason: format!(
                    "particle dimension {} is not {rows} × {cols} × {channels}",
                    p.dim()
                ),
            });
        }
        Ok(images)
    }

    /// The number of images.
    pub fn len(&self) -> usize {
        self.data.len() / self.pixels()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Rows per image.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns per image.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Channels per image.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Values per image, `channels · rows · cols` (784 for FashionMNIST).
    pub fn pixels(&self) -> usize {
        self.rows * self.cols * self.channels
    }

    /// Image `i`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<&[f32]> {
        let p = self.pixels();
        self.data
            .get(i.checked_mul(p)?..i.checked_add(1)?.checked_mul(p)?)
    }

    /// Iterates over the images.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[f32]> + '_ {
        self.data.chunks_exact(self.pixels())
    }

    /// Iterates over the images mutably.
    pub fn iter_mut(&mut self) -> impl ExactSizeIterator<Item = &mut [f32]> + '_ {
        let p = self.pixels();
        self.data.chunks_exact_mut(p)
    }

    /// The flat buffer, `len() × pixels()` values.
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    /// The flat buffer, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.data
    }

    /// Consumes the images and returns the flat buffer.
    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }

    /// The images as core particles, one particle of dimension [`Images::pixels`] per image (a copy).
    pub fn to_particles(&self) -> Particles<f32> {
        Particles::from_fn(self.pixels(), self.len(), |i, k| {
            self.data[i * self.pixels() + k]
        })
    }

    /// The images at `indices`, in that order; errors on an index past the end.
    pub fn select(&self, indices: &[usize]) -> Result<Images> {
        let mut data = Vec::with_capacity(indices.len().saturating_mul(self.pixels()));
        for &i in indices {
            let img = self.get(i).ok_or_else(|| Error::InvalidParameter {
                name: "image index",
                reason: format!("{i} is past the end of {} images", self.len()),
            })?;
            data.extend_from_slice(img);
        }
        Images::new(self.rows, self.cols, self.channels, data)
    }

    /// The first `n` images (all of them if there are fewer).
    pub fn first(&self, n: usize) -> Images {
        let k = n.min(self.len()) * self.pixels();
        Images {
            rows: self.rows,
            cols: self.cols,
            channels: self.channels,
            data: self.data[..k].to_vec(),
        }
    }
}
