#!/usr/bin/env python3
"""Reference float64 class centroids (and counts) of one split, for the correctness check.

Writes OUT (a .npy of shape (C, D), float64; NaN rows for empty classes) and
OUT with .counts.npy (int64).  Streams in chunk-aligned blocks; each block is
converted to float64 before summing, so the sums are exact to float64 rounding.
"""
import h5py
import numpy as np

from _common import parse

args = parse(__doc__.splitlines()[0], lambda ap: ap.add_argument("-o", "--output", required=True))
with h5py.File(args.dump, "r", rdcc_nbytes=0) as f:
    g = f[f"splits/{args.split}"]
    features, labels = g["features"], g["labels"]
    C = f["classes/wnid"].shape[0]
    N, D = features.shape
    step = (features.chunks[0] if features.chunks else 4096) * 4
    sums = np.zeros((C, D), dtype=np.float64)
    counts = np.zeros(C, dtype=np.int64)
    for start in range(0, N, step):
        X = features[start:start + step].astype(np.float64)
        y = labels[start:start + step]
        np.add.at(counts, y, 1)
        order = np.argsort(y, kind="stable")
        ys = y[order]
        starts = np.flatnonzero(np.r_[True, ys[1:] != ys[:-1]])
        sums[ys[starts]] += np.add.reduceat(X[order], starts, axis=0)
with np.errstate(invalid="ignore", divide="ignore"):
    centroids = sums / counts[:, None]
out = args.output if args.output.endswith(".npy") else args.output + ".npy"
np.save(out, centroids)
np.save(out[:-4] + ".counts.npy", counts)
print(f"checksum {np.nansum(centroids):.17g}")
