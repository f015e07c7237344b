#!/usr/bin/env python3
"""numpy bootstrap of η for the paper's ten targets: multinomial weights as a (B × n) matrix times
each class's (n × D) rows (one BLAS matrix product per class and model), scales fixed.

    numpy_bootstrap.py T1.h5 T3.h5 [--split train] [-B 1000] [--seed 1]

This is the best numpy allows for this bootstrap: rows of the ten retriever and snake classes are
gathered in one streaming pass per file (chunk-aligned blocks, boolean mask), then each class's
replicate centroids are W @ X / n with W ~ Multinomial(n, 1/n) per replicate, in float64 (numpy's
matmul calls OpenBLAS dgemm). The scale is the mean pairwise distance of all class centroids, as
`eta --normalize centroid-scale` (the default). Prints read and compute seconds on stderr and one
line per target on stdout: wnid, η(S1), lo, hi, η(S2), lo, hi (fractions).
"""
import argparse
import sys
import time

import h5py
import numpy as np

RETRIEVERS = ["n02099267", "n02099429", "n02099601", "n02099712", "n02099849"]
SNAKES = ["n01728572", "n01728920", "n01729322", "n01734418", "n01737021"]

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("t1")
ap.add_argument("t2")
ap.add_argument("--split", default="train")
ap.add_argument("-B", type=int, default=1000)
ap.add_argument("--seed", type=int, default=1)
args = ap.parse_args()


def read(path):
    """All-class float64 centroids (streamed) and the ten classes' rows."""
    with h5py.File(path, "r", rdcc_nbytes=0) as f:
        g = f[f"splits/{args.split}"]
        wnids = [w.decode() for w in f["classes/wnid"][...]]
        features, labels = g["features"], g["labels"][...]
        wanted = [wnids.index(w) for w in RETRIEVERS + SNAKES]
        C, (N, D) = len(wnids), features.shape
        sums = np.zeros((C, D)); counts = np.bincount(labels, minlength=C)
        rows = {k: [] for k in wanted}
        step = (128 << 20) // (4 * D) // 4096 * 4096
        for start in range(0, N, step):
            X = features[start:start + step]
            y = labels[start:start + step]
            order = np.argsort(y, kind="stable")
            ys, Xs = y[order], X[order]
            bounds = np.flatnonzero(np.diff(ys)) + 1
            for seg_start, seg_end in zip(np.r_[0, bounds], np.r_[bounds, len(ys)]):
                k = ys[seg_start]
                sums[k] += Xs[seg_start:seg_end].sum(axis=0, dtype=np.float64)
            mask = np.isin(y, wanted)
            for k in wanted:
                rows[k].append(X[mask & (y == k)].astype(np.float64))
        centroids = sums[counts > 0] / counts[counts > 0, None]
        sq = (centroids ** 2).sum(1)
        d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * centroids @ centroids.T, 0)
        iu = np.triu_indices(len(centroids), 1)
        scale = np.sqrt(d2[iu]).mean()
        return wnids, {k: np.concatenate(v) for k, v in rows.items()}, scale


t0 = time.perf_counter()
wnids, rows1, scale1 = read(args.t1)
_, rows2, scale2 = read(args.t2)
t1 = time.perf_counter()
rng = np.random.default_rng(args.seed)
reps = {}
for model, rows in (("1", rows1), ("2", rows2)):
    for k, X in rows.items():
        n = len(X)
        W = rng.multinomial(n, np.full(n, 1.0 / n), size=args.B).astype(np.float64)
        reps[(model, k)] = (W @ X) / n                        # B × D replicate centroids
idx = {w: wnids.index(w) for w in RETRIEVERS + SNAKES}
for family, other in ((RETRIEVERS, SNAKES), (SNAKES, RETRIEVERS)):
    for w in family:
        out = [w]
        for members in ([m for m in family if m != w], other):
            def eta(c1, c2):
                d1 = np.stack([np.linalg.norm(c1[idx[w]] - c1[idx[m]], axis=-1) for m in members]) / scale1
                d2 = np.stack([np.linalg.norm(c2[idx[w]] - c2[idx[m]], axis=-1) for m in members]) / scale2
                return ((d2 - d1) / d1).mean(axis=0)
            full1 = {k: X.mean(0) for k, X in rows1.items()}
            full2 = {k: X.mean(0) for k, X in rows2.items()}
            estimate = eta(full1, full2)
            r = eta({k: reps[("1", k)] for k in rows1}, {k: reps[("2", k)] for k in rows2})
            lo, hi = np.quantile(r, [0.025, 0.975])
            out += [f"{estimate:.5f}", f"{lo:.5f}", f"{hi:.5f}"]
        print(" ".join(out))
t2 = time.perf_counter()
print(f"read {t1 - t0:.2f} s, bootstrap compute {t2 - t1:.2f} s (B = {args.B})", file=sys.stderr)
