#!/usr/bin/env bash
# One RBF SVGD step side by side: NumPy, JAX (jit) and equistein, interleaved in one run, 2 threads each.
# Writes target/compare/results.json and target/compare/table.md (with this machine's GEMM / exp rates and the
# lower bound of every step). Usage: benches/compare/run.sh   (from anywhere; needs python3 and network for pip)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${CARGO_TARGET_DIR:-$root/target}/compare"
mkdir -p "$out"
venv="$out/venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet numpy jax threadpoolctl
fi
(cd "$root" && cargo build --quiet --release --features parallel --example compare_step)
binary="${CARGO_TARGET_DIR:-$root/target}/release/examples/compare_step"
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some machines) slow a current NumPy: unset for the peers.
# Two threads for everyone: BLAS / XLA / rayon.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 RAYON_NUM_THREADS=2 \
    XLA_FLAGS="--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads=2" \
    "$venv/bin/python" "$root/benches/compare/peers.py" "$binary" "$out"
echo "wrote $out/results.json and $out/table.md"
