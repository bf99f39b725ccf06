"""The C4-steerable CNN and the plain CNN of the FashionMNIST experiment: equistein-candle against PyTorch + e2cnn,
interleaved in one run, 2 threads each.

Called by `run.sh steerable` (which sets up the venv and builds the Rust driver, the example
`compare_steerable` of equistein-candle). The Rust driver is one long-lived process that answers
`time CASE REPS` on its standard input with its own per-run times; this script alternates blocks of it with
blocks of the PyTorch peer, round after round, the order flipped every round, the first run of every block
discarded (warm-up after the other side's turn), and reports medians.

The architecture on both sides (ESVGD.md section 7, issue 12):
- steerable: 8 regular-field layers of C4 (widths 8, 8, 16, 16, 32, 32, 32, 32 fields of 4 channels), 3 x 3
  convolutions with padding 1, ReLU, average pooling after layers 2, 4 and 6 (28 -> 14 -> 7 -> 3), group pooling
  (the mean over the 4 orientations, as ours), the mean over pixels, one linear layer to 10 logits. The e2cnn
  model is the reference configuration: `PointwiseAvgPool(2)` everywhere, so 7 -> 3 drops the last row and
  column and the model is not exactly invariant (measured below); ours pools the odd side with 3 x 3 windows of
  stride 2 (rotation-compatible). The work of that last pooling is negligible either way.
- plain: ordinary convolutions of 16, 16, 32, 32, 64, 64, 64, 64 channels (equistein's PLAIN_WIDTHS, the same
  parameter count), the same pooling as ours (2 x 2 on even sides, 3 x 3 stride 2 on odd), the mean over
  pixels, one linear layer.
- JEM energy E(x) = -logsumexp f(x).

Cases:
- `*_eg_N`: energies and their input gradients of N images, parameters fixed (the sampling path: one SVGD step's
  model cost is N = 128, 64 negatives + 64 positives). Peer: the model in eval mode (e2cnn caches the expanded
  filters), parameters with requires_grad off, `torch.autograd.grad(E.sum(), x)`.
- `*_train_128`: one JEM training step, 64 labelled positives + 64 negatives in one forward pass:
  loss = mean E(x+) - mean E(x-) + cross-entropy(f(x+), y), backward, Adam(1e-3) step, the loss read out.
  Peer: train mode (e2cnn expands its filters from the free parameters in every forward pass, as ours does in
  candle's graph); ours also rebuilds its sampling path after the step.
Images are uniform in [0, 1).
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as tnn
import torch.nn.functional as F

ROUNDS = int(os.environ.get("COMPARE_ROUNDS", "10"))  # a quick check: COMPARE_ROUNDS=1
CASES = [  # name, runs per block (plus one discarded warm-up run)
    ("steerable_eg_128", 3),
    ("steerable_eg_64", 5),
    ("steerable_train_128", 3),
    ("plain_eg_128", 3),
    ("plain_eg_64", 5),
    ("plain_train_128", 3),
]
STEERABLE_WIDTHS = [8, 8, 16, 16, 32, 32, 32, 32]
PLAIN_WIDTHS = [16, 16, 32, 32, 64, 64, 64, 64]
POOL_AFTER = (2, 4, 6)


class E2Steerable(tnn.Module):
    """The C4-steerable CNN in e2cnn; `odd_pool` is the pooling window on the 7 x 7 map (2: the reference)."""

    def __init__(self, odd_pool=2):
        super().__init__()
        from e2cnn import gspaces
        from e2cnn import nn as enn

        gs = gspaces.Rot2dOnR2(N=4)
        self.in_type = enn.FieldType(gs, [gs.trivial_repr])
        layers, prev, side = [], self.in_type, 28
        for l, w in enumerate(STEERABLE_WIDTHS, start=1):
            t = enn.FieldType(gs, w * [gs.regular_repr])
            layers += [enn.R2Conv(prev, t, kernel_size=3, padding=1), enn.ReLU(t, inplace=True)]
            if l in POOL_AFTER:
                k = 2 if side % 2 == 0 else odd_pool
                layers.append(enn.PointwiseAvgPool(t, kernel_size=k, stride=2))
                side = (side - k) // 2 + 1
            prev = t
        self.body = enn.SequentialModule(*layers)
        self.fields = STEERABLE_WIDTHS[-1]
        self.fc = tnn.Linear(self.fields, 10)

    def forward(self, x):
        from e2cnn import nn as enn

        h = self.body(enn.GeometricTensor(x, self.in_type)).tensor
        b = h.shape[0]
        # group pooling (mean over the 4 orientations of each field) and the mean over pixels
        z = h.reshape(b, self.fields, -1).mean(dim=2)
        return self.fc(z)


class PlainCnn(tnn.Module):
    def __init__(self):
        super().__init__()
        layers, prev, side = [], 1, 28
        for l, c in enumerate(PLAIN_WIDTHS, start=1):
            layers += [tnn.Conv2d(prev, c, 3, padding=1), tnn.ReLU(inplace=True)]
            if l in POOL_AFTER:
                k = 2 if side % 2 == 0 else 3
                layers.append(tnn.AvgPool2d(k, stride=2))
                side = (side - k) // 2 + 1
            prev = c
        self.body = tnn.Sequential(*layers)
        self.fc = tnn.Linear(prev, 10)

    def forward(self, x):
        return self.fc(self.body(x).flatten(2).mean(dim=2))


def energy(logits):
    return -torch.logsumexp(logits, dim=1)


def images(n, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 28, 28, generator=g)


def energy_grad_runs(model, x, reps):
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        xr = x.detach().requires_grad_(True)
        e = energy(model(xr))
        (g,) = torch.autograd.grad(e.sum(), xr)
        ts.append((time.perf_counter() - t) * 1e3)
    return ts


def train_runs(model, opt, pos, neg, labels, reps):
    ts = []
    b = pos.shape[0]
    for _ in range(reps):
        t = time.perf_counter()
        logits = model(torch.cat([pos, neg]))
        e = energy(logits)
        loss = e[:b].mean() - e[b:].mean() + F.cross_entropy(logits[:b], labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss.item()
        ts.append((time.perf_counter() - t) * 1e3)
    return ts


def invariance(model, n=64):
    """The largest |f(rot^q x) - f(x)| over n random images and q = 1, 2, 3, and the largest |f(x)|."""
    x = images(n, 7)
    with torch.no_grad():
        base = model(x)
        worst = max((model(torch.rot90(x, q, dims=(2, 3))) - base).abs().max().item() for q in (1, 2, 3))
    return {"max_abs_logit_change": worst, "max_abs_logit": base.abs().max().item(),
            "relative": worst / base.abs().max().item()}


class Rust:
    def __init__(self, binary):
        env = dict(os.environ, RAYON_NUM_THREADS="2")
        self.p = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        reply = self.p.stdout.readline()
        if not reply:
            raise RuntimeError(f"the Rust driver ended on {line!r}")
        return json.loads(reply)

    def close(self):
        self.p.stdin.write("quit\n")
        self.p.stdin.flush()
        self.p.wait(timeout=60)


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(v) for v in f.read().split()[:3]]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    binary, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    import e2cnn
    import numpy
    import scipy

    torch.set_num_threads(2)
    torch.manual_seed(0)
    load_before = loadavg()

    sampler = {"steerable": E2Steerable(), "plain": PlainCnn()}
    trained = {"steerable": E2Steerable(), "plain": PlainCnn()}
    for m in sampler.values():
        m.eval()
        m.requires_grad_(False)
    opts = {k: torch.optim.Adam(m.parameters(), lr=1e-3) for k, m in trained.items()}
    for m in trained.values():
        m.train()
    data = {"eg_128": images(128, 1), "eg_64": images(64, 1)}
    pos, neg = images(64, 2), images(64, 3)
    labels = torch.arange(64) % 10

    def peer(case, reps):
        net, kind, n = case.split("_")
        if kind == "eg":
            return energy_grad_runs(sampler[net], data[f"eg_{n}"], reps)
        return train_runs(trained[net], opts[net], pos, neg, labels, reps)

    inv_ref = invariance(sampler["steerable"])
    compatible = E2Steerable(odd_pool=3)
    compatible.eval()
    inv_compatible = invariance(compatible)

    rust = Rust(binary)
    info = rust.ask("info")
    inv_ours = rust.ask("invariance")
    inv_ours["relative"] = inv_ours["max_abs_logit_change"] / inv_ours["max_abs_logit"]

    times = {(case, who): [] for case, _ in CASES for who in ("ours", "peer")}
    for case, _ in CASES:  # warm-up of both sides, not counted
        peer(case, 2)
        rust.ask(f"time {case} 2")
    for r in range(ROUNDS):
        for case, reps in CASES:
            order = ("ours", "peer") if r % 2 == 0 else ("peer", "ours")
            for who in order:
                if who == "ours":
                    ts = rust.ask(f"time {case} {reps + 1}")["times_ms"]
                else:
                    ts = peer(case, reps + 1)
                times[(case, who)].extend(ts[1:])
        print(f"round {r + 1}/{ROUNDS}: " + ", ".join(
            f"{case} {statistics.median(times[(case, 'ours')]):.1f} / "
            f"{statistics.median(times[(case, 'peer')]):.1f} ms" for case, _ in CASES), flush=True)
    rust.close()
    load_after = loadavg()

    cases = {}
    for case, _ in CASES:
        o, p = times[(case, "ours")], times[(case, "peer")]
        mo, mp = statistics.median(o), statistics.median(p)
        cases[case] = {"ours_ms": round(mo, 2), "peer_ms": round(mp, 2), "ratio": round(mp / mo, 3),
                       "ours_min_ms": round(min(o), 2), "peer_min_ms": round(min(p), 2),
                       "runs": len(o)}
    e2_params = sum(p.numel() for p in trained["steerable"].parameters())
    plain_params = sum(p.numel() for p in trained["plain"].parameters())
    result = {
        "what": "equistein-candle (ours) against PyTorch + e2cnn (peer), medians of one interleaved run; "
                "ratio = peer / ours (above 1: ours is faster)",
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cases": cases,
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "e2cnn": getattr(e2cnn, "__version__", None) or _dist_version("e2cnn"),
            "numpy": numpy.__version__,
            "scipy": scipy.__version__,
            "rustc": os.environ.get("COMPARE_RUSTC", ""),
        },
        "threads": {
            "torch_intra_op": torch.get_num_threads(),
            "torch_inter_op": torch.get_num_interop_threads(),
            "rayon": info["rayon_threads"],
            "cpus": os.cpu_count(),
        },
        "torch_mkldnn": torch.backends.mkldnn.is_available(),
        "machine": {"cpu": cpu_model(), "loadavg_before": load_before, "loadavg_after": load_after},
        "parameters": {
            "ours_steerable": info["steerable_parameters"], "e2cnn_steerable": e2_params,
            "ours_plain": info["plain_parameters"], "torch_plain": plain_params,
        },
        "invariance": {
            "what": "largest |f(rot^q x) - f(x)| of the logits over 64 uniform images and q = 1, 2, 3 (f32), "
                    "and that divided by the largest |f(x)|",
            "e2cnn_reference_2x2_pool": inv_ref,
            "e2cnn_3x3_stride2_on_odd_side": inv_compatible,
            "ours": inv_ours,
        },
        "rounds": ROUNDS,
    }
    path = os.path.join(outdir, "steerable.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result, indent=1))


def _dist_version(name):
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()
