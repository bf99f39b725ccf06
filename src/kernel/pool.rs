//! Per-thread pools of reusable buffers for the SIMD engines ([`super::sweep`], [`super::tiles`]), so that the
//! packed copies of the particles are not allocated (and page-faulted in) again at every SVGD step.

use crate::real::Real;
use alloc::vec::Vec;

/// Reusable buffers, one pool per thread and scalar type, so that the large packed operands are not
/// allocated (and page-faulted in) again at every step. A pool keeps at most eight buffers (a tiled step holds
/// eight at once on a thread that both packs and computes).
pub(crate) trait Pooled: Real {
    fn with_pool<R>(f: impl FnOnce(&mut Vec<Vec<Self>>) -> R) -> R;
}

std::thread_local! {
    static POOL_F64: core::cell::RefCell<Vec<Vec<f64>>> = const { core::cell::RefCell::new(Vec::new()) };
    static POOL_F32: core::cell::RefCell<Vec<Vec<f32>>> = const { core::cell::RefCell::new(Vec::new()) };
}

impl Pooled for f64 {
    fn with_pool<R>(f: impl FnOnce(&mut Vec<Vec<f64>>) -> R) -> R {
        POOL_F64.with(|p| f(&mut p.borrow_mut()))
    }
}

impl Pooled for f32 {
    fn with_pool<R>(f: impl FnOnce(&mut Vec<Vec<f32>>) -> R) -> R {
        POOL_F32.with(|p| f(&mut p.borrow_mut()))
    }
}

/// A buffer of `len` values from this thread's pool; its contents are unspecified (callers overwrite it).
pub(crate) fn take<U: Pooled>(len: usize) -> Vec<U> {
    let mut v = U::with_pool(|p| p.pop()).unwrap_or_default();
    v.truncate(len);
    v.resize(len, U::zero());
    v
}

/// Returns a buffer to this thread's pool.
pub(crate) fn give<U: Pooled>(v: Vec<U>) {
    U::with_pool(|p| {
        if p.len() < 8 {
            p.push(v);
        }
    });
}
