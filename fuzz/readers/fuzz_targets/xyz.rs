//! Arbitrary bytes as plain XYZ text through `XyzReader::new` (in memory), every record read until the end or
//! the first error. It must never panic; errors are fine.
#![no_main]

use equistein_molecules::XyzReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for record in XyzReader::new(std::io::Cursor::new(data), "fuzz.xyz").take(4096) {
        match record {
            Ok(r) => {
                let _ = r.molecule.formula();
                let _ = r.property("name");
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
