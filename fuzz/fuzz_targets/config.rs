//! Arbitrary bytes, read as UTF-8 TOML, through the configuration resolution of every experiment: as a
//! `--config` file, and line by line as `--set key=value` assignments. It must never panic, and every error
//! must be one line.
#![no_main]

use equistein_cli::config::{parse_for_all, resolve, ExperimentName, Overrides, Preset};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for r in parse_for_all(text) {
        if let Err(e) = r {
            assert!(!e.message.contains('\n'));
        }
    }
    let sets: Vec<String> = text.lines().take(16).map(str::to_owned).collect();
    for exp in ExperimentName::ALL {
        if let Err(e) = resolve(exp, Preset::Quick, &Overrides { file: None, sets: &sets }) {
            assert!(!e.message.contains('\n'));
        }
    }
});
