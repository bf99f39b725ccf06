#!/usr/bin/env bash
# A crate outside the workspace, depending only on `equistein` and `equistein-testing` by path, checks a
# user-defined group, orbit map, kernel and energy with the kit in a test of under 20 lines, and `cargo test`
# runs it. The user's pieces (a group, an orbit map, an energy) live beside the test in tests/pieces/; the test
# itself is tests/laws.rs. Builds go to the project's target/ (or CARGO_TARGET_DIR), in the default dev profile of
# the crate's own workspace, so its few dependencies are built afresh (about a minute on 2 cores). The lock file starts as the project's and is
# resolved against the registry (reachable in CI); USER_CRATE_OFFLINE=1 adds --offline, which works only when
# the registry cache already holds every crate. Run from anywhere.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

mkdir -p "$dir/src" "$dir/tests/pieces"
cat > "$dir/Cargo.toml" <<TOML
[package]
name = "my-symmetries"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
equistein = { path = "$root" }

[dev-dependencies]
equistein-testing = { path = "$root/plugins/testing" }

# The workspace's dev profile, so that its builds in the shared target folder are reused.
[profile.dev]
opt-level = 1

[profile.dev.package."*"]
opt-level = 2
TOML
echo '//! A user crate: its symmetric pieces are tested in tests/.' > "$dir/src/lib.rs"

# The user's pieces: the flip group Z2 = {±1} acting on R^2 by x ↦ ±x, its orbit map x ↦ (x₀², x₀x₁, x₁²),
# and the energy E(x) = (‖x‖² − 1)² with the RBF kernel over the orbit map.
cat > "$dir/tests/pieces/mod.rs" <<'RUST'
use equistein::{FiniteGroup, Group, OrbitMap};
use equistein_testing::rand_core::RngCore;

#[derive(Debug, Clone, Copy)]
pub struct Flip;

impl Group<f64> for Flip {
    type Element = bool;
    fn dim(&self) -> usize { 2 }
    fn identity(&self) -> bool { false }
    fn compose(&self, a: &bool, b: &bool) -> bool { a ^ b }
    fn inverse(&self, a: &bool) -> bool { *a }
    fn act(&self, g: &bool, x: &[f64], out: &mut [f64]) {
        let s = if *g { -1.0 } else { 1.0 };
        out[0] = s * x[0];
        out[1] = s * x[1];
    }
    fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> bool { rng.next_u32() & 1 == 1 }
}

impl FiniteGroup<f64> for Flip {
    fn elements(&self) -> Vec<bool> { vec![false, true] }
}

#[derive(Debug, Clone, Copy)]
pub struct Squares;

impl OrbitMap<f64> for Squares {
    fn input_dim(&self) -> usize { 2 }
    fn output_dim(&self) -> usize { 3 }
    fn map(&self, x: &[f64], out: &mut [f64]) {
        out.copy_from_slice(&[x[0] * x[0], x[0] * x[1], x[1] * x[1]]);
    }
    fn vjp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        out[0] = 2.0 * x[0] * v[0] + x[1] * v[1];
        out[1] = x[0] * v[1] + 2.0 * x[1] * v[2];
    }
}

pub fn ring(x: &[f64], g: &mut [f64]) -> f64 {
    let r2 = x[0] * x[0] + x[1] * x[1];
    g[0] = 4.0 * (r2 - 1.0) * x[0];
    g[1] = 4.0 * (r2 - 1.0) * x[1];
    (r2 - 1.0).powi(2)
}
RUST

# The test: under 20 lines.
cat > "$dir/tests/laws.rs" <<'RUST'
use equistein::kernel::{InvariantMap, Rbf};
use equistein::EnergyFn;
use equistein_testing::*;
mod pieces;
use pieces::{ring, Flip, Squares};

#[test]
fn my_pieces_obey_the_laws() {
    finite_group_laws!(Flip);
    orbit_map_laws!(Squares, Flip);
    let kernel = InvariantMap::new(Squares, Rbf::fixed(1.0).unwrap());
    invariant_kernel_laws!(kernel, Flip);
    let energy = EnergyFn::new(2, |x: &[f64]| ring(x, &mut [0.0; 2]), ring);
    energy_laws!(energy, Flip);
    svgd_laws!(kernel, energy, Flip);
}
RUST
lines=$(wc -l < "$dir/tests/laws.rs")
if [ "$lines" -ge 20 ]; then
    echo "the user's test has $lines lines, not under 20" >&2
    exit 1
fi

offline=()
if [ "${USER_CRATE_OFFLINE:-0}" = 1 ]; then offline=(--offline); fi
# Start from the project's lock file so the user crate resolves to the versions the project is tested with.
cp "$root/Cargo.lock" "$dir/Cargo.lock"
cd "$dir"
cargo test "${offline[@]}" --quiet
echo "user crate: the kit checked a user-defined group, orbit map, kernel and energy ($lines-line test)"
