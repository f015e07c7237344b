#!/usr/bin/env python3
"""h5py streaming read of the features alone, chunk by chunk into one reused buffer.

--no-cache opens the file with rdcc_nbytes=0 (no chunk cache); the default keeps
h5py's default chunk cache (1 MiB).  Prints one checksum line (sum of column 0).
"""
import h5py
import numpy as np

from _common import parse

args = parse(__doc__.splitlines()[0],
             lambda ap: ap.add_argument("--no-cache", action="store_true", help="rdcc_nbytes=0"))
kwargs = {"rdcc_nbytes": 0} if args.no_cache else {}
with h5py.File(args.dump, "r", **kwargs) as f:
    ds = f[f"splits/{args.split}/features"]
    N, D = ds.shape
    step = ds.chunks[0] if ds.chunks else 4096
    buf = np.empty((step, D), dtype=ds.dtype)
    total = 0.0
    for start in range(0, N, step):
        n = min(step, N - start)
        ds.read_direct(buf, np.s_[start:start + n], np.s_[0:n])
        total += float(buf[:n, 0].sum(dtype=np.float64))
print(f"checksum {total:.17g}")
