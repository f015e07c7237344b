#!/usr/bin/env python3
"""numpy bootstrap of η for every target (`eta --targets all --bootstrap B`), the same rules as eta:
Poisson(1) weights per row and replicate, replicate centroids = weighted means, scales fixed at their
full-data values, percentile intervals over the defined replicates.

    numpy_bootstrap_all.py T1.h5 T3.h5 SETS.json [--split train] [-B 1000] [--block 130] [--seed 1]

SETS.json is `eta --t1 T1.h5 --t2 T3.h5 --split train --targets all --list-members --format json`
(the S1/S2 members of each target; η itself is recomputed here). The best numpy allows, in the same
memory as eta (never all rows; one replicate block's sums of both models): per block of replicates,
one streaming pass per file in chunks; within a chunk the rows are sorted by class and each class's
segment adds W @ X (W: block × rows Poisson weights, X the rows in float64; numpy's matmul is
OpenBLAS dgemm) to that class's block × D sums; then per replicate the Gram matrix of the centred
replicate centroids (A @ A.T, BLAS) gives every class-pair distance, and η of all targets comes from
two index arrays and np.add.reduceat. Prints timings on stderr, one line per target on stdout.
"""
import argparse
import json
import sys
import time

import h5py
import numpy as np

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("t1")
ap.add_argument("t2")
ap.add_argument("sets")
ap.add_argument("--split", default="train")
ap.add_argument("-B", type=int, default=1000)
ap.add_argument("--block", type=int, default=130)
ap.add_argument("--seed", type=int, default=1)
args = ap.parse_args()

CHUNK = 65536


def passes(path, block, rng, full=False):
    """Block × D weighted sums and totals per class (and the full-data sums when `full`)."""
    with h5py.File(path, "r", rdcc_nbytes=0) as f:
        g = f[f"splits/{args.split}"]
        wnids = [w.decode() for w in f["classes/wnid"][...]]
        features, labels = g["features"], g["labels"]
        C, (N, D) = len(wnids), features.shape
        sums = np.zeros((C, block, D))
        totals = np.zeros((C, block))
        plain = np.zeros((C, D)) if full else None
        counts = np.zeros(C, dtype=np.int64)
        for start in range(0, N, CHUNK):
            X = features[start:start + CHUNK].astype(np.float64)
            y = labels[start:start + CHUNK]
            order = np.argsort(y, kind="stable")
            ys, Xs = y[order], X[order]
            bounds = np.r_[0, np.flatnonzero(np.diff(ys)) + 1, len(ys)]
            W = rng.poisson(1.0, size=(block, len(ys))).astype(np.float64)
            for a, b in zip(bounds[:-1], bounds[1:]):
                k = ys[a]
                sums[k] += W[:, a:b] @ Xs[a:b]
                totals[k] += W[:, a:b].sum(axis=1)
                if full:
                    plain[k] += Xs[a:b].sum(axis=0)
                    counts[k] += b - a
        return wnids, sums, totals, plain, counts


def scale_of(centroids):
    sq = (centroids ** 2).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * centroids @ centroids.T, 0)
    iu = np.triu_indices(len(centroids), 1)
    return np.sqrt(d2[iu]).mean()


def distances(c):
    a = c - c.mean(axis=0)
    g = a @ a.T
    d = np.diag(g)
    return np.sqrt(np.maximum(d[:, None] + d[None, :] - 2 * g, 0))


rows = [r for r in json.load(open(args.sets))["rows"] if r["split"] == args.split]
rng = np.random.default_rng(args.seed)
t0 = time.perf_counter()
values = {("s1", i): [] for i in range(len(rows))} | {("s2", i): [] for i in range(len(rows))}
estimate = None
for first in range(0, args.B, args.block):
    block = min(args.block, args.B - first)
    wnids, s1, w1, p1, n1 = passes(args.t1, block, rng, full=first == 0)
    _, s2, w2, p2, n2 = passes(args.t2, block, rng, full=first == 0)
    if first == 0:
        index = {w: i for i, w in enumerate(wnids)}
        c1, c2 = p1 / np.maximum(n1, 1)[:, None], p2 / np.maximum(n2, 1)[:, None]
        scale1, scale2 = scale_of(c1[n1 > 0]), scale_of(c2[n2 > 0])
        pairs = {}
        for key in ("s1", "s2"):
            tgt = np.concatenate([[index[r["target"]]] * len(r[key]) for r in rows])
            mem = np.concatenate([[index[m] for m in r[key]] for r in rows])
            starts = np.cumsum([0] + [len(r[key]) for r in rows[:-1]])
            pairs[key] = (tgt, mem, starts, np.array([len(r[key]) for r in rows]))

        def etas(d1, d2, key):
            tgt, mem, starts, sizes = pairs[key]
            a, b = d1[tgt, mem] / scale1, d2[tgt, mem] / scale2
            return np.add.reduceat((b - a) / a, starts) / sizes

        estimate = {key: etas(distances(c1), distances(c2), key) for key in ("s1", "s2")}
    for b in range(block):
        ok1, ok2 = w1[:, b] > 0, w2[:, b] > 0
        d1 = distances(s1[:, b] / np.maximum(w1[:, b], 1)[:, None])
        d2 = distances(s2[:, b] / np.maximum(w2[:, b], 1)[:, None])
        for key in ("s1", "s2"):
            e = etas(d1, d2, key)
            tgt, mem, starts, _ = pairs[key]
            defined = np.logical_and.reduceat(ok1[mem] & ok2[mem] & ok1[tgt] & ok2[tgt], starts)
            for i in range(len(rows)):
                values[(key, i)].append(e[i] if defined[i] else np.nan)
    print(f"block {first}..{first + block}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
for i, r in enumerate(rows):
    out = [r["target"]]
    for key in ("s1", "s2"):
        v = np.array(values[(key, i)])
        lo, hi = np.quantile(v[~np.isnan(v)], [0.025, 0.975])
        out += [f"{estimate[key][i]:.5f}", f"{lo:.5f}", f"{hi:.5f}"]
    print(" ".join(out))
print(f"total {time.perf_counter() - t0:.2f} s (B = {args.B}, blocks of {args.block})", file=sys.stderr)
