//! C4 acting on square images by pixel permutation, as a core [`Group`], and its canonical-rotation orbit map.

use crate::error::{Error, Result};
use crate::images::Images;
use crate::rotate::{permutation, square_side};
use equistein::{FiniteGroup, Group, OrbitMap, Real};
use rand_core::RngCore;
use std::sync::Arc;

/// The cyclic group C4 of quarter turns acting on `c` channels of `k × k` images, flattened to `R^{c·k²}` in
/// the layout of [`Images`] (channel-major, row-major within a channel).
///
/// Element `q ∈ {0, 1, 2, 3}` turns every channel `q` quarter turns counterclockwise (see [`crate::rotate`]):
/// `(q·x)[ch·k² + r·k + c] = x[ch·k² + σ_q(r, c)]` with `σ_q` the source index of [`crate::rotate::source_index`].
/// Composition adds turns modulo 4, the inverse of `q` is `−q mod 4`. The action is a permutation of the
/// coordinates, hence linear and orthogonal: `act_vector = act`, and RBF / IMQ kernels are jointly invariant, so
/// the core's [`equistein::kernel::GroupAveraged`] kernel over this group is separately invariant and SVGD with it
/// is E-SVGD in image space (ESVGD.md §2). The action is exact: no value is computed, only moved.
///
/// The four permutations are computed once and shared (cloning the group is cheap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRotations {
    side: usize,
    channels: usize,
    /// `perms[q·k² + i]`: the source index of pixel `i` under `q` quarter turns.
    perms: Arc<Vec<usize>>,
}

impl ImageRotations {
    /// C4 on `channels × side × side` images; errors unless both are positive (and the size fits).
    pub fn new(side: usize, channels: usize) -> Result<Self> {
        if side == 0 || channels == 0 {
            return Err(Error::InvalidParameter {
                name: "image rotations",
                reason: format!("side and channels must be positive, got {side} and {channels}"),
            });
        }
        side.checked_mul(side)
            .and_then(|p| p.checked_mul(channels))
            .and_then(|p| p.checked_mul(4))
            .ok_or_else(|| Error::InvalidParameter {
                name: "image rotations",
                reason: format!("{channels} × {side} × {side} images are too large"),
            })?;
        let mut perms = Vec::with_capacity(4 * side * side);
        for q in 0..4 {
            perms.extend(permutation(side, q));
        }
        Ok(ImageRotations {
            side,
            channels,
            perms: Arc::new(perms),
        })
    }

    /// C4 on images of the shape of `images`; errors unless they are square.
    pub fn for_images(images: &Images) -> Result<Self> {
        Self::new(square_side(images)?, images.channels())
    }

    /// The image side `k`.
    pub fn side(&self) -> usize {
        self.side
    }

    /// The number of channels `c`.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// The source-index permutation of one channel under `q` quarter turns (`k²` entries).
    pub fn permutation(&self, quarter: usize) -> &[usize] {
        let plane = self.side * self.side;
        let q = quarter % 4;
        &self.perms[q * plane..(q + 1) * plane]
    }

    fn plane(&self) -> usize {
        self.side * self.side
    }
}

impl<T: Real> Group<T> for ImageRotations {
    /// The number of counterclockwise quarter turns, taken modulo 4.
    type Element = usize;

    fn dim(&self) -> usize {
        self.channels * self.plane()
    }

    fn identity(&self) -> usize {
        0
    }

    fn compose(&self, a: &usize, b: &usize) -> usize {
        (a % 4 + b % 4) % 4
    }

    fn inverse(&self, a: &usize) -> usize {
        (4 - a % 4) % 4
    }

    fn act(&self, g: &usize, x: &[T], out: &mut [T]) {
        let perm = self.permutation(*g);
        let plane = self.plane();
        for (xp, op) in x.chunks_exact(plane).zip(out.chunks_exact_mut(plane)) {
            for (o, &p) in op.iter_mut().zip(perm) {
                *o = xp[p];
            }
        }
    }

    fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> usize {
        equistein::random::index(rng, 4)
    }
}

impl<T: Real> FiniteGroup<T> for ImageRotations {
    fn elements(&self) -> Vec<usize> {
        vec![0, 1, 2, 3]
    }

    fn order(&self) -> usize {
        4
    }
}

/// The canonical representative of an image's C4 orbit: of its four rotations, the lexicographically largest
/// (comparing the flat buffers value by value; among equal rotations, the fewest turns).
///
/// `P(x) = R_{q(x)} x` with `q(x) = argmax_q R_q x`; since the four rotations of `g·x` are those of `x`,
/// `P(g·x) = P(x)` exactly. `P` is piecewise a permutation, so `J_P(x) = R_{q(x)}` and the vector–Jacobian
/// product is `R_{q(x)}ᵀ v = R_{−q(x)} v`. Incomparable values (NaN) count as equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalRotation {
    group: ImageRotations,
}

impl CanonicalRotation {
    /// The canonical-rotation map of `group`.
    pub fn new(group: ImageRotations) -> Self {
        CanonicalRotation { group }
    }

    /// The group.
    pub fn group(&self) -> &ImageRotations {
        &self.group
    }

    /// The number of quarter turns `q(x)` that makes `x` canonical.
    pub fn turns<T: Real>(&self, x: &[T]) -> usize {
        let mut best = 0;
        for q in 1..4 {
            if self.greater(x, q, best) {
                best = q;
            }
        }
        best
    }

    /// Whether `R_a x` is lexicographically greater than `R_b x`.
    fn greater<T: Real>(&self, x: &[T], a: usize, b: usize) -> bool {
        let plane = self.group.plane();
        let (pa, pb) = (self.group.permutation(a), self.group.permutation(b));
        for xp in x.chunks_exact(plane) {
            for (&i, &j) in pa.iter().zip(pb) {
                match xp[i].partial_cmp(&xp[j]) {
                    Some(core::cmp::Ordering::Greater) => return true,
                    Some(core::cmp::Ordering::Less) => return false,
                    _ => {}
                }
            }
        }
        false
    }
}

impl<T: Real> OrbitMap<T> for CanonicalRotation {
    fn input_dim(&self) -> usize {
        <ImageRotations as Group<T>>::dim(&self.group)
    }

    fn output_dim(&self) -> usize {
        <ImageRotations as Group<T>>::dim(&self.group)
    }

    fn map(&self, x: &[T], out: &mut [T]) {
        let q = self.turns(x);
        self.group.act(&q, x, out);
    }

    fn vjp(&self, x: &[T], v: &[T], out: &mut [T]) {
        let q = self.turns(x);
        let inv = <ImageRotations as Group<T>>::inverse(&self.group, &q);
        self.group.act(&inv, v, out);
    }
}
