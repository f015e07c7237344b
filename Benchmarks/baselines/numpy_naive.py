#!/usr/bin/env python3
"""The usual script: load the whole split into memory, then a float64 mean per class.

Prints one checksum line (the sum of all class means).
"""
import h5py
import numpy as np

from _common import parse

args = parse(__doc__.splitlines()[0])
with h5py.File(args.dump, "r") as f:
    g = f[f"splits/{args.split}"]
    X = g["features"][:]
    y = g["labels"][:]
    C = f["classes/wnid"].shape[0]
means = np.zeros((C, X.shape[1]), dtype=np.float64)
for c in range(C):
    rows = X[y == c]
    if len(rows):
        means[c] = rows.mean(axis=0, dtype=np.float64)
print(f"checksum {means.sum():.17g}")
