#!/usr/bin/env python3
"""Bond perception side by side: RDKit's rdDetermineBonds.DetermineBonds against equistein-molecules' estimators.

On the three QM9 files of ../shared/data/qm9 (qm9_C5H8O.xyz, qm9_C7H10O2.xyz.gz, qm9_heavy_le7.xyz.gz) it counts,
per method, the molecules whose perceived graph is the molecule of the header's `smiles=`:

* RDKit (PyPI `rdkit`): `Chem.MolFromXYZBlock`, then `rdDetermineBonds.DetermineBonds(mol, charge=0)` (connectivity
  from covalent radii, then bond orders and charges by the xyz2mol method); a match is an equal canonical SMILES of
  the heavy-atom graph with stereo removed (`Chem.MolToSmiles(Chem.RemoveHs(mol), isomericSmiles=False)`, as the
  header has none) against the canonical SMILES of the header, both sanitised (so aromatic rings are perceived on
  both sides), a failure (exception) a miss;
* ours, the appendix rule and the released code's variant: the Rust example `bond_counts` of equistein-molecules
  (release build), which compares graphs by isomorphism up to the Kekulé form and prints one JSON line per file.

Usage (from the repository root, with a Python that has rdkit, e.g. `python3 -m venv /tmp/rdk &&
/tmp/rdk/bin/pip install rdkit`):

    /tmp/rdk/bin/python benches/compare/bonds.py [DATA_DIR]

Writes target/compare/bonds.json and prints a table. As an independent check of the Rust side's graph comparison,
the SMILES written from each of our graphs (target/compare/bonds_smiles.tsv) are also compared with the header's
by RDKit's canonical SMILES.
"""

import gzip
import json
import os
import subprocess
import sys
import time

from rdkit import Chem, RDLogger
from rdkit.Chem import rdDetermineBonds

RDLogger.DisableLog("rdApp.*")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILES = ["qm9_C5H8O.xyz", "qm9_C7H10O2.xyz.gz", "qm9_heavy_le7.xyz.gz"]


def records(path):
    """Yields (xyz block, header properties) per record of a multi-record XYZ file, plain or gzip."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        lines = iter(f)
        for first in lines:
            if not first.strip():
                continue
            n = int(first)
            comment = next(lines).rstrip("\n")
            # Coordinates rewritten with fixed decimals: RDKit's XYZ parser refuses the few `E` exponents.
            atoms = []
            for line in (next(lines) for _ in range(n)):
                e, x, y, z = line.split()[:4]
                atoms.append(f"{e} {float(x):.10f} {float(y):.10f} {float(z):.10f}\n")
            props = dict(t.split("=", 1) for t in comment.split() if "=" in t)
            yield f"{n}\n\n" + "".join(atoms), props


def canonical(mol):
    mol = Chem.Mol(mol)
    Chem.RemoveStereochemistry(mol)  # else RemoveHs keeps the H of an imine's stereo double bond
    return Chem.MolToSmiles(Chem.RemoveHs(mol), isomericSmiles=False)


def rdkit_counts(path):
    n = hits = 0
    misses = []
    start = time.perf_counter()
    for block, props in records(path):
        n += 1
        want = canonical(Chem.MolFromSmiles(props["smiles"]))
        try:
            mol = Chem.MolFromXYZBlock(block)
            rdDetermineBonds.DetermineBonds(mol, charge=0)
            Chem.SanitizeMol(mol)  # aromaticity as in the parsed reference
            got = canonical(mol)
        except Exception as e:  # RDKit raises on molecules it cannot assign
            got = f"error: {e}"
        if got == want:
            hits += 1
        else:
            misses.append(props.get("gdb"))
    return n, hits, time.perf_counter() - start, misses


def ours(paths, dump):
    cmd = ["cargo", "run", "--quiet", "--release", "-p", "equistein-molecules", "--example", "bond_counts", "--"]
    out = subprocess.run(cmd + paths + ["--dump", dump], cwd=ROOT, check=True, capture_output=True, text=True)
    return {row["file"]: row for row in map(json.loads, out.stdout.splitlines())}


def rdkit_check(dump):
    """Counts per file and estimator the SMILES written from our graphs whose RDKit canonical form is the
    header's: an independent check of the Rust side's isomorphism test."""
    counts = {}
    with open(dump) as f:
        for line in f:
            name, _gdb, smiles, *written = line.rstrip("\n").split("\t")
            want = canonical(Chem.MolFromSmiles(smiles))
            row = counts.setdefault(name, [0] * len(written))
            for k, s in enumerate(written):
                mol = Chem.MolFromSmiles(s) if s != "invalid" else None
                row[k] += int(mol is not None and canonical(mol) == want)
    return counts


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data", "qm9")
    paths = [os.path.join(data, f) for f in FILES]
    out = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "compare")
    os.makedirs(out, exist_ok=True)
    dump = os.path.join(out, "bonds_smiles.tsv")
    rust = ours(paths, dump)
    check = rdkit_check(dump)
    results = []
    for name, path in zip(FILES, paths):
        n, hits, seconds, misses = rdkit_counts(path)
        row = rust[name]
        assert row["molecules"] == n, (name, row["molecules"], n)
        results.append(
            {
                "file": name,
                "molecules": n,
                "rdkit": hits,
                "ours": row["ours"],
                "paper": row["paper"],
                "paper_released": row["paper-released"],
                "rdkit_check_of_ours_paper_released": check[name],
                "rdkit_seconds": round(seconds, 3),
                "ours_seconds": row["seconds"]["ours"],
                "rdkit_misses_gdb": misses[:50],
            }
        )
    with open(os.path.join(out, "bonds.json"), "w") as f:
        json.dump({"rdkit_version": Chem.rdBase.rdkitVersion, "results": results}, f, indent=1)
    print(f"RDKit {Chem.rdBase.rdkitVersion}; molecules whose perceived graph is the header's smiles=")
    print("| file | molecules | ours | appendix rule | released variant | RDKit DetermineBonds |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in results:
        pct = lambda k: f"{r[k]} ({100.0 * r[k] / r['molecules']:.1f} %)"
        print(
            f"| {r['file']} | {r['molecules']} | {pct('ours')} | {pct('paper')} | {pct('paper_released')} "
            f"| {pct('rdkit')} |"
        )
    print("RDKit's canonical SMILES of the SMILES written from our graphs (ours, appendix, released) agree:")
    for r in results:
        print(f"  {r['file']}: {r['rdkit_check_of_ours_paper_released']}")


if __name__ == "__main__":
    main()
