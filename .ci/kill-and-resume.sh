#!/usr/bin/env bash
# Kill and resume: for every training experiment, the quick preset with a checkpoint every epoch is started,
# killed with SIGKILL as soon as its first checkpoint exists, and run again with --resume; its metrics (less wall
# times and the resume counter), samples, pictures and checkpoints must then be bit-identical to an uninterrupted
# run of the same command (.ci/check_determinism.py compares them). Fails if a run finished before it could be
# killed, since then nothing was tested.
#
#     [EQUISTEIN_BIN=PATH] .ci/kill-and-resume.sh [EXPERIMENT...]     # default: jem-c4 ebm-circles dw4 qm9 fashion-mnist
set -euo pipefail
cd "$(dirname "$0")/.."
# The binary: EQUISTEIN_BIN (.ci/run passes the one its test build made), or a fresh debug build.
bin="${EQUISTEIN_BIN:-}"
if [[ -z "$bin" ]]; then
    cargo build --quiet -p equistein-cli
    bin="${CARGO_TARGET_DIR:-target}/debug/equistein"
fi
experiments=("$@")
[[ ${#experiments[@]} -eq 0 ]] && experiments=(jem-c4 ebm-circles dw4 qm9 fashion-mnist)
root=target/ci-kill
rm -rf "$root"
for e in "${experiments[@]}"; do
    # Two epochs at least, a checkpoint after each, so that the kill lands inside a training.
    sets=(--set checkpoint_every=1 --set epochs=4)
    whole="$root/whole"
    killed="$root/killed"
    CI=true "$bin" run "$e" --preset quick --out "$whole" "${sets[@]}" 2>/dev/null
    CI=true "$bin" run "$e" --preset quick --out "$killed" "${sets[@]}" 2>/dev/null &
    pid=$!
    checkpoints="$killed/.$e.checkpoints"
    while kill -0 "$pid" 2>/dev/null && ! compgen -G "$checkpoints/*.safetensors" >/dev/null; do
        sleep 0.01
    done
    if ! kill -9 "$pid" 2>/dev/null; then
        echo "kill-and-resume: $e finished before its first checkpoint could be killed; nothing was tested" >&2
        exit 1
    fi
    wait "$pid" 2>/dev/null || true
    if [[ -e "$killed/$e" ]]; then
        echo "kill-and-resume: $e: the killed run left a result folder" >&2
        exit 1
    fi
    echo "$e: killed after $(ls "$checkpoints" | tr '\n' ' ')"
    CI=true "$bin" run "$e" --preset quick --out "$killed" "${sets[@]}" --resume 2>/dev/null
    if compgen -G "$killed/.$e.tmp-*" >/dev/null; then
        echo "kill-and-resume: $e: the killed run's temporary folder was not cleared" >&2
        exit 1
    fi
    python3 .ci/check_determinism.py "$whole" "$killed" "$e"
    resumes=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(sum(r.get('resumes', 0) for r in m['runs'].values()))" "$killed/$e/metrics.json")
    echo "$e: resumed $resumes time(s)"
    rm -rf "$whole" "$killed"
done
echo "kill-and-resume: ${experiments[*]}: equal to the uninterrupted runs"
