#!/usr/bin/env python3
"""Checks the content of each experiment's metrics.json (standard library only).

Usage: check_metrics.py OUT EXPERIMENT...

For every experiment: the top-level keys; every sampler run the resolved config.toml asks for is present;
every number is finite; fractions sum to 1; spread ratios are positive. For circles and spheres, the point of
the toy: `esvgd-scalar`'s spread ratio exceeds `svgd`'s on every ring. For sample-efficiency: curves that start
at step 0 and end at the last step. For robustness: one final value per repeat and ordered quartiles. For
the DW-4 experiments: one run per combination (and bandwidth), state shares that sum to 1 with counts that add
up, distances in [0, 1], energies in the potential's range, the samples' .npy file with the counted rows, and a
reference whose distances to itself are 0. For fashion-mnist: accuracies in [0, 1], the steerable combinations'
predictions unchanged by rotations, the pictures present and non-empty. For every experiment: each run's
final particles in `samples_RUN.npy`, an (N, d) float array of finite values whose size matches its header.
"""
import json
import math
import re
import struct
import sys
import tomllib
from pathlib import Path

FAILURES = []


def fail(msg):
    FAILURES.append(msg)


def finite(where, v):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        fail(f"{where}: not a finite number: {v!r}")
        return False
    return True


def all_numbers_finite(where, obj):
    """Every number anywhere in obj is finite (null is allowed only for an empty ring's spread)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            all_numbers_finite(f"{where}.{k}", v)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            if v is None and (".spread" in where):
                continue
            all_numbers_finite(f"{where}[{i}]", v)
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        finite(where, obj)


def sums_to_one(where, xs):
    if not isinstance(xs, list) or not xs:
        fail(f"{where}: missing or empty")
        return
    if all(finite(where, x) for x in xs) and abs(sum(xs) - 1.0) > 1e-9:
        fail(f"{where}: sums to {sum(xs)}, not 1")


def common_run_keys(where, run):
    for key in ("mean_log_prob", "ksd", "mmd", "steps", "seconds"):
        if key not in run:
            fail(f"{where}: missing `{key}`")


def stem(name):
    """The file-name form of a run's name, as the CLI's `samples_out::file_stem`."""
    name = name.replace("+", "-").replace(" ", "_").replace("=", "")
    return "".join(c for c in name if c.isascii() and (c.isalnum() or c in "._-"))


def check_npy(where, npy, rows=None, cols=None, dtype=None):
    """A `.npy` file of shape (rows, cols) (any, where None), dtype <f4 or <f8, C order, whose data has exactly
    the bytes the header declares and only finite values; returns (rows, cols) or None."""
    try:
        raw = npy.read_bytes()
    except OSError as e:
        fail(f"{where}: cannot read {npy}: {e}")
        return None
    if raw[:6] != b"\x93NUMPY":
        fail(f"{npy}: not an .npy file")
        return None
    header_len = int.from_bytes(raw[8:10], "little")
    header = raw[10:10 + header_len].decode("latin1")
    shape = re.search(r"'shape': \((\d+), *(\d+),? *\)", header)
    kind = re.search(r"'descr': '(<f[48])'", header)
    if not shape or not kind or "'fortran_order': False" not in header:
        fail(f"{npy}: header {header.strip()!r} is not a C-order (N, d) <f4 or <f8 array")
        return None
    n, d = int(shape.group(1)), int(shape.group(2))
    width = 4 if kind.group(1) == "<f4" else 8
    if (rows is not None and n != rows) or (cols is not None and d != cols) or (dtype and kind.group(1) != dtype):
        fail(f"{npy}: header {header.strip()!r}, expected ({rows}, {cols}) {dtype}")
    data = raw[10 + header_len:]
    if len(data) != n * d * width:
        fail(f"{npy}: {len(data)} data bytes, expected {n * d * width}")
        return None
    if n == 0:
        fail(f"{npy}: no samples")
    values = struct.unpack(f"<{n * d}{'f' if width == 4 else 'd'}", data)
    if not all(math.isfinite(v) for v in values):
        fail(f"{npy}: non-finite values")
    return n, d


def check_samples(exp, m, d, dims):
    """Every run of metrics.json (not the reference row) has its final particles in samples_RUN.npy with
    `dims` columns."""
    for name in m["runs"]:
        if name == "reference":
            continue
        check_npy(f"{exp}.runs.{name}", d / f"samples_{stem(name)}.npy", cols=dims)


def check_toy(exp, m, cfg):
    samplers = cfg["samplers"]
    runs = m["runs"]
    if sorted(runs) != sorted(samplers):
        fail(f"{exp}: runs {sorted(runs)} != configured samplers {sorted(samplers)}")
    radial = exp in ("circles", "spheres")
    frac_key = "ring_fractions" if radial else "mode_fractions"
    n_parts = len(cfg["target"]["radii"]) if radial else cfg["target"]["n_components"]
    for name, run in list(runs.items()) + [("reference", m["reference"])]:
        where = f"{exp}.{name}"
        if name != "reference":
            common_run_keys(where, run)
            if run.get("steps") != cfg["steps"]:
                fail(f"{where}: steps {run.get('steps')} != {cfg['steps']}")
        fr = run.get(frac_key)
        sums_to_one(f"{where}.{frac_key}", fr)
        if isinstance(fr, list) and len(fr) != n_parts:
            fail(f"{where}.{frac_key}: {len(fr)} entries, expected {n_parts}")
        ratio = run.get("spread_ratio")
        if radial:
            if not isinstance(ratio, list) or len(ratio) != n_parts:
                fail(f"{where}.spread_ratio: expected {n_parts} values, got {ratio!r}")
        else:
            if not isinstance(ratio, dict) or set(ratio) != {"radial", "tangential"}:
                fail(f"{where}.spread_ratio: expected radial and tangential, got {ratio!r}")
            elif not all(finite(where, v) and v > 0 for v in ratio.values()):
                fail(f"{where}.spread_ratio: not positive: {ratio!r}")
    ref = m["reference"]
    for key in ("true_spread", "true_mean_log_prob", "truth_samples"):
        if key not in ref:
            fail(f"{exp}.reference: missing `{key}`")
    if radial:
        sums_to_one(f"{exp}.reference.ring_masses", ref.get("ring_masses"))
        if "svgd" in runs and "esvgd-scalar" in runs:
            for k, (e, s) in enumerate(zip(runs["esvgd-scalar"]["spread_ratio"], runs["svgd"]["spread_ratio"])):
                if e is None or s is None or not e > s:
                    fail(f"{exp}: ring {k}: esvgd-scalar spread ratio {e} does not exceed svgd's {s}")


def check_sample_efficiency(m, cfg):
    expected = []
    for s in cfg["samplers"]:
        if s == "svgd":
            expected += [f"svgd-n{cfg['particles'] * k}" for k in cfg["svgd_multipliers"]]
        else:
            expected.append(f"{s}-n{cfg['particles']}")
    if sorted(m["runs"]) != sorted(expected):
        fail(f"sample-efficiency: runs {sorted(m['runs'])} != {sorted(expected)}")
    finite("sample-efficiency.reference.mean_log_prob", m["reference"].get("mean_log_prob"))
    for name, run in m["runs"].items():
        common_run_keys(f"sample-efficiency.{name}", run)
        curve = run.get("curve") or []
        if not curve or curve[0][0] != 0 or curve[-1][0] != cfg["steps"]:
            fail(f"sample-efficiency.{name}: curve must run from step 0 to {cfg['steps']}")
        steps = [p[0] for p in curve]
        if steps != sorted(steps):
            fail(f"sample-efficiency.{name}: curve steps not increasing")


def check_robustness(m, cfg):
    if sorted(m["runs"]) != sorted(cfg["samplers"]):
        fail(f"robustness: runs {sorted(m['runs'])} != {sorted(cfg['samplers'])}")
    finite("robustness.reference.true_mean_log_prob", m["reference"].get("true_mean_log_prob"))
    if len(m["reference"].get("starts", [])) != cfg["repeats"]:
        fail("robustness: one start per repeat expected")
    for name, run in m["runs"].items():
        common_run_keys(f"robustness.{name}", run)
        finals = run.get("final_mean_log_prob", [])
        if len(finals) != cfg["repeats"]:
            fail(f"robustness.{name}: {len(finals)} final values, expected {cfg['repeats']}")
        if not run.get("q1", 1) <= run.get("median", 0) <= run.get("q3", -1):
            fail(f"robustness.{name}: quartiles out of order")


def check_ebm(exp, m, cfg):
    """jem-c4 / ebm-circles: one run per configured combination with the issue's keys."""
    if sorted(m["runs"]) != sorted(cfg["combinations"]):
        fail(f"{exp}: runs {sorted(m['runs'])} != configured combinations {sorted(cfg['combinations'])}")
    jem = exp == "jem-c4"
    frac_key, n_parts = ("mode_fractions", 8) if jem else ("ring_fractions", 2)
    keys = ["samples", frac_key, "spread_ratio", "mmd", "energy_spearman", "seconds", "svgd_step_ms"]
    if jem:
        keys += ["train_accuracy", "test_accuracy", "rotated_test_accuracy", "test_cross_entropy"]
    for name, run in m["runs"].items():
        where = f"{exp}.{name}"
        for key in keys:
            if key not in run:
                fail(f"{where}: missing `{key}`")
        fr = run.get(frac_key)
        sums_to_one(f"{where}.{frac_key}", fr)
        if isinstance(fr, list) and len(fr) != n_parts:
            fail(f"{where}.{frac_key}: {len(fr)} entries, expected {n_parts}")
        if run.get("samples", 0) < min(1000, cfg["evaluation"]["samples"]):
            fail(f"{where}: {run.get('samples')} samples, fewer than configured")
        for key in ("train_accuracy", "test_accuracy", "rotated_test_accuracy"):
            v = run.get(key)
            if jem and not (isinstance(v, (int, float)) and 0 <= v <= 1):
                fail(f"{where}.{key}: not in [0, 1]: {v!r}")
        if not -1 <= run.get("energy_spearman", 2) <= 1:
            fail(f"{where}.energy_spearman: not in [-1, 1]")
        if not run.get("svgd_step_ms", 0) > 0:
            fail(f"{where}.svgd_step_ms: not positive")
    sums_to_one(f"{exp}.reference.fractions", m["reference"].get("fractions"))


def check_dw4(exp, m, cfg, d):
    """dw4 / dw4-boltzmann / dw4-kohler."""
    hs = cfg["evaluation"]["bandwidths"]
    expected = sorted(f"{c} h={h:g}" if len(hs) > 1 else c for c in cfg["combinations"] for h in (hs or [0]))
    got = sorted(m["runs"])
    if len(got) != len(expected) or any(not g.startswith(e.split(" ")[0]) for g, e in zip(got, expected)):
        fail(f"{exp}: runs {got} != expected {expected}")
    rows = [("reference", m["reference"])] + list(m["runs"].items())
    for name, r in rows:
        where = f"{exp}.{name}"
        for key in ("state_shares", "state_counts", "states_found", "state_tv", "energy_tv", "distance_tv",
                    "mean_energy", "samples"):
            if key not in r:
                fail(f"{where}: missing `{key}`")
                return
        sums_to_one(f"{where}.state_shares", r["state_shares"])
        if len(r["state_shares"]) != 6:
            fail(f"{where}.state_shares: {len(r['state_shares'])} entries, expected 6")
        found = sum(1 for c in r["state_counts"] if c > 0)
        if found != r["states_found"]:
            fail(f"{where}: states_found {r['states_found']} but {found} states have samples")
        n = r["samples"]
        if abs(sum(r["state_counts"]) / max(n, 1) - sum(r["state_shares"][:5])) > 1e-9:
            fail(f"{where}: state counts do not match the shares")
        for key in ("state_tv", "energy_tv", "distance_tv"):
            if not 0 <= r[key] <= 1:
                fail(f"{where}.{key}: not in [0, 1]: {r[key]}")
        if not -26.0 < r["mean_energy"] < 1e6:
            fail(f"{where}.mean_energy: {r['mean_energy']} below the potential's minimum")
        if name == "reference":
            if r["state_tv"] != 0 or r["energy_tv"] != 0 or r["distance_tv"] != 0:
                fail(f"{where}: distances of the reference to itself are not 0")
            continue
        if n + r.get("non_finite", 0) < cfg["evaluation"]["samples"]:
            fail(f"{where}: {n} samples, fewer than configured")
        if not r.get("svgd_step_ms", 0) > 0:
            fail(f"{where}.svgd_step_ms: not positive")
        check_npy(where, d / f"samples_{stem(name)}.npy", rows=n, cols=8, dtype="<f4")


def check_fashion_mnist(m, cfg, d):
    """fashion-mnist: one run per configured combination; accuracies in [0, 1]; the steerable combinations
    classify every rotated test image as its upright original; the sample grids and the bar chart exist."""
    exp = "fashion-mnist"
    if sorted(m["runs"]) != sorted(cfg["combinations"]):
        fail(f"{exp}: runs {sorted(m['runs'])} != configured combinations {sorted(cfg['combinations'])}")
    unit_keys = ("test_accuracy", "rotated_test_accuracy", "train_accuracy", "predictions_equal",
                 "samples_classified_as_their_class")
    for name, run in m["runs"].items():
        where = f"{exp}.{name}"
        for key in unit_keys + ("test_cross_entropy", "rotated_test_cross_entropy", "per_class_accuracy",
                                "rotated_per_class_accuracy", "seconds", "svgd_step_ms", "svgd_steps",
                                "minibatches", "samples"):
            if key not in run:
                fail(f"{where}: missing `{key}`")
                return
        for key in unit_keys:
            if not 0 <= run[key] <= 1:
                fail(f"{where}.{key}: not in [0, 1]: {run[key]!r}")
        for key in ("per_class_accuracy", "rotated_per_class_accuracy"):
            per = run[key]
            if len(per) != 10 or not all(0 <= v <= 1 for v in per):
                fail(f"{where}.{key}: not 10 values in [0, 1]: {per!r}")
        for key in ("test_cross_entropy", "rotated_test_cross_entropy"):
            if not run[key] > 0:
                fail(f"{where}.{key}: not positive")
        if not run["svgd_step_ms"] > 0:
            fail(f"{where}.svgd_step_ms: not positive")
        if name.startswith("eebm+"):
            if run["predictions_equal"] != 1:
                fail(f"{where}: predictions_equal {run['predictions_equal']} != 1 for a C4-invariant model")
            if run["rotated_test_accuracy"] != run["test_accuracy"]:
                fail(f"{where}: rotated accuracy differs from upright accuracy")
        if run["samples"] != 10 * cfg["evaluation"]["samples_per_class"]:
            fail(f"{where}: {run['samples']} samples, not 10 x samples_per_class")
        png = d / f"samples_{name.replace('+', '-')}.png"
        if not png.is_file() or png.stat().st_size == 0:
            fail(f"{where}: {png} missing or empty")
    png = d / "accuracy.png"
    if not png.is_file() or png.stat().st_size == 0:
        fail(f"{exp}: {png} missing or empty")


def check_qm9(m, cfg, d):
    """qm9: one run per configured combination; the reference row (QM9's own training geometries) is valid and
    gives all 35 training isomers back under our estimator; every estimator's metrics are counts and shares
    that agree with each other; the generated molecules are written as XYZ (one record per sample) and npy."""
    exp = "qm9"
    ref = m["reference"]
    ours = ref["metrics"]["ours"]
    if (ours["valid"], ours["train_recovered"], ref["isomers_train"], ref["isomers_held_out"]) != (35, 35, 35, 13):
        fail(f"{exp}.reference: our estimator on the training geometries gives {ours['valid']} valid, "
             f"{ours['train_recovered']} recovered (want 35, 35; isomers 35 + 13)")
    if sorted(m["runs"]) != sorted(cfg["combinations"]):
        fail(f"{exp}: runs {sorted(m['runs'])} != configured combinations {sorted(cfg['combinations'])}")
    n = cfg["evaluation"]["samples"]
    for name, run in m["runs"].items():
        where = f"{exp}.{name}"
        for key in ("metrics", "svgd_step_ms", "seconds", "epochs_run", "evaluation", "mean_energy"):
            if key not in run:
                fail(f"{where}: missing `{key}`")
                return
        for est in ("ours", "paper", "paper-released"):
            e = run["metrics"].get(est)
            if e is None:
                fail(f"{where}: no metrics for estimator {est}")
                continue
            w = f"{where}.{est}"
            if e["molecules"] != n:
                fail(f"{w}: {e['molecules']} molecules, configured {n}")
            for key in ("validity", "atom_stability", "uniqueness"):
                if not 0 <= e[key] <= 1:
                    fail(f"{w}.{key}: not in [0, 1]: {e[key]!r}")
            if abs(e["validity"] - e["valid"] / n) > 1e-12:
                fail(f"{w}: validity {e['validity']} != valid / molecules")
            if not e["unique"] <= e["valid"] or not e["train_recovered"] <= 35 or not e["held_out_found"] <= 13:
                fail(f"{w}: counts out of range: {e}")
            if e["train_recovered"] != len(e["train_recovered_names"]):
                fail(f"{w}: train_recovered does not match its names")
        if run["epochs_run"] != cfg["epochs"]:
            fail(f"{where}: {run['epochs_run']} epochs, configured {cfg['epochs']}")
        if not run["svgd_step_ms"] > 0:
            fail(f"{where}.svgd_step_ms: not positive")
        stem = name.replace("+", "-")
        xyz = d / f"samples_{stem}.xyz"
        if not xyz.is_file():
            fail(f"{where}: {xyz} missing")
        else:
            lines = xyz.read_text().splitlines()
            records = sum(1 for i, l in enumerate(lines) if l.strip() == "14" and i + 1 < len(lines)
                          and lines[i + 1].startswith("combination="))
            if records != n - run["non_finite"]:
                fail(f"{where}: {records} XYZ records, want {n - run['non_finite']}")
        for f in (f"samples_{stem}.npy", f"molecules_{stem}.png"):
            if not (d / f).is_file() or (d / f).stat().st_size == 0:
                fail(f"{where}: {f} missing or empty")


def main():
    out = Path(sys.argv[1])
    for exp in sys.argv[2:]:
        d = out / exp
        try:
            m = json.loads((d / "metrics.json").read_text())
            cfg = tomllib.loads((d / "config.toml").read_text())
        except (OSError, ValueError) as e:
            fail(f"{exp}: cannot read the results: {e}")
            continue
        for key in ("experiment", "seed", "preset", "reference", "runs"):
            if key not in m:
                fail(f"{exp}: missing top-level `{key}`")
        if FAILURES:
            continue
        if m["experiment"] != exp:
            fail(f"{exp}: metrics say experiment {m['experiment']!r}")
        all_numbers_finite(exp, m)
        dims = {"c4-gaussians": 2, "circles": 2, "spheres": 3, "jem-c4": 2, "ebm-circles": 2,
                "fashion-mnist": 784, "qm9": 42}
        if exp in ("sample-efficiency", "robustness"):
            dims[exp] = 3 if cfg.get("target") == "spheres" else 2
        check_samples(exp, m, d, dims.get(exp, 8))
        if exp in ("c4-gaussians", "circles", "spheres"):
            check_toy(exp, m, cfg)
        elif exp == "sample-efficiency":
            check_sample_efficiency(m, cfg)
        elif exp == "robustness":
            check_robustness(m, cfg)
        elif exp in ("jem-c4", "ebm-circles"):
            check_ebm(exp, m, cfg)
        elif exp in ("dw4", "dw4-boltzmann", "dw4-kohler"):
            check_dw4(exp, m, cfg, d)
        elif exp == "fashion-mnist":
            check_fashion_mnist(m, cfg, d)
        elif exp == "qm9":
            check_qm9(m, cfg, d)
        else:
            fail(f"{exp}: no checker for this experiment")
        pngs = sorted(p.name for p in d.glob("*.png"))
        if not pngs:
            fail(f"{exp}: no pictures")
        print(f"{exp}: checked ({len(m['runs'])} runs; pictures: {', '.join(pngs)})")
    if FAILURES:
        for f in FAILURES:
            print(f"FAIL {f}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
