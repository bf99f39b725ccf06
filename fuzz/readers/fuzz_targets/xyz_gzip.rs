//! XYZ through the file path `XyzReader::open`, which detects gzip from the magic bytes `1f 8b`: the input as
//! the file itself (seeded with gzip files, so mutations give corrupt, truncated and concatenated streams),
//! then the input gzip-compressed (a valid stream of arbitrary text). It must never panic; errors are fine.
#![no_main]

#[path = "common.rs"]
mod common;

use equistein_molecules::XyzReader;
use libfuzzer_sys::fuzz_target;

fn read_all(path: &std::path::Path) {
    match XyzReader::open(path) {
        Ok(reader) => {
            for record in reader.take(4096) {
                match record {
                    Ok(r) => {
                        let _ = r.molecule.formula();
                    }
                    Err(e) => {
                        let _ = e.to_string();
                    }
                }
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    read_all(&common::scratch("xyz_gzip", "xyz.gz", data));
    read_all(&common::scratch("xyz_gzip", "xyz.gz", &common::gzip(data)));
});
