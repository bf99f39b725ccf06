//! Exact rotations of square images by multiples of 90°: index permutations, no interpolation.
//!
//! For a `k × k` image (row `r` from the top, column `c` from the left) turned `q` quarter turns
//! counterclockwise, output pixel `(r, c)` is input pixel
//!
//! ```text
//! q = 0:  (r, c)
//! q = 1:  (c, k−1−r)          (as numpy.rot90(x) and torch.rot90(x, 1, (−2, −1)))
//! q = 2:  (k−1−r, k−1−c)
//! q = 3:  (k−1−c, r)
//! ```
//!
//! `q` is taken modulo 4. Multi-channel images (channel-major, see [`crate::Images`]) turn every channel alike.

use crate::error::{Error, Result};
use crate::images::Images;

/// The row-major index `r'·k + c'` of the input pixel that lands on output pixel `(r, c)` under `q` quarter
/// turns counterclockwise of a `k × k` image (`r, c < k`).
#[inline]
pub fn source_index(side: usize, quarter: usize, r: usize, c: usize) -> usize {
    let k = side;
    match quarter % 4 {
        0 => r * k + c,
        1 => c * k + (k - 1 - r),
        2 => (k - 1 - r) * k + (k - 1 - c),
        _ => (k - 1 - c) * k + r,
    }
}

/// The permutation of a `k × k` turn by `q` quarter turns: `out[i] = x[perm[i]]` for row-major `i`.
pub fn permutation(side: usize, quarter: usize) -> Vec<usize> {
    let mut perm = Vec::with_capacity(side * side);
    for r in 0..side {
        for c in 0..side {
            perm.push(source_index(side, quarter, r, c));
        }
    }
    perm
}

/// `out = x` turned `q` quarter turns counterclockwise; `x` and `out` hold `channels` planes of `side × side`
/// values. Errors when a length is not `channels · side²`.
pub fn rotate_into<T: Copy>(
    x: &[T],
    side: usize,
    channels: usize,
    quarter: usize,
    out: &mut [T],
) -> Result<()> {
    let plane = side
        .checked_mul(side)
        .ok_or_else(|| Error::InvalidParameter {
            name: "side",
            reason: format!("{side}² overflows"),
        })?;
    let n = plane.saturating_mul(channels);
    if x.len() != n || out.len() != n {
        return Err(Error::Mismatch {
            what: "image to rotate",
            reason: format!(
                "expected {channels} × {side} × {side} = {n} values, got {} in and {} out",
                x.len(),
                out.len()
            ),
        });
    }
    for (xp, op) in x
        .chunks_exact(plane.max(1))
        .zip(out.chunks_exact_mut(plane.max(1)))
    {
        for r in 0..side {
            for c in 0..side {
                op[r * side + c] = xp[source_index(side, quarter, r, c)];
            }
        }
    }
    Ok(())
}

/// `x` turned `q` quarter turns counterclockwise (a new buffer); see [`rotate_into`].
pub fn rotate<T: Copy>(x: &[T], side: usize, channels: usize, quarter: usize) -> Result<Vec<T>> {
    let mut out = x.to_vec();
    rotate_into(x, side, channels, quarter, &mut out)?;
    Ok(out)
}

impl Images {
    /// Every image turned `q` quarter turns counterclockwise; errors unless the images are square.
    pub fn rotated(&self, quarter: usize) -> Result<Images> {
        self.rotated_each(&vec![quarter; self.len()])
    }

    /// Image `i` turned `quarters[i]` quarter turns counterclockwise; errors unless the images are square and
    /// there is one entry per image.
    pub fn rotated_each(&self, quarters: &[usize]) -> Result<Images> {
        let side = square_side(self)?;
        if quarters.len() != self.len() {
            return Err(Error::Mismatch {
                what: "rotations per image",
                reason: format!("{} rotations for {} images", quarters.len(), self.len()),
            });
        }
        let mut data = self.as_slice().to_vec();
        for ((x, out), &q) in self
            .iter()
            .zip(data.chunks_exact_mut(self.pixels()))
            .zip(quarters)
        {
            rotate_into(x, side, self.channels(), q, out)?;
        }
        Images::new(side, side, self.channels(), data)
    }
}

/// The side of square images, or an error naming the shape.
pub(crate) fn square_side(images: &Images) -> Result<usize> {
    if images.rows() != images.cols() {
        return Err(Error::InvalidParameter {
            name: "image shape",
            reason: format!(
                "rotations by 90° need square images, got {} × {}",
                images.rows(),
                images.cols()
            ),
        });
    }
    Ok(images.rows())
}
