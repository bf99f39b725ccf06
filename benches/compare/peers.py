"""One RBF SVGD step in NumPy, JAX and equistein, interleaved, with this machine's GEMM and exp rates.

Called by run.sh (which sets up the venv and builds the crate's driver). The step, for every implementation:
scores s = -x (standard normal target), the RBF kernel with the fixed bandwidth h = sqrt(d), Liu-Wang
direction phi = (K s + (x * rowsum(K) - K x) / h^2) / n, and x <- x + 1e-3 phi. NumPy and JAX use the matrix
form (squared distances from the Gram matrix); JAX is jit-compiled (compile excluded, block_until_ready).
Every implementation gets 2 threads.
"""

import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

GRID = [(100, 2), (1000, 2), (4000, 2), (1000, 8), (1000, 64), (1000, 784), (20000, 2)]
DTYPES = ["f64", "f32"]
ROUNDS = 3


def runs_for(n, d):
    work = n * n * (d + 20)
    return int(min(300, max(3, 2e8 / work)))


def numpy_step(x, h, eps):
    n = x.shape[0]
    s = -x
    sq = np.einsum("ij,ij->i", x, x)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (x @ x.T)
    np.maximum(d2, 0.0, out=d2)
    k = np.exp(d2 * (-0.5 / (h * h)))
    phi = (k @ s + (x * k.sum(axis=1)[:, None] - k @ x) / (h * h)) / n
    return x + eps * phi


def make_jax_step():
    import jax
    import jax.numpy as jnp

    @jax.jit
    def step(x, h, eps):
        n = x.shape[0]
        s = -x
        sq = jnp.sum(x * x, axis=1)
        d2 = jnp.maximum(sq[:, None] + sq[None, :] - 2.0 * (x @ x.T), 0.0)
        k = jnp.exp(d2 * (-0.5 / (h * h)))
        phi = (k @ s + (x * k.sum(axis=1)[:, None] - k @ x) / (h * h)) / n
        return x + eps * phi

    return jax, jnp, step


def time_numpy(n, d, dtype, runs):
    dt = np.float64 if dtype == "f64" else np.float32
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, d)).astype(dt)
    h = dt(np.sqrt(d))
    eps = dt(1e-3)
    for _ in range(2):
        x = numpy_step(x, h, eps)
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        x = numpy_step(x, h, eps)
        ts.append((time.perf_counter() - t) * 1e3)
    return ts


def time_jax(jax, jnp, step, n, d, dtype, runs):
    dt = jnp.float64 if dtype == "f64" else jnp.float32
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.standard_normal((n, d)), dtype=dt)
    h = jnp.asarray(np.sqrt(d), dtype=dt)
    eps = jnp.asarray(1e-3, dtype=dt)
    for _ in range(2):  # compile + warm-up, excluded
        x = step(x, h, eps).block_until_ready()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        x = step(x, h, eps).block_until_ready()
        ts.append((time.perf_counter() - t) * 1e3)
    return ts


def time_rust(binary, n, d, dtype, runs):
    env = dict(os.environ, RAYON_NUM_THREADS="2")
    out = subprocess.run([binary, str(n), str(d), dtype, str(runs)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["times_ms"]


def gemm_rate(dtype):
    """Flop/s of a 2000 x 2000 x 2000 matrix product with NumPy's BLAS (2 threads), best of 5."""
    dt = np.float64 if dtype == "f64" else np.float32
    a = np.random.default_rng(1).standard_normal((2000, 2000)).astype(dt)
    a @ a
    best = min(_timed(lambda: a @ a) for _ in range(5))
    return 2 * 2000**3 / best


def exp_rate(dtype):
    """exp/s of NumPy's vectorised exp on 4M values (one thread), best of 5, times 2 for two threads."""
    dt = np.float64 if dtype == "f64" else np.float32
    a = -np.random.default_rng(2).random(4_000_000).astype(dt) * 10
    out = np.empty_like(a)
    np.exp(a, out=out)
    best = min(_timed(lambda: np.exp(a, out=out)) for _ in range(5))
    return 2 * a.size / best


def _timed(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def main():
    binary, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(2)
    blas = [{k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for i in threadpool_info()]
    jax, jnp, step = make_jax_step()
    jax.config.update("jax_enable_x64", True)
    rates = {dt: {"gemm_flops": gemm_rate(dt), "exp_per_s": exp_rate(dt)} for dt in DTYPES}
    times = {}
    for n, d in GRID:
        for dtype in DTYPES:
            runs = runs_for(n, d)
            for _ in range(ROUNDS):  # interleaved: numpy, jax, equistein, repeated
                for impl in ("numpy", "jax", "equistein"):
                    if impl == "numpy":
                        ts = time_numpy(n, d, dtype, runs)
                    elif impl == "jax":
                        ts = time_jax(jax, jnp, step, n, d, dtype, runs)
                    else:
                        ts = time_rust(binary, n, d, dtype, runs)
                    times.setdefault((impl, n, d, dtype), []).extend(ts)
            print(f"{n}x{d} {dtype}: " + ", ".join(
                f"{impl} {statistics.median(times[(impl, n, d, dtype)]):.3f} ms"
                for impl in ("numpy", "jax", "equistein")), flush=True)
    results = [{"impl": impl, "n": n, "d": d, "dtype": dtype, "median_ms": statistics.median(ts),
                "runs": len(ts)} for (impl, n, d, dtype), ts in times.items()]
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    med = {(r["impl"], r["n"], r["d"], r["dtype"]): r["median_ms"] for r in results}
    lines = [
        "| n × d | dtype | NumPy ms | JAX jit ms | equistein ms | lower bound ms | JAX / equistein | equistein / bound |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, d in GRID:
        for dtype in DTYPES:
            r = rates[dtype]
            bound = (n * n / r["exp_per_s"] + 6 * n * n * d / r["gemm_flops"]) * 1e3
            e = med[("equistein", n, d, dtype)]
            j = med[("jax", n, d, dtype)]
            lines.append(f"| {n} × {d} | {dtype} | {med[('numpy', n, d, dtype)]:.3f} | {j:.3f} | {e:.3f} | "
                         f"{bound:.3f} | {j / e:.2f} | {e / bound:.2f} |")
    header = [
        f"numpy {np.__version__}, jax {jax.__version__}; BLAS: {json.dumps(blas)}",
        "rates (2 threads): " + "; ".join(
            f"{dt}: GEMM {r['gemm_flops'] / 1e9:.1f} GFlop/s, exp {r['exp_per_s'] / 1e9:.2f} G/s"
            for dt, r in rates.items()),
        "lower bound = n² / exp rate + 6 n² d / GEMM rate",
        "",
    ]
    table = "\n".join(header + lines) + "\n"
    with open(os.path.join(outdir, "table.md"), "w") as f:
        f.write(table)
    print(table)


if __name__ == "__main__":
    main()
