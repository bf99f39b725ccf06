//! Arbitrary bytes as a `.npy` file through `read_npy` (via a scratch file), for row widths 0, 1, 3 and 8 into
//! f64 and 8 into f32. It must never panic; errors are fine.
#![no_main]

#[path = "common.rs"]
mod common;

use equistein_molecules::read_npy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch("npy", "npy", data);
    for dim in [0, 1, 3, 8] {
        if let Err(e) = read_npy::<f64>(&path, dim) {
            let _ = e.to_string();
        }
    }
    if let Err(e) = read_npy::<f32>(&path, 8) {
        let _ = e.to_string();
    }
});
