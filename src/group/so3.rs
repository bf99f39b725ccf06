//! SO(3): the rotations of 3-D space.

use super::{Group, NormMap};
use crate::real::Real;
use rand_core::RngCore;

/// The rotation group SO(3) acting on `R^3`. An element is a rotation matrix stored row-major as `[T; 9]`
/// (`R[i][j] = g[3 i + j]`), acting by `x ↦ R x`; composition is the matrix product `R_a R_b`, the inverse
/// the transpose. [`Group::sample`] draws a Haar-uniform rotation: a uniformly random unit quaternion (four
/// standard normals, normalised) converted to a matrix by [`So3::from_quaternion`]. Its orbit map is the norm,
/// [`So3::orbit_map`].
///
/// ```
/// use equistein::group::{Group, So3};
/// use equistein::real::norm;
/// let g = So3::new();
/// // A quarter turn about z takes e_x to e_y.
/// let r = So3::from_axis_angle([0.0, 0.0, 1.0], core::f64::consts::FRAC_PI_2);
/// let mut out = [0.0; 3];
/// g.act(&r, &[1.0, 0.0, 0.0], &mut out);
/// assert!((out[1] - 1.0).abs() < 1e-15 && out[0].abs() < 1e-15);
/// assert!((norm(&out) - 1.0).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct So3;

impl So3 {
    /// SO(3) acting on `R^3`.
    pub fn new() -> Self {
        So3
    }

    /// The invariant map `x ↦ ‖x‖`.
    pub fn orbit_map(&self) -> NormMap {
        NormMap::new(3)
    }

    /// The rotation of the unit quaternion `q = (w, x, y, z)` (normalised here; the zero quaternion gives the
    /// identity):
    /// `R = [[1−2(y²+z²), 2(xy−wz), 2(xz+wy)], [2(xy+wz), 1−2(x²+z²), 2(yz−wx)], [2(xz−wy), 2(yz+wx), 1−2(x²+y²)]]`.
    pub fn from_quaternion<T: Real>(q: [T; 4]) -> [T; 9] {
        let n = (q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]).sqrt();
        if n <= T::zero() || !n.is_finite() {
            return identity3();
        }
        let (w, x, y, z) = (q[0] / n, q[1] / n, q[2] / n, q[3] / n);
        let one = T::one();
        let two = T::c(2.0);
        [
            one - two * (y * y + z * z),
            two * (x * y - w * z),
            two * (x * z + w * y),
            two * (x * y + w * z),
            one - two * (x * x + z * z),
            two * (y * z - w * x),
            two * (x * z - w * y),
            two * (y * z + w * x),
            one - two * (x * x + y * y),
        ]
    }

    /// The rotation by `angle` (right-handed) about `axis` (normalised here; a zero axis gives the identity).
    pub fn from_axis_angle<T: Real>(axis: [T; 3], angle: T) -> [T; 9] {
        let n = (axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]).sqrt();
        if n <= T::zero() || !n.is_finite() {
            return identity3();
        }
        let (s, c) = (angle * T::c(0.5)).sin_cos();
        Self::from_quaternion([c, s * axis[0] / n, s * axis[1] / n, s * axis[2] / n])
    }
}

/// The 3 × 3 identity, row-major.
pub(crate) fn identity3<T: Real>() -> [T; 9] {
    let (o, z) = (T::one(), T::zero());
    [o, z, z, z, o, z, z, z, o]
}

/// A Haar-uniform rotation of `R^3` (row-major).
pub(crate) fn haar_rotation3<T: Real, R: RngCore + ?Sized>(rng: &mut R) -> [T; 9] {
    let mut q = [T::zero(); 4];
    loop {
        crate::random::fill_normal(rng, &mut q);
        if crate::real::norm(&q) > T::c(1e-6) {
            return So3::from_quaternion(q);
        }
    }
}

/// `out = A x` for a row-major `m × m` matrix `A` (`out` and `x` distinct).
pub(crate) fn mat_vec<T: Real>(a: &[T], x: &[T], out: &mut [T]) {
    let m = x.len();
    for (i, o) in out.iter_mut().enumerate().take(m) {
        *o = crate::real::dot(&a[i * m..(i + 1) * m], x);
    }
}

/// `A B` for row-major `m × m` matrices.
pub(crate) fn mat_mul<T: Real>(a: &[T], b: &[T], m: usize, out: &mut [T]) {
    for i in 0..m {
        for j in 0..m {
            let mut s = T::zero();
            for l in 0..m {
                s += a[i * m + l] * b[l * m + j];
            }
            out[i * m + j] = s;
        }
    }
}

/// The transpose of a row-major `m × m` matrix.
pub(crate) fn transpose<T: Real>(a: &[T], m: usize, out: &mut [T]) {
    for i in 0..m {
        for j in 0..m {
            out[j * m + i] = a[i * m + j];
        }
    }
}

impl<T: Real> Group<T> for So3 {
    type Element = [T; 9];

    fn dim(&self) -> usize {
        3
    }
    fn identity(&self) -> [T; 9] {
        identity3()
    }
    fn compose(&self, a: &[T; 9], b: &[T; 9]) -> [T; 9] {
        let mut out = [T::zero(); 9];
        mat_mul(a, b, 3, &mut out);
        out
    }
    fn inverse(&self, a: &[T; 9]) -> [T; 9] {
        let mut out = [T::zero(); 9];
        transpose(a, 3, &mut out);
        out
    }
    fn act(&self, g: &[T; 9], x: &[T], out: &mut [T]) {
        mat_vec(g, &x[..3], &mut out[..3]);
    }
    fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> [T; 9] {
        haar_rotation3(rng)
    }
}
