//! The scalar types (f32, f64) shared by the core and candle, and error conversion.

use candle_core::WithDType;
use equistein::{Error, Real};

/// A scalar both the core ([`Real`]) and candle ([`WithDType`]) understand: `f32` or `f64`.
pub trait Float: Real + WithDType {}

impl Float for f32 {}
impl Float for f64 {}

/// Converts a candle error into the core's [`Error::Energy`].
pub fn candle_err(e: candle_core::Error) -> Error {
    Error::Energy(format!("candle: {e}"))
}
