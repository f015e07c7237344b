#!/usr/bin/env python3
"""Differential test of the reader's raw fast path: `fastpath_matrix.py BIN_DIR OUT_DIR [--only SUBSTR]`.

Writes, with h5py's low-level API (libver v110), one small dump per layout of a matrix -- feature
dtypes (IEEE f2/f4/f8, bfloat16, a float32 with exponent bias 100) x byte order x contiguous or
chunked (whole-row chunks, a partial last chunk, chunks narrower than a row) x filter pipelines in
any order ([], shuffle, deflate, shuffle+deflate, deflate+shuffle, fletcher32, scaleoffset) x
external link / soft link / external raw storage x virtual datasets (full, partial, missing
sources) -- then runs `eta centroids` on each twice, with the raw fast path and with
`PENULTIMATE_NO_RAW_READ=1`, and checks:

- a readable layout: both runs exit 0 and store the same sums, bit for bit, equal to numpy's
  float64 sums of the values written (chosen as k/64, |k| < 256: exact in every dtype here, and
  summed exactly in any order), and h5py reads those values back;
- an unreadable or incomplete layout (missing source, unmapped rows, short external file): both
  runs exit 65 with one stderr line naming the file, and the reference rules
  (reference_check.storage_problem) find the problem too.

Exit status 0 when every case passes; the report lists each case. Run by `swift test` (Tests/EndToEndTests/FastPathMatrixTests.swift, against .build/debug); about 12 s of CPU.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import h5py
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Corpus"))
import reference_check  # noqa: E402

LIBVER = ("earliest", "v110")
C, D, N = 3, 8, 24
SEED = 20261130
VLEN = h5py.string_dtype("utf-8")
WNIDS = ["n02099601", "n02099849", "n01728572"]


def values(seed: int = SEED) -> np.ndarray:
    """N x D values k/64 with |k| < 256: exact in f2, bfloat16, f4, f8 and sums exactly."""
    rng = np.random.default_rng(seed)
    return rng.integers(-255, 256, size=(N, D)).astype(np.float64) / 64


# --------------------------------------------------------------------------- types

def float_type(kind: str, order: str):
    """(h5py type id, function values -> raw bytes in that type) for `kind` in `order` ('<' or '>')."""
    base = h5py.h5t.IEEE_F32LE if order == "<" else h5py.h5t.IEEE_F32BE
    if kind in ("f2", "f4", "f8"):
        dtype = np.dtype(order + kind)
        return h5py.h5t.py_create(dtype), lambda v: v.astype(dtype).tobytes()
    t = base.copy()
    if kind == "bf16":
        # bfloat16: the top half of a float32 (sign 15, exponent 8 bits at 7, bias 127, mantissa 7).
        t.set_fields(15, 7, 8, 0, 7)
        t.set_offset(0)
        t.set_precision(16)
        t.set_size(2)
        t.set_ebias(127)
        return t, lambda v: (v.astype("<f4").view("<u4") >> 16).astype(order + "u2").tobytes()
    if kind == "f4bias100":
        # float32 fields with exponent bias 100: value v is stored as the float32 bits of v * 2^-27.
        t.set_ebias(100)
        return t, lambda v: (v * 2.0 ** -27).astype(order + "f4").tobytes()
    raise ValueError(kind)


# --------------------------------------------------------------------------- files

def write_common(f: h5py.File, labels: np.ndarray) -> None:
    rng = np.random.default_rng(SEED + 1)
    f.attrs.create("format", "penultimate-features", dtype=VLEN)
    f.attrs.create("format_version", np.int64(1))
    f.attrs.create("ls_alpha", np.float64(0))
    for key, value in (("model", "m"), ("role", "teacher"), ("dataset", "matrix")):
        f.attrs.create(key, value, dtype=VLEN)
    f.create_dataset("classes/wnid", data=np.array(WNIDS, dtype=object), dtype=VLEN, track_times=False)
    f.create_dataset("classifier/weight", data=rng.normal(size=(C, D)).astype(np.float32), track_times=False)
    f.create_dataset("classifier/bias", data=np.zeros(C, np.float32), track_times=False)
    f.create_dataset("splits/train/labels", data=labels, track_times=False)


def create_features(loc, name: str, v: np.ndarray, kind: str, order: str, chunks=None, filters=(),
                    external=None):
    """Creates dataset `name` below `loc` with the given type, layout and pipeline (in this order)."""
    tid, encode = float_type(kind, order)
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_obj_track_times(False)
    if chunks:
        dcpl.set_chunk(chunks)
    for flt in filters:
        if flt == "shuffle":
            dcpl.set_shuffle()
        elif flt == "deflate":
            dcpl.set_deflate(4)
        elif flt == "fletcher32":
            dcpl.set_fletcher32()
        elif flt == "scaleoffset":
            dcpl.set_scaleoffset(h5py.h5z.SO_FLOAT_DSCALE, 6)
    for entry in external or ():
        dcpl.set_external(*entry)
    space = h5py.h5s.create_simple(v.shape)
    lcpl = h5py.h5p.create(h5py.h5p.LINK_CREATE)
    lcpl.set_create_intermediate_group(True)
    ds = h5py.h5d.create(loc.id, name.encode(), tid, space, dcpl=dcpl, lcpl=lcpl)
    raw = np.frombuffer(encode(v), dtype=np.uint8).reshape(v.shape + (-1,))
    ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(raw), mtype=tid)
    return ds


def labels() -> np.ndarray:
    return np.arange(N, dtype=np.int64) % C


# --------------------------------------------------------------------------- the matrix

def plain_cases():
    kinds = ["f2", "f4", "f8", "bf16", "f4bias100"]
    layouts = [("contiguous", None), ("chunk4", (4, D)), ("chunk5", (5, D)), ("chunk4x3", (4, 3))]
    pipelines = [(), ("shuffle",), ("deflate",), ("shuffle", "deflate"), ("deflate", "shuffle"),
                 ("fletcher32",), ("shuffle", "deflate", "fletcher32")]
    for kind in kinds:
        for order in "<>":
            full = kind in ("f2", "f4") and order == "<"
            for layout, chunks in layouts:
                # Little-endian IEEE f2/f4 (the fast path's ground) get every layout and pipeline;
                # the others get contiguous, a partial last chunk and narrow chunks, with a few pipelines.
                if not full and layout == "chunk4":
                    continue
                for pipeline in (pipelines if full else pipelines[:1] + pipelines[3:5]) if chunks else [()]:
                    name = f"{kind}_{'le' if order == '<' else 'be'}_{layout}_{'+'.join(pipeline) or 'none'}"
                    yield name, dict(kind=kind, order=order, chunks=chunks, filters=pipeline)
    yield "f4_le_chunk4_scaleoffset", dict(kind="f4", order="<", chunks=(4, D), filters=("scaleoffset",))


def write_plain(path: Path, v: np.ndarray, spec: dict) -> None:
    with h5py.File(path, "w", libver=LIBVER) as f:
        write_common(f, labels())
        create_features(f, "splits/train/features", v, **spec)


def write_special(out: Path, name: str, v: np.ndarray) -> tuple[bool, str]:
    """Writes case `name` (links, external storage, virtual datasets); returns (readable, why)."""
    path = out / f"{name}.h5"
    aux = out / "aux"
    aux.mkdir(exist_ok=True)
    with h5py.File(path, "w", libver=LIBVER, userblock_size=1024 if name == "user_block" else 0) as f:
        write_common(f, labels())
        if name.startswith("external_link"):
            other = aux / f"{name}.target.h5"
            with h5py.File(other, "w", libver=LIBVER) as g:
                # Padding first, so the target's chunk addresses hold other bytes in the linking file.
                g.create_dataset("pad", data=np.arange(50000, dtype=np.float32), track_times=False)
                filters = ("shuffle", "deflate") if "gzip" in name else ()
                create_features(g, "deep/features", v, "f4", "<", chunks=(4, D), filters=filters)
            f["splits/train/features"] = h5py.ExternalLink(f"aux/{other.name}", "/deep/features")
            return True, "features behind an external link"
        if name == "user_block":
            create_features(f, "splits/train/features", v, "f4", "<", chunks=(4, D), filters=("shuffle", "deflate"))
            return True, "a 1 KiB user block before the HDF5 data (addresses are relative to its end)"
        if name == "soft_link":
            create_features(f, "stash/features", v, "f4", "<", chunks=(4, D), filters=("shuffle", "deflate"))
            f["splits/train/features"] = h5py.SoftLink("/stash/features")
            return True, "features behind a soft link"
        if name.startswith("external_raw"):
            raw = v.astype("<f4").tobytes()
            half = len(raw) // 2
            first, second = aux / f"{name}.part0.bin", aux / f"{name}.part1.bin"
            first.write_bytes(b"\0" * 16 + raw[:half])
            second.write_bytes(raw[half:] if name != "external_raw_short" else raw[half:-8])
            entries = [(f"aux/{first.name}".encode(), 16, half), (f"aux/{second.name}".encode(), 0, h5py.h5f.UNLIMITED)]
            dcpl_v = v.astype(np.float64)
            tid = h5py.h5t.IEEE_F32LE
            dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
            for entry in entries:
                dcpl.set_external(*entry)
            lcpl = h5py.h5p.create(h5py.h5p.LINK_CREATE)
            lcpl.set_create_intermediate_group(True)
            h5py.h5d.create(f.id, b"splits/train/features", tid, h5py.h5s.create_simple(dcpl_v.shape), dcpl=dcpl, lcpl=lcpl)
            if name == "external_raw_missing":
                second.unlink()
                return False, "external raw storage file missing"
            if name == "external_raw_short":
                return False, "external raw storage file 8 bytes short"
            return True, "features in two external raw files (one at offset 16)"
        if name.startswith("vds"):
            cut = 10
            sources = []
            for i, rows in enumerate((slice(0, cut), slice(cut, N))):
                src = aux / f"{name}.src{i}.h5"
                with h5py.File(src, "w", libver=LIBVER) as g:
                    create_features(g, "features", v[rows], "f4", "<", chunks=(4, D), filters=("shuffle", "deflate"))
                sources.append(src)
            layout = h5py.VirtualLayout(shape=(N, D), dtype="<f4")
            upto = N - 3 if name == "vds_partial" else N
            layout[0:cut] = h5py.VirtualSource(f"aux/{sources[0].name}", "features", shape=(cut, D))
            layout[cut:upto] = h5py.VirtualSource(f"aux/{sources[1].name}", "features", shape=(N - cut, D))[0:upto - cut]
            if name == "vds_same_file":
                create_features(f, "stash/rows", v[cut:], "f4", ">", chunks=None)
                layout[cut:N] = h5py.VirtualSource(".", "/stash/rows", shape=(N - cut, D))
            f.create_virtual_dataset("splits/train/features", layout, fillvalue=0)
            if name == "vds_missing_source":
                sources[1].unlink()
                return False, "the second source file is gone"
            if name == "vds_partial":
                return False, "rows 21..23 are mapped to no source"
            return True, "a virtual dataset over two source files" + (" and its own file" if name == "vds_same_file" else "")
    raise ValueError(name)


SPECIAL = ["external_link", "external_link_gzip", "soft_link", "user_block", "external_raw", "external_raw_missing",
           "external_raw_short", "vds_full", "vds_same_file", "vds_partial", "vds_missing_source"]


# --------------------------------------------------------------------------- running

def sums_of(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with h5py.File(path, "r") as f:
        return f["sums"][()], f["counts"][()]


def run_eta(bin_dir: Path, dump: Path, out: Path, raw: bool) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("PENULTIMATE_NO_RAW_READ", None)
    if not raw:
        env["PENULTIMATE_NO_RAW_READ"] = "1"
    return subprocess.run([str(bin_dir / "eta"), "centroids", str(dump), "--split", "train", "--normalize", "none",
                           "-o", str(out)], capture_output=True, text=True, timeout=60, env=env, cwd="/")


def check_case(bin_dir: Path, out: Path, name: str, readable: bool, v: np.ndarray) -> str | None:
    """None when the case passes, else what went wrong."""
    dump = out / f"{name}.h5"
    runs = {}
    for raw in (True, False):
        target = out / f"{name}.{'raw' if raw else 'hdf5'}.centroids.h5"
        runs[raw] = (run_eta(bin_dir, dump, target, raw), target)
    problem = reference_check.storage_problem(dump)
    if readable:
        for raw, (result, target) in runs.items():
            if result.returncode != 0:
                return f"{'fast' if raw else 'libhdf5'} path failed: {result.stderr.strip()}"
        (fast, counts), (slow, slow_counts) = sums_of(runs[True][1]), sums_of(runs[False][1])
        want = np.zeros((C, D))
        np.add.at(want, labels(), v)
        if not (np.array_equal(fast.view(np.uint64), slow.view(np.uint64)) and np.array_equal(counts, slow_counts)):
            return f"fast and libhdf5 paths differ: {np.abs(fast - slow).max()}"
        if not np.array_equal(fast, want):
            return f"sums differ from numpy's by up to {np.abs(fast - want).max()}"
        # h5py alone would resolve external raw files against the current directory.
        with h5py.File(dump, "r") as f:
            dapl = h5py.h5p.create(h5py.h5p.DATASET_ACCESS)
            dapl.set_efile_prefix(b"${ORIGIN}")
            seen = h5py.Dataset(h5py.h5d.open(f.id, b"splits/train/features", dapl)).astype("f8")[()]
        if problem or not np.array_equal(seen, v):
            return f"h5py disagrees: problem {problem!r}, values equal {np.array_equal(seen, v)}"
        return None
    for raw, (result, _) in runs.items():
        lines = result.stderr.strip().splitlines()
        if result.returncode != 65 or len(lines) != 1 or dump.name not in lines[0]:
            return f"{'fast' if raw else 'libhdf5'} path: exit {result.returncode}, stderr {result.stderr!r}"
    if problem is None:
        return "the reference rules find nothing wrong"
    return None


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 64
    bin_dir, out = Path(argv[1]).resolve(), Path(argv[2]).resolve()
    only = argv[4] if len(argv) > 4 and argv[3] == "--only" else ""
    out.mkdir(parents=True, exist_ok=True)
    v = values()
    cases: list[tuple[str, bool, str]] = []
    for name, spec in plain_cases():
        if only in name:
            write_plain(out / f"{name}.h5", v, spec)
            cases.append((name, True, "plain"))
    for name in SPECIAL:
        if only in name:
            readable, why = write_special(out, name, v)
            cases.append((name, readable, why))
    failures = 0
    with ThreadPoolExecutor(max_workers=4) as pool:  # the work is in the child processes
        errors = list(pool.map(lambda case: check_case(bin_dir, out, case[0], case[1], v), cases))
    for (name, readable, why), error in zip(cases, errors):
        failures += error is not None
        print(f"{'ok  ' if error is None else 'FAIL'} {name} ({'readable' if readable else 'refused'}; {why})"
              + (f": {error}" if error else ""))
    print(f"{len(cases) - failures} of {len(cases)} layouts pass")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
