//! Arbitrary bytes as a raw little-endian f32 file through `read_raw_f32` (via a scratch file), for row widths
//! 0, 1, 2, 3 and 8 into f64 and 8 into f32. It must never panic; errors are fine.
#![no_main]

#[path = "common.rs"]
mod common;

use equistein_molecules::read_raw_f32;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch("raw_f32", "f32le", data);
    for dim in [0, 1, 2, 3, 8] {
        if let Err(e) = read_raw_f32::<f64>(&path, dim) {
            let _ = e.to_string();
        }
    }
    if let Err(e) = read_raw_f32::<f32>(&path, 8) {
        let _ = e.to_string();
    }
});
