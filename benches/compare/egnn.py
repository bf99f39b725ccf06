"""The EGNN energy of the qm9 experiment: equistein-candle against a PyTorch EGNN of the same architecture,
interleaved in one run, 2 threads each.

Called by `run.sh egnn` (which sets up the venv and builds the Rust driver, the example `compare_egnn` of
equistein-candle). The Rust driver is one long-lived process that answers `time CASE REPS` on its standard input
with its own per-run times; this script alternates blocks of it with blocks of the PyTorch peer, round after
round, the order flipped every round, the first run of every block discarded (warm-up after the other side's
turn), and reports medians.

The architecture on both sides (ESVGD.md section 4; Satorras, Hoogeboom & Welling 2021, the QM9 setting):
embedding Linear(15, 64); 4 layers, each: edge MLP on [h_i, h_j, |x_i - x_j|^2] (Linear(129, 64), SiLU,
Linear(64, 64), SiLU), attention gate sigmoid(Linear(64, 1)), sum aggregation over the fully connected graph
without self-loops, node MLP Linear(128, 64), SiLU, Linear(64, 64) with a residual; no coordinate updates; node
decoder Linear(64, 64), SiLU, Linear(64, 64); sum over the nodes; graph decoder Linear(64, 64), SiLU,
Linear(64, 1); E = log(1 + o^2). Molecules: C5H8O (14 atoms), coordinates uniform in [0, 4).

The peer is the straightforward PyTorch form of Satorras et al.'s code: the molecules of a batch as one graph
with an edge list (rows, cols), h[rows] and h[cols] gathered and concatenated with the radial term, the edge
MLP on every edge, `index_add_` as the unsorted segment sum.

Before timing, the peer loads the Rust model's parameters and checks that both compute the same o on 4
molecules (reported as `agreement`).

Cases:
- `eg_32`: energies and their input gradients of 32 molecules, parameters fixed (one SVGD step's model cost:
  16 negatives + 16 positives). Peer: eval mode, parameters with requires_grad off,
  `torch.autograd.grad(E.sum(), x)`.
- `fwd_32`: energies of 32 molecules. Peer: under `torch.no_grad()`.
- `train_32`: one CD step: 16 positives + 16 negatives in one forward pass, loss = mean E(x+) - mean E(x-),
  backward, Adam(1e-3) step, the loss read out. Ours also rebuilds its sampling path after the step.
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

ROUNDS = int(os.environ.get("COMPARE_ROUNDS", "10"))  # a quick check: COMPARE_ROUNDS=1
CASES = [("eg_32", 5), ("fwd_32", 5), ("train_32", 3)]  # name, runs per block (plus one discarded warm-up)
TYPES = [1, 1, 1, 1, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0]  # C5H8O: 5 C, 1 O, 8 H (indices into H, C, N, O, F)
CHARGES = [1.0, 6.0, 7.0, 8.0, 9.0]
HIDDEN, LAYERS = 64, 4


def features():
    f = torch.zeros(len(TYPES), 15)
    for i, t in enumerate(TYPES):
        for p in range(3):
            f[i, 3 * t + p] = (CHARGES[t] / 9.0) ** p
    return f


class Gcl(tnn.Module):
    def __init__(self, h):
        super().__init__()
        self.edge_mlp = tnn.Sequential(tnn.Linear(2 * h + 1, h), tnn.SiLU(), tnn.Linear(h, h), tnn.SiLU())
        self.att_mlp = tnn.Sequential(tnn.Linear(h, 1), tnn.Sigmoid())
        self.node_mlp = tnn.Sequential(tnn.Linear(2 * h, h), tnn.SiLU(), tnn.Linear(h, h))

    def forward(self, h, rows, cols, radial):
        m = self.edge_mlp(torch.cat([h[rows], h[cols], radial], dim=1))
        m = m * self.att_mlp(m)
        agg = torch.zeros_like(h).index_add_(0, rows, m)
        return h + self.node_mlp(torch.cat([h, agg], dim=1))


class Egnn(tnn.Module):
    def __init__(self, n_atoms, h=HIDDEN, layers=LAYERS):
        super().__init__()
        self.n = n_atoms
        self.embedding = tnn.Linear(15, h)
        self.gcl = tnn.ModuleList([Gcl(h) for _ in range(layers)])
        self.node_dec = tnn.Sequential(tnn.Linear(h, h), tnn.SiLU(), tnn.Linear(h, h))
        self.graph_dec = tnn.Sequential(tnn.Linear(h, h), tnn.SiLU(), tnn.Linear(h, 1))
        self.register_buffer("feats", features())
        self._edges = {}

    def edges(self, b):
        if b not in self._edges:
            n = self.n
            pairs = [(i, j) for i in range(n) for j in range(n) if i != j]
            r = torch.tensor([i for i, _ in pairs])
            c = torch.tensor([j for _, j in pairs])
            off = (torch.arange(b) * n).repeat_interleave(len(pairs))
            self._edges[b] = (r.repeat(b) + off, c.repeat(b) + off)
        return self._edges[b]

    def forward(self, x):
        b = x.shape[0]
        pos = x.reshape(b * self.n, 3)
        rows, cols = self.edges(b)
        radial = ((pos[rows] - pos[cols]) ** 2).sum(dim=1, keepdim=True)
        h = self.embedding(self.feats).repeat(b, 1)
        for layer in self.gcl:
            h = layer(h, rows, cols, radial)
        q = self.node_dec(h).reshape(b, self.n, -1).sum(dim=1)
        return self.graph_dec(q)


def energy(o):
    return torch.log1p(o.squeeze(1) ** 2)


def molecules(n, seed):
    g = torch.Generator().manual_seed(seed)
    return 4.0 * torch.rand(n, 3 * len(TYPES), generator=g)


def eg_runs(model, x, reps):
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        xr = x.detach().requires_grad_(True)
        e = energy(model(xr))
        (g,) = torch.autograd.grad(e.sum(), xr)
        ts.append((time.perf_counter() - t) * 1e3)
    return ts


def fwd_runs(model, x, reps):
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        with torch.no_grad():
            energy(model(x))
        ts.append((time.perf_counter() - t) * 1e3)
    return ts


def train_runs(model, opt, pos, neg, reps):
    ts = []
    b = pos.shape[0]
    for _ in range(reps):
        t = time.perf_counter()
        e = energy(model(torch.cat([pos, neg])))
        loss = e[:b].mean() - e[b:].mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss.item()
        ts.append((time.perf_counter() - t) * 1e3)
    return ts


def torch_name(name):
    """equistein's `gcl3.edge_mlp.0.weight` is this module's `gcl.3.edge_mlp.0.weight`."""
    if name.startswith("gcl"):
        head, rest = name.split(".", 1)
        return f"gcl.{head[3:]}.{rest}"
    return name


def agreement(rust):
    """Loads the Rust model's parameters into a fresh peer and compares o on the driver's 4 molecules."""
    p = rust.ask("params")
    model = Egnn(len(TYPES))
    state = model.state_dict()
    loaded = 0
    for item in p["params"]:
        key = torch_name(item["name"])
        state[key] = torch.tensor(item["values"], dtype=torch.float32).reshape(item["shape"])
        loaded += 1
    model.load_state_dict(state)
    x = torch.tensor(p["x"], dtype=torch.float32).reshape(4, -1)
    with torch.no_grad():
        o_peer = model(x).squeeze(1)
    o_ours = torch.tensor(p["o"])
    return {"parameters_loaded": loaded, "o_ours": p["o"], "o_peer": o_peer.tolist(),
            "max_abs_diff": (o_peer - o_ours).abs().max().item()}


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
    torch.set_num_threads(2)
    torch.manual_seed(0)
    load_before = loadavg()

    sampler = Egnn(len(TYPES))
    sampler.eval()
    sampler.requires_grad_(False)
    trained = Egnn(len(TYPES))
    trained.train()
    opt = torch.optim.Adam(trained.parameters(), lr=1e-3)
    x32 = molecules(32, 1)
    pos, neg = molecules(16, 2), molecules(16, 3)

    def peer(case, reps):
        if case == "eg_32":
            return eg_runs(sampler, x32, reps)
        if case == "fwd_32":
            return fwd_runs(sampler, x32, reps)
        return train_runs(trained, opt, pos, neg, reps)

    rust = Rust(binary)
    info = rust.ask("info")
    agree = agreement(rust)
    print(f"agreement: {agree['max_abs_diff']:.3e} (o of 4 molecules, same parameters)", flush=True)

    times = {(case, who): [] for case, _ in CASES for who in ("ours", "peer")}
    for case, _ in CASES:  # warm-up of both sides, not counted
        peer(case, 3)
        rust.ask(f"time {case} 3")
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
            f"{case} {statistics.median(times[(case, 'ours')]):.2f} / "
            f"{statistics.median(times[(case, 'peer')]):.2f} ms" for case, _ in CASES), flush=True)
    rust.close()
    load_after = loadavg()

    cases = {}
    for case, _ in CASES:
        o, p = times[(case, "ours")], times[(case, "peer")]
        mo, mp = statistics.median(o), statistics.median(p)
        cases[case] = {"ours_ms": round(mo, 3), "peer_ms": round(mp, 3), "ratio": round(mp / mo, 2),
                       "ours_min_ms": round(min(o), 3), "peer_min_ms": round(min(p), 3), "runs": len(o)}
    result = {
        "what": "EGNN energy (64 x 4 layers, C5H8O, 14 atoms): equistein-candle (ours) against PyTorch (peer), "
                "medians of one interleaved run; ratio = peer / ours (above 1: ours is faster)",
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cases": cases,
        "agreement": agree,
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "rustc": os.environ.get("COMPARE_RUSTC", ""),
        },
        "threads": {
            "torch_intra_op": torch.get_num_threads(),
            "torch_inter_op": torch.get_num_interop_threads(),
            "rayon": info["rayon_threads"],
            "cpus": os.cpu_count(),
        },
        "machine": {"cpu": cpu_model(), "loadavg_before": load_before, "loadavg_after": load_after},
        "parameters": {"ours": info["parameters"], "peer": sum(p.numel() for p in trained.parameters())},
        "rounds": ROUNDS,
    }
    path = os.path.join(outdir, "egnn.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps({k: result[k] for k in ("cases", "parameters", "threads")}, indent=1))


if __name__ == "__main__":
    main()
