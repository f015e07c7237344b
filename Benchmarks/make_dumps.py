#!/usr/bin/env python3
"""Generate the benchmark's feature dumps (format v1), deterministically and in bounded memory.

    python3 Benchmarks/make_dumps.py DIR [--quick] [--only NAME ...] [--list]

Each dump holds one split of N rows x D features with 1000 classes (wnids
n00000000 ... n00000999), labels in shuffled order (or sorted, for the
``-sorted`` variant used by the 3-class selection case), a random classifier,
feature chunks of 4096 rows, float32 or float16 (cast by numpy), uncompressed
or gzip level 4 + shuffle.  Rows are written block by block through the
project's own writer (notebooks-export/penultimate_writer.py, ``DumpWriter``),
so memory stays near one block (~64 MiB of features) whatever N is.

A dump that already exists with the expected shape, type, filters, chunking
and generator parameters is skipped; files are written to a temporary name
and renamed when complete, so an interrupted run never leaves a file that
looks finished.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, asdict
from pathlib import Path

import h5py
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "notebooks-export"))
from penultimate_writer import DumpWriter  # noqa: E402

CLASSES = 1000
CHUNK_ROWS = 4096
SEED = 20240611
GENERATOR = "Benchmarks/make_dumps.py 1"


@dataclass(frozen=True)
class DumpSpec:
    """One benchmark dump: where it goes and what it holds."""
    name: str          # file name inside the data directory
    split: str
    rows: int
    dim: int
    dtype: str         # "float32" | "float16"
    gzip: bool         # gzip level 4 + shuffle
    sorted_labels: bool

    def params(self) -> dict:
        p = asdict(self)
        p.update(classes=CLASSES, chunk_rows=CHUNK_ROWS, seed=SEED, generator=GENERATOR)
        return p


def dump_specs(quick: bool = False) -> list[DumpSpec]:
    """The benchmark's dumps: the issue's sizes, or small ones for --quick."""
    big_n, wide_n = (100_000, 10_000) if quick else (1_281_167, 50_000)
    specs = []
    for split, n, d in (("train", big_n, 512), ("val", wide_n, 2048)):
        for dtype in ("float32", "float16"):
            for gz in (False, True):
                tag = f"{split}-{n}x{d}-{'f32' if dtype == 'float32' else 'f16'}{'-gzip' if gz else ''}"
                specs.append(DumpSpec(tag + ".h5", split, n, d, dtype, gz, False))
    specs.append(DumpSpec(f"train-{big_n}x512-f32-sorted.h5", "train", big_n, 512, "float32", False, True))
    return specs


def is_complete(path: Path, spec: DumpSpec) -> bool:
    """True when `path` is a finished dump made from exactly these parameters."""
    if not path.exists():
        return False
    try:
        with h5py.File(path, "r") as f:
            ds = f[f"splits/{spec.split}/features"]
            return (json.loads(f.attrs.get("config_json", "{}")) == spec.params()
                    and ds.shape == (spec.rows, spec.dim)
                    and ds.dtype == np.dtype(spec.dtype)
                    and ds.chunks == (CHUNK_ROWS, spec.dim)
                    and (ds.compression == "gzip") == spec.gzip
                    and bool(ds.shuffle) == spec.gzip
                    and f[f"splits/{spec.split}/labels"].shape == (spec.rows,))
    except Exception:
        return False


def block_rows(dim: int) -> int:
    """Rows per generated block: ~64 MiB of float32, a whole number of chunks."""
    return max(1, (64 << 20) // (4 * dim) // CHUNK_ROWS) * CHUNK_ROWS


def labels_for(spec: DumpSpec) -> np.ndarray:
    """Balanced labels (row i has class i mod C), shuffled unless the spec wants them sorted."""
    labels = np.arange(spec.rows, dtype=np.int64) % CLASSES
    if spec.sorted_labels:
        return np.sort(labels)
    return np.random.default_rng([SEED, spec.rows, spec.dim, 1]).permutation(labels)


def write_dump(path: Path, spec: DumpSpec) -> None:
    rng = np.random.default_rng([SEED, spec.dim])
    # Class means: nonnegative like post-ReLU pooled features.
    means = np.abs(rng.standard_normal((CLASSES, spec.dim), dtype=np.float32))
    weight = (rng.standard_normal((CLASSES, spec.dim), dtype=np.float32) / np.sqrt(spec.dim)).astype(np.float32)
    bias = (0.01 * rng.standard_normal(CLASSES, dtype=np.float32)).astype(np.float32)
    labels = labels_for(spec)
    tmp = path.with_name("." + path.name + ".tmp")
    attributes = {"model": f"synthetic-{spec.dim}", "role": "teacher", "dataset": "synthetic-imagenet",
                  "ls_alpha": 0.0, "seed": SEED, "epoch": 0, "config_json": json.dumps(spec.params())}
    step = block_rows(spec.dim)
    with DumpWriter(tmp, attributes=attributes, wnids=[f"n{i:08d}" for i in range(CLASSES)],
                    weight=weight, bias=bias, feature_dtype=spec.dtype,
                    compression="gzip" if spec.gzip else None, chunk_rows=CHUNK_ROWS) as writer:
        for b, start in enumerate(range(0, spec.rows, step)):
            y = labels[start:start + step]
            block_rng = np.random.default_rng([SEED, spec.dim, 2, b])
            x = block_rng.standard_normal((len(y), spec.dim), dtype=np.float32)
            x *= 0.5
            x += means[y]
            np.maximum(x, 0, out=x)
            writer.append(spec.split, x, y)
    os.replace(tmp, path)


def write_eta_pair(directory: Path, rows: int = 1_281_167, dim: int = 512, log=print) -> list[Path]:
    """Two students (T = 1 and T = 3) over the ImageNet-1k wnids, float32, uncompressed, with
    sample_index (the same shuffled samples in both): the pair the `eta` benchmarks run on.

    T = 3 pulls each class mean a little toward its WordNet family (here: blocks of 10 classes in
    index order), so η has something to find; the per-sample noise is shared between the two
    models (same block generator), as two students shown the same images would share it partly.
    """
    wnids = (REPO / "Sources" / "Taxonomy" / "Resources" / "imagenet1k_wnids.txt").read_text().split()
    assert len(wnids) == CLASSES
    rng = np.random.default_rng([SEED, dim, 7])
    means = np.abs(rng.standard_normal((CLASSES, dim), dtype=np.float32))
    weight = (rng.standard_normal((CLASSES, dim), dtype=np.float32) / np.sqrt(dim)).astype(np.float32)
    bias = np.zeros(CLASSES, dtype=np.float32)
    labels = np.random.default_rng([SEED, rows, dim, 1]).permutation(np.arange(rows, dtype=np.int64) % CLASSES)
    index = np.random.default_rng([SEED, rows, 3]).permutation(rows).astype(np.int64)
    out = []
    for temperature in (1.0, 3.0):
        path = directory / f"eta-T{int(temperature)}-{rows}x{dim}-f32.h5"
        out.append(path)
        if path.exists():
            log(f"ok       {path}")
            continue
        family = means.reshape(CLASSES // 10, 10, dim).mean(axis=1, keepdims=True)
        pulled = (means.reshape(CLASSES // 10, 10, dim) * (1 - 0.1 * (temperature - 1))
                  + family * 0.1 * (temperature - 1)).reshape(CLASSES, dim).astype(np.float32)
        attributes = {"model": f"synthetic-{dim}", "role": "student", "dataset": "synthetic-imagenet",
                      "ls_alpha": 0.0, "teacher_model": "synthetic-teacher", "teacher_ls_alpha": 0.1,
                      "kd_temperature": temperature, "seed": SEED, "epoch": 0}
        tmp = path.with_name("." + path.name + ".tmp")
        t0 = time.monotonic()
        log(f"writing  {path} ({rows} x {dim} float32, T = {temperature:g})")
        step = block_rows(dim)
        with DumpWriter(tmp, attributes=attributes, wnids=wnids, weight=weight, bias=bias,
                        feature_dtype="float32", compression=None, chunk_rows=CHUNK_ROWS) as writer:
            for b, start in enumerate(range(0, rows, step)):
                y = labels[start:start + step]
                x = np.random.default_rng([SEED, dim, 2, b]).standard_normal((len(y), dim), dtype=np.float32)
                x *= 0.5
                x += pulled[y]
                np.maximum(x, 0, out=x)
                writer.append("train", x, y, sample_index=index[start:start + step])
        os.replace(tmp, path)
        log(f"         {time.monotonic() - t0:.1f} s, {path.stat().st_size / 2**20:.0f} MiB")
    return out


def ensure(directory: Path, specs: list[DumpSpec], log=print) -> list[Path]:
    """Create the dumps in `specs` that are missing from `directory`; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for spec in specs:
        path = directory / spec.name
        if is_complete(path, spec):
            log(f"ok       {path}")
        else:
            t0 = time.monotonic()
            log(f"writing  {path} ({spec.rows} x {spec.dim} {spec.dtype}{' gzip+shuffle' if spec.gzip else ''})")
            write_dump(path, spec)
            log(f"         {time.monotonic() - t0:.1f} s, {path.stat().st_size / 2**20:.0f} MiB")
        out.append(path)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--quick", action="store_true", help="small dumps (100,000 x 512 and 10,000 x 2048)")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="only these file names")
    ap.add_argument("--list", action="store_true", help="print the file names and exit")
    ap.add_argument("--eta-pair", action="store_true",
                    help="only the two ImageNet-wnid students (T = 1, 3) the eta benchmarks use")
    args = ap.parse_args()
    if args.eta_pair:
        args.dir.mkdir(parents=True, exist_ok=True)
        write_eta_pair(args.dir, rows=100_000 if args.quick else 1_281_167, log=lambda m: print(m, flush=True))
        return
    specs = dump_specs(args.quick)
    if args.list:
        for s in specs:
            print(s.name)
        return
    if args.only:
        unknown = set(args.only) - {s.name for s in specs}
        if unknown:
            sys.exit(f"make_dumps.py: unknown dump(s) {', '.join(sorted(unknown))}; see --list")
        specs = [s for s in specs if s.name in args.only]
    ensure(args.dir, specs, log=lambda m: print(m, flush=True))


if __name__ == "__main__":
    main()
