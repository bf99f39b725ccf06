#!/usr/bin/env python3
"""Checks that two result folders of the same runs are bit-identical apart from wall times (standard library only).

Usage: check_determinism.py OUT_A OUT_B EXPERIMENT...

For every experiment: metrics.json equal after removing the wall-time keys (WALL_TIME_KEYS, at any depth) and
the `resumes` counter (how often a run was resumed, which differs by design between a killed-and-resumed run and
an uninterrupted one); every other file of the result folder (samples_*.npy, samples_*.xyz, config.toml, the
pictures) equal byte for byte; every checkpoint of the experiment's folder `.EXPERIMENT.checkpoints` holding
the same tensors bit for bit and the same metadata less wall times; and both sides holding the same files. CI runs it on the quick presets run with RAYON_NUM_THREADS=2 and =1
(the same seed must give the same bits for any thread count), and the kill-and-resume test on a killed and
resumed run against an uninterrupted one.
"""
import json
import struct
import sys
from pathlib import Path

WALL_TIME_KEYS = {"seconds", "evaluation_seconds", "sampling_seconds", "svgd_step_ms"}
IGNORED_KEYS = WALL_TIME_KEYS | {"resumes"}


def strip(obj):
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in IGNORED_KEYS}
    if isinstance(obj, list):
        return [strip(v) for v in obj]
    return obj


def first_difference(a, b, where="metrics"):
    """The path of the first differing value of two JSON values, or None."""
    if type(a) is not type(b):
        return where
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{where} (keys {sorted(set(a) ^ set(b))})"
        for k in a:
            d = first_difference(a[k], b[k], f"{where}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{where} (lengths {len(a)} and {len(b)})"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{where}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{where}: {a!r} != {b!r}"


def safetensors_difference(a, b):
    """None when two safetensors files hold the same tensors (names, dtypes, shapes, bytes) and the same
    metadata apart from wall times (`*seconds`, `step_times`) and `resumes`; else what differs. The metadata
    map's order is not fixed by the format, so it is compared as a map."""
    parts = []
    for raw in (a, b):
        n = struct.unpack("<Q", raw[:8])[0]
        header = json.loads(raw[8:8 + n])
        meta = header.pop("__metadata__", {}) or {}
        meta = {k: v for k, v in meta.items()
                if not (k.endswith("seconds") or k.endswith("step_times") or k.endswith("resumes"))}
        tensors = {name: (t["dtype"], t["shape"], raw[8 + n + t["data_offsets"][0]:8 + n + t["data_offsets"][1]])
                   for name, t in header.items()}
        parts.append((meta, tensors))
    (ma, ta), (mb, tb) = parts
    if ta.keys() != tb.keys():
        return f"tensors {sorted(set(ta) ^ set(tb))}"
    for name in ta:
        if ta[name] != tb[name]:
            return f"tensor {name}"
    for k in sorted(set(ma) | set(mb)):
        if ma.get(k) != mb.get(k):
            return f"metadata {k}: {ma.get(k)!r} != {mb.get(k)!r}"
    return None


def files(folder):
    return {p.relative_to(folder): p for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else {}


def compare_folders(label, a, b, failures, skip=()):
    fa, fb = files(a), files(b)
    if set(fa) != set(fb):
        failures.append(f"{label}: files differ: {sorted(str(p) for p in set(fa) ^ set(fb))}")
    compared = 0
    for rel in sorted(set(fa) & set(fb)):
        if str(rel) in skip:
            continue
        compared += 1
        ba, bb = fa[rel].read_bytes(), fb[rel].read_bytes()
        if rel.suffix == ".safetensors":
            d = safetensors_difference(ba, bb)
            if d:
                failures.append(f"{label}/{rel}: {d}")
        elif ba != bb:
            failures.append(f"{label}/{rel}: the bytes differ")
    return compared


def main():
    a, b = Path(sys.argv[1]), Path(sys.argv[2])
    failures = []
    for exp in sys.argv[3:]:
        try:
            ma = json.loads((a / exp / "metrics.json").read_text())
            mb = json.loads((b / exp / "metrics.json").read_text())
        except (OSError, ValueError) as e:
            failures.append(f"{exp}: cannot read metrics.json: {e}")
            continue
        d = first_difference(strip(ma), strip(mb))
        if d:
            failures.append(f"{exp}: {d}")
        n = compare_folders(exp, a / exp, b / exp, failures, skip={"metrics.json"})
        c = compare_folders(f".{exp}.checkpoints", a / f".{exp}.checkpoints", b / f".{exp}.checkpoints", failures)
        print(f"{exp}: metrics.json (less wall times) and {n} files, {c} checkpoint files compared")
    if failures:
        for f in failures:
            print(f"FAIL {f}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
