#!/usr/bin/env bash
# Builds small seed corpora for the fuzz targets (config, and those of fuzz/readers) into fuzz/corpus/TARGET/ (gitignored), from the
# shipped data (default: ../shared/data or ./shared/data from the repository root; override with DATA=DIR).
# Every seed is under 4 KB. Missing data files are skipped (the hand-made seeds are always written).
#
#     fuzz/make-corpus.sh            # from the repository root, or from anywhere
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -z "${DATA:-}" ]]; then
    for d in "$ROOT/../shared/data" "$ROOT/shared/data"; do
        [[ -d "$d" ]] && DATA="$d" && break
    done
fi
DATA="${DATA:-/nonexistent}"
command -v python3 >/dev/null || { echo "make-corpus.sh: python3 not found, no seeds written" >&2; exit 0; }
OUT="$ROOT/fuzz/corpus" DATA="$DATA" python3 - <<'PY'
import gzip, os, struct

out, data = os.environ["OUT"], os.environ["DATA"]

def put(target, name, payload):
    assert len(payload) < 4096, (target, name, len(payload))
    os.makedirs(os.path.join(out, target), exist_ok=True)
    with open(os.path.join(out, target, name), "wb") as f:
        f.write(payload)

def gz(payload):
    return gzip.compress(payload, mtime=0)

def source(*parts):
    p = os.path.join(data, *parts)
    return p if os.path.exists(p) else None

def opener(p):
    return gzip.open(p, "rb") if p.endswith(".gz") else open(p, "rb")

# XYZ: hand-made records, and the first records of each shipped file.
xyz = {
    "water.xyz": b"3\nname=water\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n",
    "two.xyz": b"1\n\nH 0 0 0\n2\nsmiles=[HH] x=1.5\nH 0 0 0\nH 0.74 0 0\n",
    "bad.xyz": b"2\n\nC 0 0 nan\nXx 1 2\n",
    "crlf.xyz": b"1\r\ncomment\r\nF 1e3 -1e-3 +0.5\r\n",
}
for f in ["qm9_C5H8O.xyz", "qm9_C5H8O_train35.xyz", "qm9_C7H10O2.xyz.gz", "qm9_heavy_le7.xyz.gz"]:
    p = source("qm9", f)
    if not p:
        continue
    with opener(p) as h:
        lines = []
        records = 0
        while records < 2:
            first = h.readline()
            if not first:
                break
            n = int(first.strip())
            lines.append(first)
            for _ in range(n + 1):
                lines.append(h.readline())
            records += 1
            stem = f.split(".")[0]
            xyz[f"{stem}.{records}.xyz"] = b"".join(lines)
for name, payload in xyz.items():
    put("xyz", name, payload)
    put("xyz_gzip", name + ".gz", gz(payload))
# Two gzip members back to back (MultiGzDecoder reads both).
put("xyz_gzip", "members.xyz.gz", gz(xyz["water.xyz"]) + gz(xyz["two.xyz"]))

# IDX: hand-made arrays, and the first labels / first image of the shipped files.
idx = {
    "labels.idx": struct.pack(">IIB", 0x801, 1, 7) + bytes(),
    "images.idx": struct.pack(">IIII", 0x803, 2, 2, 3) + bytes(range(12)),
    "empty.idx": struct.pack(">II", 0x801, 0),
}
idx["labels.idx"] = struct.pack(">II", 0x801, 4) + bytes([0, 9, 3, 1])
p = source("fashion_mnist", "t10k-labels-idx1-ubyte.gz")
if p:
    with gzip.open(p, "rb") as h:
        head = h.read(8 + 32)
    idx["t10k-labels.idx"] = struct.pack(">II", 0x801, 32) + head[8:]
p = source("fashion_mnist", "t10k-images-idx3-ubyte.gz")
if p:
    with gzip.open(p, "rb") as h:
        head = h.read(16 + 2 * 784)
    idx["t10k-images.idx"] = struct.pack(">IIII", 0x803, 2, 28, 28) + head[16:]
    # One 28x28 image cropped to 8x8.
    img = head[16:16 + 784]
    idx["crop.idx"] = struct.pack(">IIII", 0x803, 1, 8, 8) + b"".join(img[28 * r + 10: 28 * r + 18] for r in range(10, 18))
for name, payload in idx.items():
    put("idx", name, payload)
    put("idx_gzip", name + ".gz", gz(payload))
put("idx_gzip", "members.idx.gz", gz(idx["images.idx"][:10]) + gz(idx["images.idx"][10:]))

# .npy: hand-made headers (version 1.0, padded to 64 bytes) over the first rows of the DW-4 data.
def npy(descr, shape, payload, fortran=False, version=1):
    d = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)
    lenfmt = "<H" if version == 1 else "<I"
    pre = 8 + struct.calcsize(lenfmt)
    pad = (-(pre + len(d) + 1)) % 64
    header = (d + " " * pad + "\n").encode()
    return b"\x93NUMPY" + bytes([version, 0]) + struct.pack(lenfmt, len(header)) + header + payload

rows = None
p = source("dw4", "jaini2021", "fixed_DW4.1000x8.f32le")
if p:
    with open(p, "rb") as h:
        rows = h.read(4 * 8 * 4)
if rows is None:
    rows = struct.pack("<32f", *[0.1 * k - 1.5 for k in range(32)])
vals = struct.unpack("<32f", rows)
put("npy", "f4_4x8.npy", npy("<f4", "(4, 8)", rows))
put("npy", "f4_4x4x2.npy", npy("<f4", "(4, 4, 2)", rows))
put("npy", "f8_4x8.npy", npy("<f8", "(4, 8)", struct.pack("<32d", *vals)))
put("npy", "bf4_2x8.npy", npy(">f4", "(2, 8)", struct.pack(">16f", *vals[:16])))
put("npy", "fortran_8x4.npy", npy("<f4", "(8, 4)", rows, fortran=True))
put("npy", "v2_4x8.npy", npy("<f4", "(4, 8)", rows, version=2))
put("npy", "i4_4x8.npy", npy("<i4", "(4, 8)", rows))
put("npy", "short.npy", npy("<f4", "(4, 8)", rows[:40]))

# Raw f32 rows: the first rows of the DW-4 files, and a few special values.
for f in ["fixed_DW4.1000x8.f32le", "dimer_4particles.1001x8.f32le"]:
    p = source("dw4", "jaini2021", f)
    if p:
        with open(p, "rb") as h:
            put("raw_f32", f.split(".")[0] + ".f32le", h.read(4 * 8 * 4))
put("raw_f32", "special.f32le", struct.pack("<8f", 0.0, -0.0, 1e-45, 3.4e38, float("inf"), float("nan"), 1.0, -1.0))
put("raw_f32", "odd.f32le", rows[:30])

# Bonds: 13 bytes an atom (element index H C N O F = 0..4, then x, y, z as little-endian f32).
index = {"H": 0, "C": 1, "N": 2, "O": 3, "F": 4}
def atoms(record):
    out = b""
    for line in record.splitlines()[2:]:
        parts = line.split()
        if len(parts) < 4 or parts[0].decode() not in index:
            continue
        out += bytes([index[parts[0].decode()]]) + struct.pack("<3f", *map(float, parts[1:4]))
    return out
for name, payload in xyz.items():
    if name.endswith(".1.xyz") or name == "water.xyz":
        seed = atoms(payload)
        if seed:
            put("bonds", name.replace(".xyz", ".atoms"), seed)
put("bonds", "ethyne.atoms", b"".join(bytes([e]) + struct.pack("<3f", *p) for e, p in [
    (1, (0, 0, 0)), (1, (1.2, 0, 0)), (0, (-1.06, 0, 0)), (0, (2.26, 0, 0))]))
put("bonds", "nan.atoms", bytes([1]) + struct.pack("<3f", 0, float("nan"), 0))

# config: TOML fragments with keys of several experiments (each line is also tried as a --set).
configs = {
    "toy.toml": b"particles = 100\nsteps = 500\nstep_size = 0.1\nbandwidth = 0.5\nsamplers = [\"svgd\", \"esvgd-scalar\"]\n",
    "target.toml": b"[target]\nradii = [1.0, 3.0]\nsigmas = [0.5, 0.5]\nweights = [0.5, 0.5]\n",
    "c4.toml": b"[target]\nn_components = 4\n",
    "dw4.toml": b"combinations = [\"ebm+svgd\", \"eebm+esvgd\"]\ndata = \"five-states\"\nepochs = 2\nhidden = [64, 64]\n[evaluation]\nsamples = 256\nbandwidths = [2.0, 0.0001]\n",
    "qm9.toml": b"epochs = 1\ncheckpoint_every = 10\n[evaluation]\nsamples = 16\n",
    "fashion.toml": b"epochs = 1\nbatch_size = 32\nlearning_rate = 0.001\ndata_dir = \"../shared/data/fashion_mnist\"\n",
    "inline.toml": b"target = { radii = [2.0], sigmas = [0.3], weights = [1.0] }\nseed = 3\n",
}
for name, payload in configs.items():
    put("config", name, payload)
PY
for t in "$ROOT"/fuzz/corpus/*/; do
    echo "$(basename "$t"): $(ls "$t" | wc -l) seeds, $(cat "$t"/* | wc -c) bytes"
done
