//! Shared by the tests that run the `equistein` binary.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the binary with `args` in `cwd` (with `CI=true`, so no progress bars) and returns what it did.
pub fn equistein(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_equistein"))
        .args(args)
        .current_dir(cwd)
        .env("CI", "true")
        .output()
        .expect("the binary runs")
}
