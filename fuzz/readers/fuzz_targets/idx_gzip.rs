//! IDX through the gzip path: the input as the stream itself via the file reader `read_idx_with` (seeded with
//! small gzip IDX files, so mutations give corrupt and truncated streams), then the input gzip-compressed via
//! the in-memory `parse_idx`; labels (1 dimension) and images (3), under a small size limit. It must never
//! panic; errors are fine.
#![no_main]

#[path = "common.rs"]
mod common;

use equistein_vision::idx::{parse_idx, read_idx_with, IdxLimits};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let limits = IdxLimits {
        max_data_bytes: 1 << 20,
    };
    let path = common::scratch("idx_gzip", "idx.gz", data);
    let packed = common::gzip(data);
    for ndims in [1, 3] {
        for r in [
            read_idx_with(&path, ndims, limits),
            parse_idx(&packed, ndims, Path::new("fuzz.idx.gz"), limits),
        ] {
            match r {
                Ok(a) => assert_eq!(a.dims.iter().product::<usize>(), a.data.len()),
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }
    }
});
