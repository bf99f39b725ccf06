//! Typical bond lengths (Å) of single, double and triple bonds between H, C, N, O, F, from standard tables of
//! organic bond lengths (rounded to 0.01 Å). `None` where the order does not occur between the pair.

use crate::element::Element::{self, *};

/// The typical length of a bond of `order` (1, 2 or 3) between `a` and `b`.
pub fn typical_length(a: Element, b: Element, order: u8) -> Option<f64> {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    let [single, double, triple]: [Option<f64>; 3] = match (a, b) {
        (H, H) => [Some(0.74), None, None],
        (H, C) => [Some(1.09), None, None],
        (H, N) => [Some(1.01), None, None],
        (H, O) => [Some(0.96), None, None],
        (H, F) => [Some(0.92), None, None],
        (C, C) => [Some(1.53), Some(1.34), Some(1.20)],
        (C, N) => [Some(1.47), Some(1.28), Some(1.16)],
        (C, O) => [Some(1.43), Some(1.21), Some(1.13)],
        (C, F) => [Some(1.35), None, None],
        (N, N) => [Some(1.45), Some(1.25), Some(1.10)],
        (N, O) => [Some(1.40), Some(1.21), None],
        (N, F) => [Some(1.36), None, None],
        (O, O) => [Some(1.48), Some(1.21), None],
        (O, F) => [Some(1.42), None, None],
        (F, F) => [Some(1.42), None, None],
        _ => [None, None, None],
    };
    match order {
        1 => single,
        2 => double,
        3 => triple,
        _ => None,
    }
}
