#!/usr/bin/env bash
# One RBF SVGD step side by side: NumPy, JAX (jit) and equistein, interleaved in one run, 2 threads each.
# Writes target/compare/results.json and target/compare/table.md (with this machine's GEMM / exp rates and the
# lower bound of every step). Usage: benches/compare/run.sh   (from anywhere; needs python3 and network for pip)
#
# `benches/compare/run.sh steerable` runs only the FashionMNIST networks' comparison instead: the C4-steerable CNN
# and the plain CNN of equistein-candle against PyTorch + e2cnn (energy + grad_x of 128 and 64 images, one JEM
# training step of 128), interleaved in one run, 2 threads each (steerable.py); writes target/compare/steerable.json.
# Its venv (target/compare/venv-steerable) holds the pinned versions below; PyPI's torch wheel is the CUDA build
# (several GB with its nvidia-* dependencies), run here on the CPU.
#
# `benches/compare/run.sh egnn` runs only the EGNN energy's comparison: equistein-candle's EGNN (64 x 4 layers,
# C5H8O) against a PyTorch EGNN of the same architecture (energy + grad_x of 32 molecules, energies only, one CD
# training step of 16 + 16), interleaved in one run, 2 threads each (egnn.py); writes target/compare/egnn.json.
# It shares the steerable comparison's venv (the same pins; only torch is used).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${CARGO_TARGET_DIR:-$root/target}/compare"
mkdir -p "$out"
torch_venv() {
    pins="torch==2.15.0 e2cnn==0.2.3 numpy==2.4.6 scipy==1.17.1 sympy==1.14.0"
    venv="$out/venv-steerable"
    if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/pins" 2>/dev/null)" != "$pins" ]; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --upgrade pip
        # shellcheck disable=SC2086
        "$venv/bin/pip" install --quiet $pins
        echo "$pins" > "$venv/pins"
    fi
}
if [ "${1:-}" = "egnn" ]; then
    torch_venv
    (cd "$root" && cargo build --quiet --release -p equistein-candle --example compare_egnn)
    binary="${CARGO_TARGET_DIR:-$root/target}/release/examples/compare_egnn"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 RAYON_NUM_THREADS=2 \
        COMPARE_RUSTC="$(rustc --version)" \
        "$venv/bin/python" "$root/benches/compare/egnn.py" "$binary" "$out"
    echo "wrote $out/egnn.json"
    exit 0
elif [ "${1:-}" = "steerable" ]; then
    torch_venv
    (cd "$root" && cargo build --quiet --release -p equistein-candle --example compare_steerable)
    binary="${CARGO_TARGET_DIR:-$root/target}/release/examples/compare_steerable"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 RAYON_NUM_THREADS=2 \
        COMPARE_RUSTC="$(rustc --version)" \
        "$venv/bin/python" "$root/benches/compare/steerable.py" "$binary" "$out"
    echo "wrote $out/steerable.json"
    exit 0
elif [ "$#" -gt 0 ]; then
    echo "usage: $0 [steerable | egnn]" >&2
    exit 2
fi
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
