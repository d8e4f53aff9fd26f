#!/usr/bin/python3
"""Side by side: hardnets' gf2 attack (M4RI) against the Gaussian elimination
over GF(2) a Python user would write with numpy (rows packed into uint64
words, one vectorised XOR sweep per pivot), on the same XOR_3 PRG systems.

For each n the system is `hardnets gen prg_hyperedge -p predicate=xor -p k=3
-p encoding=index` with m = ceil(n (ln n + 3) / 3) outputs (enough for exact
recovery on every seed measured). hardnets' time is the fit's own `seconds`
(decode, build, eliminate, verify); numpy's is the elimination plus reading
the solution, from the same .npy files. Both seeds are checked against the
truth. Usage: bench/gf2_compare.py --hardnets build/hardnets [--n 1024 4096]
"""
import argparse
import json
import math
import pathlib
import subprocess
import tempfile
import time

import numpy as np


def numpy_solve(X, y, n):
    """Reduced row echelon form of [A | b] over GF(2); returns the solution
    with free variables 0, or None when inconsistent."""
    m = X.shape[0]
    dense = np.zeros((m, n + 1), dtype=np.uint8)
    rows = np.repeat(np.arange(m), X.shape[1])
    # A repeated index in a row would cancel; hyperedges have distinct indices.
    dense[rows, X.astype(np.int64).ravel()] = 1
    dense[:, n] = y.astype(np.uint8)
    words = (n + 1 + 63) // 64
    padded = np.zeros((m, words * 64), dtype=np.uint8)
    padded[:, : n + 1] = dense
    packed = np.packbits(padded, axis=1, bitorder="little").view(np.uint64)
    pivot_row_of = {}
    r = 0
    for c in range(n):
        w, bit = divmod(c, 64)
        mask = np.uint64(1) << np.uint64(bit)
        has = (packed[r:, w] & mask) != 0
        hits = np.flatnonzero(has)
        if hits.size == 0:
            continue
        p = r + hits[0]
        if p != r:
            packed[[r, p]] = packed[[p, r]]
        others = np.flatnonzero((packed[:, w] & mask) != 0)
        others = others[others != r]
        packed[others] ^= packed[r]
        pivot_row_of[c] = r
        r += 1
        if r == m:
            break
    w, bit = divmod(n, 64)
    rhs = ((packed[:, w] >> np.uint64(bit)) & np.uint64(1)).astype(np.uint8)
    if rhs[r:].any():
        return None
    seed = np.zeros(n, dtype=np.uint8)
    for c, row in pivot_row_of.items():
        seed[c] = rhs[row]
    return seed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hardnets", default="build/hardnets")
    ap.add_argument("--n", type=int, nargs="+", default=[1024, 4096])
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    print("| n | m | hardnets gf2 (M4RI) | numpy elimination | speed-up | both exact |")
    print("|---|---|---|---|---|---|")
    for n in args.n:
        m = math.ceil(n * (math.log(n) + 3) / 3)
        ours, theirs, exact = [], [], True
        for seed in range(1, args.seeds + 1):
            with tempfile.TemporaryDirectory() as tmp:
                out = pathlib.Path(tmp) / "data"
                subprocess.run([args.hardnets, "gen", "prg_hyperedge", "-p", f"n={n}", "-p",
                                "predicate=xor", "-p", "k=3", "-p", "encoding=index", "--seed",
                                str(seed), "--n-train", str(m), "--n-test", "0", "--out",
                                str(out)], check=True, capture_output=True)
                model = pathlib.Path(tmp) / "model.json"
                fit = json.loads(subprocess.run(
                    [args.hardnets, "fit", "gf2", "--data", str(out), "--json", "--out",
                     str(model)], check=True, capture_output=True, text=True).stdout)
                recovered = json.loads(model.read_text())["predictor"]["seed"]
                ours.append(fit["metrics"]["seconds"])
                truth = json.loads((out / "truth.json").read_text())["seed"]
                X = np.load(out / "X_train.npy")
                y = np.load(out / "y_train.npy")
                start = time.perf_counter()
                seed_bits = numpy_solve(X, y, n)
                theirs.append(time.perf_counter() - start)
                found = "".join(str(b) for b in seed_bits) if seed_bits is not None else None
                exact &= found == truth and recovered == truth
        a, b = sorted(ours)[len(ours) // 2], sorted(theirs)[len(theirs) // 2]
        print(f"| {n} | {m} | {a * 1e3:.1f} ms | {b * 1e3:.0f} ms | {b / a:.0f}x | "
              f"{'yes' if exact else 'NO'} |")


if __name__ == "__main__":
    main()
