#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each and fails (exit 1) on the first crash, hang or out-of-memory.
#
#     fuzz/run.sh SECONDS [TARGET...]     # from anywhere; default: every target
#
# Targets: `config` (package fuzz/, depends on equistein-cli and so builds candle) and the readers of
# fuzz/readers (xyz, xyz_gzip, idx, idx_gzip, npy, raw_f32, bonds; light crates only). Corpora live in
# fuzz/corpus/TARGET (gitignored; the readers' seeds are built by fuzz/make-corpus.sh when missing); the
# committed crashing inputs of fuzz/regressions/TARGET are replayed as a second corpus. Crashing inputs found
# go to fuzz/artifacts/TARGET/.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`) and a nightly toolchain, or RUSTC_BOOTSTRAP=1 on
# stable; without them it says so and exits 0. FUZZ_TOOLCHAIN overrides the toolchain (`+nightly` by default).
# FUZZ_PROFILE=dev builds the targets unoptimised (with overflow checks; about 2 instead of 11 minutes for the
# candle build of `config` on 2 cores): what CI uses for its short runs. The default is cargo-fuzz's release
# build, for the long runs by hand.
set -uo pipefail
if [[ $# -lt 1 || ! "$1" =~ ^[0-9]+$ ]]; then
    echo "usage: fuzz/run.sh SECONDS [TARGET...]" >&2
    exit 2
fi
SECONDS_EACH="$1"
shift
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

READERS=(xyz xyz_gzip idx idx_gzip npy raw_f32 bonds params)
ALL=(config "${READERS[@]}")
TARGETS=("$@")
[[ ${#TARGETS[@]} -eq 0 ]] && TARGETS=("${ALL[@]}")

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz/run.sh: cargo-fuzz is not installed (cargo install cargo-fuzz --locked); fuzzing SKIPPED"
    exit 0
fi
TOOLCHAIN="${FUZZ_TOOLCHAIN-+nightly}"
if [[ -n "$TOOLCHAIN" ]] && ! cargo "$TOOLCHAIN" --version >/dev/null 2>&1; then
    if [[ "${RUSTC_BOOTSTRAP:-}" == 1 ]]; then
        echo "fuzz/run.sh: no nightly toolchain; using the default toolchain with RUSTC_BOOTSTRAP=1"
        TOOLCHAIN=""
    else
        echo "fuzz/run.sh: no nightly toolchain (rustup toolchain install nightly, or set RUSTC_BOOTSTRAP=1); fuzzing SKIPPED"
        exit 0
    fi
fi
CARGO=(cargo)
[[ -n "$TOOLCHAIN" ]] && CARGO+=("$TOOLCHAIN")
PROFILE=()
case "${FUZZ_PROFILE:-release}" in
    dev) PROFILE=(--dev) ;;
    release) ;;
    *) echo "fuzz/run.sh: FUZZ_PROFILE must be dev or release" >&2; exit 2 ;;
esac

if [[ ! -d fuzz/corpus/xyz || ! -d fuzz/corpus/config ]]; then
    fuzz/make-corpus.sh || echo "fuzz/run.sh: make-corpus.sh failed; starting from empty corpora"
fi

failed=()
for t in "${TARGETS[@]}"; do
    case " ${READERS[*]} " in
        *" $t "*) dir=fuzz/readers ;;
        *) if [[ "$t" == config ]]; then dir=fuzz; else echo "fuzz/run.sh: unknown target $t" >&2; exit 2; fi ;;
    esac
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    corpora=("fuzz/corpus/$t")
    [[ -d "fuzz/regressions/$t" ]] && corpora+=("fuzz/regressions/$t")
    echo "== fuzz/run.sh: $t for ${SECONDS_EACH}s"
    log="fuzz/artifacts/$t/last-run.log"
    # One target folder for both packages, so that what they share (the core, molecules, vision) builds once.
    "${CARGO[@]}" fuzz run "${PROFILE[@]}" --fuzz-dir "$dir" --target-dir "$ROOT/fuzz/target" "$t" "${corpora[@]}" -- \
        -max_total_time="$SECONDS_EACH" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="fuzz/artifacts/$t/" 2>&1 | tee "$log" | grep -E '^(#[0-9]+\s+(INITED|DONE)|==[0-9]+==|SUMMARY|thread .* panicked|stat::|Error|error)' 
    rc=${PIPESTATUS[0]}
    if [[ $rc -ne 0 ]]; then
        echo "== fuzz/run.sh: $t FAILED (exit $rc); log: $log; crashing inputs: fuzz/artifacts/$t/"
        tail -40 "$log"
        failed+=("$t")
        rm -f /dev/shm/equistein-fuzz-"$t"-*
    else
        rm -f /dev/shm/equistein-fuzz-"$t"-*
        echo "== fuzz/run.sh: $t ok"
    fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz/run.sh: crashes in: ${failed[*]}"
    exit 1
fi
echo "fuzz/run.sh: every target ran ${SECONDS_EACH}s without a crash"
