"""A feasibility probe for issue 11 (qm9), outside the Rust code: can the EGNN energy, trained by contrastive
divergence on the 35 C5H8O training molecules in about ten CPU-minutes, generate valid molecules from
U[0, 4)^42 by gradient descent?

The model is Satorras et al.'s QM9 EGNN (embedding 15 -> 64, 4 layers of 64, edge MLP on [h_i, h_j, r], attention
gate, sum aggregation, residual node MLP, node and graph decoders), with `--rbf 0` the paper's radial input
r = |x_i - x_j|^2, with `--rbf K` K Gaussians of |x_i - x_j| (centres 0.5 to 4 A, width 0.15 A, as SchNet's).
Training: persistent negatives (a buffer of 256, reset 0.05 to U[0, 4)^42), K gradient-descent steps of size s
on E per update (the noiseless SVGD of `qm9` with kernels that are nearly deltas between molecules is gradient
descent with step 0.5 / 32), loss mean E(x+) - mean E(x-) + alpha (E(x+)^2 + E(x-)^2), Adam. Evaluation: 64
molecules from U[0, 4)^42, `--eval_steps` gradient-descent steps, written as XYZ; judge them with
`equistein bonds OUT.xyz`.

Run (the venv of benches/compare/run.sh, or any python with torch):
    python docs/probes/qm9_cd.py --minutes 10 --out /tmp/v1.xyz              # r = d^2
    python docs/probes/qm9_cd.py --minutes 10 --rbf 32 --out /tmp/v2.xyz     # Gaussian distances
    equistein bonds /tmp/v2.xyz
Measured 2026-12-06 (one thread each, two at once, AMD EPYC 2 cores): docs/results.md, qm9.
"""

import argparse, math, time, sys
import torch, torch.nn as tnn

p = argparse.ArgumentParser()
p.add_argument("--minutes", type=float, default=8)
p.add_argument("--head", default="linear")
p.add_argument("--alpha", type=float, default=0.1)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--k", type=int, default=20)          # sampler steps per update
p.add_argument("--s", type=float, default=0.02)      # GD step on E
p.add_argument("--reset", type=float, default=0.05)
p.add_argument("--buffer", type=int, default=256)
p.add_argument("--batch", type=int, default=16)
p.add_argument("--rbf", type=int, default=0)         # 0: d^2 input; else number of gaussian centres
p.add_argument("--eval_steps", type=int, default=400)
p.add_argument("--noise", type=float, default=0.0)   # Langevin temperature in training chains
p.add_argument("--clip", type=float, default=0.0)    # clip of per-step displacement
p.add_argument("--out", default="qm9_probe.xyz")
p.add_argument("--seed", type=int, default=0)
p.add_argument("--data", default="../shared/data/qm9/qm9_C5H8O_train35.xyz")
a = p.parse_args()
torch.set_num_threads(1); torch.manual_seed(a.seed)
EL = {"H": 0, "C": 1, "N": 2, "O": 3, "F": 4}; CH = [1., 6., 7., 8., 9.]

def read(path):
    mols = []
    with open(path) as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines) and lines[i].strip():
        n = int(lines[i]); atoms = [l.split() for l in lines[i+2:i+2+n]]; i += 2 + n
        mols.append(([t[0] for t in atoms], [[float(v) for v in t[1:4]] for t in atoms]))
    return mols
mols = read(a.data)
# canonical order C5 O H8
order = lambda els: sorted(range(len(els)), key=lambda j: {"C": 0, "O": 1, "H": 2}[els[j]])
data = []
for els, pos in mols:
    o = order(els); data.append([pos[j] for j in o])
ELS = [mols[0][0][j] for j in order(mols[0][0])]
X = torch.tensor(data).reshape(len(data), -1)
X = (X.reshape(len(data), 14, 3) - X.reshape(len(data), 14, 3).mean(1, keepdim=True)).reshape(len(data), -1)
T = [EL[e] for e in ELS]
F = torch.zeros(14, 15)
for i, t in enumerate(T):
    for q in range(3): F[i, 3*t+q] = (CH[t]/9.)**q
H = 64
class Gcl(tnn.Module):
    def __init__(s, h, r):
        super().__init__()
        s.edge = tnn.Sequential(tnn.Linear(2*h+r, h), tnn.SiLU(), tnn.Linear(h, h), tnn.SiLU())
        s.att = tnn.Sequential(tnn.Linear(h, 1), tnn.Sigmoid())
        s.node = tnn.Sequential(tnn.Linear(2*h, h), tnn.SiLU(), tnn.Linear(h, h))
    def forward(s, h, rad):  # h: b,n,H ; rad: b,n,n,r
        b, n, _ = h.shape
        hi = h[:, :, None, :].expand(b, n, n, H); hj = h[:, None, :, :].expand(b, n, n, H)
        m = s.edge(torch.cat([hi, hj, rad], -1)); m = m * s.att(m)
        mask = 1 - torch.eye(n)[None, :, :, None]
        agg = (m * mask).sum(2)
        return h + s.node(torch.cat([h, agg], -1))
R = a.rbf if a.rbf else 1
class Egnn(tnn.Module):
    def __init__(s):
        super().__init__()
        s.emb = tnn.Linear(15, H); s.g = tnn.ModuleList([Gcl(H, R) for _ in range(4)])
        s.nd = tnn.Sequential(tnn.Linear(H, H), tnn.SiLU(), tnn.Linear(H, H))
        s.gd = tnn.Sequential(tnn.Linear(H, H), tnn.SiLU(), tnn.Linear(H, 1))
    def forward(s, x):
        b = x.shape[0]; p = x.reshape(b, 14, 3)
        d2 = ((p[:, :, None] - p[:, None]) ** 2).sum(-1, keepdim=True)
        if a.rbf:
            mu = torch.linspace(0.5, 4.0, a.rbf)
            rad = torch.exp(-(torch.sqrt(d2 + 1e-6) - mu) ** 2 / (2 * 0.15 ** 2))
        else:
            rad = d2
        h = s.emb(F)[None].expand(b, 14, H)
        for l in s.g: h = l(h, rad)
        return s.gd(s.nd(h).sum(1)).squeeze(-1)
net = Egnn(); opt = torch.optim.Adam(net.parameters(), lr=a.lr)
def E(x):
    o = net(x)
    return o if a.head == "linear" else torch.log1p(o ** 2)
def grad(x):
    x = x.detach().requires_grad_(True)
    e = E(x)
    g, = torch.autograd.grad(e.sum(), x)
    return e.detach(), g
def sample(x, k, noise):
    for _ in range(k):
        _, g = grad(x)
        d = -a.s * g
        if a.clip: d = d.clamp(-a.clip, a.clip)
        x = x + d
        if noise: x = x + math.sqrt(2 * a.s * noise) * torch.randn_like(x)
    return x.detach()
fresh = lambda n: 4 * torch.rand(n, 42)
buf = fresh(a.buffer)
t0 = time.time(); it = 0
while time.time() - t0 < a.minutes * 60:
    idx = torch.randint(0, a.buffer, (a.batch,))
    neg = buf[idx]
    r = torch.rand(a.batch) < a.reset
    neg[r] = fresh(int(r.sum()))
    neg = sample(neg, a.k, a.noise)
    buf[idx] = neg
    pos = X[torch.randint(0, len(X), (a.batch,))]
    e = E(torch.cat([pos, neg])); ep, en = e[:a.batch], e[a.batch:]
    loss = ep.mean() - en.mean() + a.alpha * (ep ** 2 + en ** 2).mean()
    opt.zero_grad(); loss.backward(); opt.step(); it += 1
    if it % 50 == 0:
        nn_ = neg.reshape(-1, 14, 3); d = torch.cdist(nn_, nn_) + 100 * torch.eye(14)
        print(f"it {it} t {time.time()-t0:.0f} Ep {ep.mean():.3f} En {en.mean():.3f} nn {d.min(-1).values.median():.2f} std {nn_.std(1).mean():.2f}", flush=True)
# evaluate: 64 molecules from noise
x = sample(fresh(64), a.eval_steps, 0.0)
with open(a.out, "w") as f:
    for m in x.reshape(-1, 14, 3):
        f.write("14\nsample\n")
        for e_, q in zip(ELS, m.tolist()): f.write(f"{e_} {q[0]:.5f} {q[1]:.5f} {q[2]:.5f}\n")
print("iters", it, "wrote", a.out)
