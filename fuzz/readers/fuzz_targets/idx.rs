//! Arbitrary bytes as a raw IDX file through `parse_idx` (in memory), as labels (1 dimension) and as images
//! (3 dimensions), under a small size limit. It must never panic; errors are fine. (Inputs starting with the
//! gzip magic take the gzip path; `idx_gzip` fuzzes that one.)
#![no_main]

use equistein_vision::idx::{parse_idx, IdxLimits};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let limits = IdxLimits {
        max_data_bytes: 1 << 20,
    };
    for ndims in [1, 3, data.first().copied().unwrap_or(0)] {
        match parse_idx(data, ndims, Path::new("fuzz.idx"), limits) {
            Ok(a) => assert_eq!(a.dims.iter().product::<usize>(), a.data.len()),
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
