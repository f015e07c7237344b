#!/usr/bin/env python3
"""A small reference checker for the corpus: `python3 reference_check.py OUTDIR`.

It applies the format-v1 rules (SPEC.md) to every case of `OUTDIR/corpus.json`
and reports whether the case is rejected with a message containing all of its
`expect` substrings (bad cases) or accepted (`expect_ok` cases).  It exists to
keep the corpus honest: each bad case must be bad for the reason it claims, and
each good case must be good.  It is not the product's reader (FeatureStore is);
its messages only follow the same `<file>: <object>: <what is wrong>` shape.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

#: Filters compiled into Debian's libhdf5 1.10.8.
BUILTIN_FILTERS = {1: "deflate", 2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit", 6: "scaleoffset"}
WORDNET = Path("/usr/share/wordnet")


class Bad(Exception):
    """One-line description of why an input is rejected."""


def _strings(ds) -> list[str]:
    # One rule for every storage (as the HDF5 module reads them): padding removed (numpy drops
    # trailing NULs; space padding is trailing spaces), then surrounding whitespace trimmed.
    return [(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)).split("\0")[0].strip()
            for v in ds[()]]


def _attr_text(value) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip()
    if isinstance(value, str):
        return value.strip()
    return None


def check_attribute_values(name: str, attrs: dict, *, prefix: str = "", strings=(), optional_strings=(),
                           alphas=(), required_alphas=(), temperatures=(), nan_is_absent=False,
                           integers=()) -> None:
    """The attribute rules of AttributeRules.swift: one value each, strings as strings (not
    empty when required), alpha finite in [0, 1), temperature finite > 0, integers stored as
    integers in range; format_version an integer type equal to 1."""
    for key, value in attrs.items():
        if np.ndim(value) > 0 and np.size(value) != 1 and key not in ("manifest_shards", "split_order"):
            raise Bad(f"{name}: attribute {key}: has shape {np.shape(value)}; expected one value")
    version = attrs["format_version"]
    if not (isinstance(version, (np.integer, int)) or (np.ndim(version) == 1 and np.asarray(version).dtype.kind in "iu")):
        raise Bad(f"{name}: attribute format_version: stored as {type(version).__name__}; expected the integer 1")
    if int(np.asarray(version).reshape(-1)[0]) != 1:
        raise Bad(f"{name}: attribute format_version: {int(np.asarray(version).reshape(-1)[0])} is not supported (1)")
    for key in (*strings, *optional_strings):
        if key not in attrs:
            if key in strings:
                raise Bad(f"{name}: attribute {key}: missing")
            continue
        text = _attr_text(attrs[key])
        if text is None:
            raise Bad(f"{name}: attribute {key}: stored as {type(attrs[key]).__name__}; expected a string")
        if key in strings and not text:
            raise Bad(f"{name}: attribute {key}: is empty")
    def number(key):
        value = attrs[key]
        if _attr_text(value) is not None or not np.issubdtype(np.asarray(value).dtype, np.number):
            raise Bad(f"{name}: attribute {key}: stored as {type(value).__name__}; expected a number")
        return float(np.asarray(value).reshape(-1)[0])
    for key in (*required_alphas, *alphas):
        if key not in attrs:
            if key in required_alphas:
                raise Bad(f"{name}: attribute {key}: missing")
            continue
        v = number(key)
        if nan_is_absent and key not in required_alphas and np.isnan(v):
            continue
        if not (np.isfinite(v) and 0 <= v < 1):
            raise Bad(f"{name}: attribute {key}: is {v}; a label-smoothing alpha is a finite number in [0, 1)")
    for key in temperatures:
        if key in attrs:
            v = number(key)
            if nan_is_absent and np.isnan(v):
                continue
            if not (np.isfinite(v) and v > 0):
                raise Bad(f"{name}: attribute {key}: is {v}; a distillation temperature is a finite number > 0")
    for key, low, high in integers:
        if key in attrs:
            value = np.asarray(attrs[key])
            if value.dtype.kind not in "iu":
                raise Bad(f"{name}: attribute {key}: stored as {value.dtype}; expected an integer")
            v = int(value.reshape(-1)[0])
            if not low <= v <= high:
                raise Bad(f"{name}: attribute {key}: is {v}, outside {low}..{high}")
    if "shard_rank" in attrs and "shard_count" in attrs and int(attrs["shard_rank"]) >= int(attrs["shard_count"]):
        raise Bad(f"{name}: attribute shard_rank: is {int(attrs['shard_rank'])}, not below shard_count")


def check_logits(name: str, where: str, features: np.ndarray, stored_type, logits_ds, weight, bias) -> None:
    """Stored logits against features·Wᵀ + b with LogitCheck.swift's tolerance (in float64)."""
    x = features.astype(np.float64)
    w = weight.astype(np.float64)
    z = logits_ds[()].astype(np.float64)
    u = {np.dtype(np.float16): 2.0**-11, np.dtype(np.float32): 2.0**-24}.get(np.dtype(stored_type), 2.0**-53)
    uz = {np.dtype(np.float16): 2.0**-11, np.dtype(np.float32): 2.0**-24}.get(logits_ds.dtype, 2.0**-53)
    uc = 2.0**-10
    expected = x @ w.T + bias.astype(np.float64)
    tolerance = (u + uc) * (np.abs(x) @ np.abs(w).T) + uc * np.abs(bias.astype(np.float64)) + uz * np.abs(z)
    if np.dtype(stored_type) == np.float16:
        tolerance += 2.0**-25 * np.abs(w).sum(axis=1)
    with np.errstate(invalid="ignore"):
        excess = ~(np.abs(z - expected) <= tolerance)  # a NaN logit is beyond any tolerance
    if excess.any():
        r, k = np.argwhere(excess)[0]
        raise Bad(f"{name}: {where}/logits: differ from features·Wᵀ + b by {abs(z[r, k] - expected[r, k]):.3g} at row {r}, "
                  f"class {k}: the features are not the classifier's input")


def _wordnet_offsets(directory: Path) -> set[str]:
    data = directory / "data.noun"
    if not data.is_file():
        raise Bad(f"{directory}: data.noun: not found; point --wordnet at a WordNet 3.0 dict folder")
    offsets = set()
    position = 0
    with open(data, "rb") as f:
        for number, line in enumerate(f, start=1):
            if not line.startswith(b"  "):  # license lines start with two spaces
                fields = line.split(b" ")
                if (len(fields) < 4 or not re.fullmatch(rb"[0-9]{8}", fields[0])
                        or int(fields[0]) != position or fields[2] != b"n"):
                    raise Bad(f"{data}: line {number}: not a synset line (offset {position})")
                try:
                    int(fields[3], 16)
                    line.decode("utf-8")
                except ValueError:
                    raise Bad(f"{data}: line {number}: malformed word count or bytes") from None
                offsets.add("n" + fields[0].decode())
            position += len(line)
    if not offsets:
        raise Bad(f"{data}: no synsets")
    return offsets


def _probe_libhdf5_1_10(path: Path) -> None:
    """Debian's h5ls (libhdf5 1.10.8) marks objects it cannot open with *ERROR*."""
    if shutil.which("h5ls") is None:
        return
    listing = subprocess.run(["h5ls", "-r", str(path)], capture_output=True, text=True, timeout=60)
    for line in listing.stdout.splitlines():
        if "*ERROR*" in line:
            name = line.split()[0].lstrip("/")
            raise Bad(f"{path.name}: {name}: libhdf5 1.10.8 cannot open it (written with libver='latest'?); "
                      "rewrite with libver=('earliest', 'v110')")


def _unwritten(ds) -> str | None:
    """Why part of `ds` was never written (libhdf5 would read it as the fill value), or None."""
    if ds.size == 0 or ds.is_virtual:
        return None
    if ds.chunks:
        spanned = int(np.prod([-(-n // c) for n, c in zip(ds.shape, ds.chunks)]))
        stored = ds.id.get_num_chunks()
        return f"{spanned - stored} of {spanned} chunks never written" if stored < spanned else None
    layout = ds.id.get_create_plist().get_layout()
    if layout == h5py.h5d.CONTIGUOUS and ds.id.get_offset() is None:
        return "never written (no storage)"
    return None


def _open(path: Path) -> h5py.File:
    try:
        return h5py.File(path, "r")
    except OSError as error:
        raise Bad(f"{path.name}: not a readable HDF5 file ({str(error).splitlines()[0]})") from None


def check_dump_file(path: Path, wordnet: Path | None = None) -> dict:
    """Check one file; returns what shard/manifest checks need."""
    _probe_libhdf5_1_10(path)
    with _open(path) as f:
        name = path.name
        attrs = dict(f.attrs)
        if "format" not in attrs:
            raise Bad(f"{name}: /: attribute format missing")
        if attrs["format"] != "penultimate-features":
            raise Bad(f"{name}: /: format is {attrs['format']!r}, expected 'penultimate-features'")
        if "format_version" not in attrs:
            raise Bad(f"{name}: /: attribute format_version missing")
        check_attribute_values(name, attrs, strings=("format", "model", "role", "dataset"),
                               optional_strings=("teacher_model", "config_json", "writer"),
                               required_alphas=("ls_alpha",), alphas=("teacher_ls_alpha",), temperatures=("kd_temperature",),
                               integers=(("seed", 0, 2**63 - 1), ("epoch", 0, 2**63 - 1), ("shard_rank", 0, 2**20 - 1),
                                         ("shard_count", 1, 2**20)))
        if "manifest_shards" in attrs:
            for shard in attrs["manifest_shards"]:
                shard = shard.decode() if isinstance(shard, bytes) else shard
                if not (path.parent / shard).is_file():
                    raise Bad(f"{name}: manifest_shards: source file {shard} not found")
        if "classes/wnid" in f:
            labels = _strings(f["classes/wnid"])
            seen = set()
            for w in labels:
                if not w:
                    raise Bad(f"{name}: classes/wnid: an empty wnid")
                if w in seen:
                    raise Bad(f"{name}: classes/wnid: duplicate wnid {w}")
                seen.add(w)
            if wordnet is not None:
                known = _wordnet_offsets(wordnet)
                for w in labels:
                    if w not in known:
                        raise Bad(f"{name}: classes/wnid: {w} is not a WordNet noun synset")
        elif "classes/name" in f:
            labels = _strings(f["classes/name"])
        else:
            raise Bad(f"{name}: classes: neither classes/wnid nor classes/name")
        if "classes/name" in f and "" in _strings(f["classes/name"]):
            raise Bad(f"{name}: classes/name: an empty name")
        count = len(labels)
        for ds in ("classifier/weight", "classifier/bias"):
            if ds not in f:
                raise Bad(f"{name}: {ds}: missing")
        weight, bias = f["classifier/weight"], f["classifier/bias"]
        for ds in (weight, bias):
            if why := _unwritten(ds):
                raise Bad(f"{name}: {ds.name.lstrip('/')}: {why}")
        if weight.ndim != 2 or weight.shape[0] != count:
            raise Bad(f"{name}: classifier/weight: shape {weight.shape}, expected ({count}, D)")
        dim = weight.shape[1]
        if bias.shape != (count,):
            raise Bad(f"{name}: classifier/bias: shape {bias.shape}, expected ({count},)")
        for ds in (weight, bias):
            if not np.all(np.isfinite(ds[()])):
                raise Bad(f"{name}: {ds.name.lstrip('/')}: holds NaN or Inf; the classifier is unusable")
        splits = {}
        for split, group in f["splits"].items():
            where = f"splits/{split}"
            for ds in ("features", "labels"):
                if ds not in group:
                    raise Bad(f"{name}: {where}/{ds}: missing")
            feats, labs = group["features"], group["labels"]
            if feats.ndim != 2:
                raise Bad(f"{name}: {where}/features: rank {feats.ndim}, expected (N, {dim})")
            if feats.dtype not in (np.float16, np.float32):
                raise Bad(f"{name}: {where}/features: type {feats.dtype}, expected float32 or float16")
            if feats.shape[1] != dim:
                raise Bad(f"{name}: {where}/features: {feats.shape[1]} columns, classifier/weight has {dim}")
            plist = feats.id.get_create_plist()
            for i in range(plist.get_nfilters()):
                code, _, _, fname = plist.get_filter(i)
                if code not in BUILTIN_FILTERS:
                    raise Bad(f"{name}: {where}/features: filter {fname.decode()} ({code}) is not available "
                              "in libhdf5 1.10.8; h5repack -f GZIP=4 in.h5 out.h5")
            for ds in group.values():
                if isinstance(ds, h5py.Dataset) and (why := _unwritten(ds)):
                    raise Bad(f"{name}: {ds.name.lstrip('/')}: {why}")
            rows = feats.shape[0]
            if labs.dtype.kind not in "iu":
                raise Bad(f"{name}: {where}/labels: type {labs.dtype}, expected integers")
            if labs.shape != (rows,):
                raise Bad(f"{name}: {where}/labels: shape {labs.shape}, features have {rows} rows")
            labels_ = labs[()]
            out = np.flatnonzero((labels_ < 0) | (labels_ >= count))
            if out.size:
                raise Bad(f"{name}: {where}/labels: row {out[0]} has label {labels_[out[0]]}, outside 0..<{count}")
            values = feats[()].astype(np.float32)
            bad = np.flatnonzero(~np.all(np.isfinite(values), axis=1))
            if bad.size:
                raise Bad(f"{name}: {where}/features: row {bad[0]} holds NaN or Inf")
            if "logits" in group and group["logits"].shape != (rows, count):
                raise Bad(f"{name}: {where}/logits: shape {group['logits'].shape}, expected ({rows}, {count})")
            if "logits" in group:
                check_logits(name, where, values, feats.dtype, group["logits"], weight[()], bias[()])
            index = group["sample_index"][()] if "sample_index" in group else None
            splits[split] = (labels_, index)
        return {"attrs": attrs, "labels": labels, "weight": weight[()], "bias": bias[()], "splits": splits,
                "count": count}


def check_dump(paths: list[Path], wordnet: Path | None = None) -> None:
    infos = [check_dump_file(p, wordnet) for p in paths]
    shard_count = len(paths)
    for path, info in zip(paths[1:], infos[1:]):
        if info["labels"] != infos[0]["labels"]:
            raise Bad(f"{path.name}: classes/wnid: differs from {paths[0].name}")
        if not np.array_equal(info["weight"], infos[0]["weight"]):
            raise Bad(f"{path.name}: classifier/weight: differs from {paths[0].name}")
    # Repeated sample indices: DistributedSampler pads at most shard_count - 1 rows in all.
    manifest = "manifest_shards" in infos[0]["attrs"]
    padding = len(infos[0]["attrs"]["manifest_shards"]) - 1 if manifest else shard_count - 1
    for split in infos[0]["splits"]:
        indices = [info["splits"][split][1] for info in infos]
        if any(i is None for i in indices):
            continue
        joined = np.concatenate(indices)
        repeats = joined.size - np.unique(joined).size
        if repeats > padding:
            raise Bad(f"{paths[-1].name}: splits/{split}/sample_index: {repeats} repeated sample indices, "
                      f"padding allows {padding}")
    for split, (labels, _) in infos[0]["splits"].items():
        if len(infos) == 1:
            present = np.bincount(labels, minlength=infos[0]["count"])
            for k in np.flatnonzero(present == 0):
                raise Bad(f"{paths[0].name}: splits/{split}: class {k} ({infos[0]['labels'][k]}) has no rows")


def _dataset(name: str, f, key: str, shape: tuple, kind: str):
    """Dataset `key` with numpy kind `kind` ("f" floats, "i" integers, "S" strings) and `shape` (None: any)."""
    if key not in f or not isinstance(f[key], h5py.Dataset):
        raise Bad(f"{name}: {key}: missing dataset")
    ds = f[key]
    ok = {"f": ds.dtype.kind == "f", "i": ds.dtype.kind in "iu", "S": h5py.check_string_dtype(ds.dtype) is not None}[kind]
    if not ok:
        raise Bad(f"{name}: {key}: stored as {ds.dtype}")
    if len(ds.shape) != len(shape) or any(e is not None and e != s for s, e in zip(ds.shape, shape)):
        raise Bad(f"{name}: {key}: has shape {ds.shape}, expected {shape}")
    if kind == "f" and not np.all(np.isfinite(ds[()])):
        raise Bad(f"{name}: {key}: holds NaN or infinity")
    return ds


def check_projection(path: Path) -> None:
    with _open(path) as f:
        if f.attrs.get("format") != "penultimate-projection":
            raise Bad(f"{path.name}: /: format is {f.attrs.get('format')!r}, expected 'penultimate-projection'")
        name = path.name
        attrs = dict(f.attrs)
        if "format_version" not in attrs:
            raise Bad(f"{name}: /: attribute format_version missing")
        check_attribute_values(name, attrs, strings=("format", "method"),
                               optional_strings=("source_model", "source_role", "source_dataset", "source_teacher_model"),
                               alphas=("source_ls_alpha", "source_teacher_ls_alpha"), temperatures=("source_kd_temperature",))
        method = _attr_text(attrs["method"])
        if method not in ("muller", "qr-pca"):
            raise Bad(f"{name}: attribute method: unknown method {method!r}")
        vectors = 2 if method == "muller" else 3
        basis = _dataset(name, f, "basis", (None, vectors), "f")
        if basis.shape[0] < 2:
            raise Bad(f"{name}: basis: has shape {basis.shape}")
        if "origin" in f:
            _dataset(name, f, "origin", (basis.shape[0],), "f")
        if "pca" in f:
            _dataset(name, f, "pca/mean", (3,), "f")
            _dataset(name, f, "pca/axes", (2, 3), "f")
        if (method == "muller") != ("origin" in f) and method == "muller":
            raise Bad(f"{name}: origin: missing")
        if method == "qr-pca" and "pca" not in f:
            raise Bad(f"{name}: pca: missing")
        _dataset(name, f, "classes/wnid", (3,), "S")
        _dataset(name, f, "classes/name", (3,), "S")
        if "classes/index_in_source" in f:
            _dataset(name, f, "classes/index_in_source", (3,), "i")
        order = [_attr_text(v) for v in attrs["split_order"]] if "split_order" in attrs else list(f.get("splits", {}))
        for split in order:
            g = f"splits/{split}"
            if g not in f or not isinstance(f[g], h5py.Group):
                raise Bad(f"{name}: {g}: missing group")
            points = _dataset(name, f, g + "/points", (None, 2), "f")
            n = points.shape[0]
            classes = _dataset(name, f, g + "/class", (n,), "i")[()]
            if np.any((classes < 0) | (classes > 2)):
                raise Bad(f"{name}: {g}/class: a class position outside 0..2")
            _dataset(name, f, g + "/sample_index", (n,), "i")
            _dataset(name, f, g + "/centroids", (3, 2), "f")


def check_centroids(path: Path) -> None:
    """The rules of CentroidFile.read (penultimate-centroids v1)."""
    with _open(path) as f:
        name = path.name
        attrs = dict(f.attrs)
        if _attr_text(attrs.get("format")) != "penultimate-centroids":
            raise Bad(f"{name}: attribute format: not a penultimate centroid file")
        if "format_version" not in attrs:
            raise Bad(f"{name}: attribute format_version: missing")
        check_attribute_values(name, attrs, strings=("split", "row_normalization", "source_model", "source_role"),
                               optional_strings=("provenance",), required_alphas=("source_ls_alpha",),
                               alphas=("source_teacher_ls_alpha",), temperatures=("source_kd_temperature",),
                               nan_is_absent=True,
                               integers=(("skipped_nonfinite", 0, 2**48), ("skipped_zero", 0, 2**48)))
        if _attr_text(attrs["row_normalization"]) not in ("none", "unitLength"):
            raise Bad(f"{name}: attribute row_normalization: unknown")
        if _attr_text(attrs["source_role"]) not in ("teacher", "student"):
            raise Bad(f"{name}: attribute source_role: is {attrs['source_role']!r}, expected teacher or student")
        lists = {k: _strings(f[f"classes/{k}"]) for k in ("wnid", "name") if f"classes/{k}" in f}
        if not lists:
            raise Bad(f"{name}: classes/wnid: missing, and there is no classes/name either")
        if len({len(v) for v in lists.values()}) > 1:
            raise Bad(f"{name}: classes/name: has {len(lists['name'])} entries but classes/wnid has {len(lists['wnid'])}")
        count = len(next(iter(lists.values())))
        if "" in lists.get("name", []):
            raise Bad(f"{name}: classes/name: an empty name")
        if "wnid" in lists:
            if "" in lists["wnid"]:
                raise Bad(f"{name}: classes/wnid: an empty wnid")
            for w in lists["wnid"]:
                if lists["wnid"].count(w) > 1:
                    raise Bad(f"{name}: classes/wnid: {w} appears twice")
        sums = _dataset(name, f, "sums", (count, None), "f")
        if sums.shape[1] == 0:
            raise Bad(f"{name}: sums: has shape {sums.shape}, D must be > 0")
        counts = _dataset(name, f, "counts", (count,), "i")[()]
        if np.any(counts < 0):
            raise Bad(f"{name}: counts: holds a negative count")
        if np.any(counts > 2**48):
            raise Bad(f"{name}: counts: more than 2^48 rows")
        if np.any(np.abs(sums[()]) > counts[:, None].astype(np.float64) * float(np.finfo(np.float32).max)):
            raise Bad(f"{name}: sums: beyond what float32 rows can add up to")
        if np.any((counts == 0) & np.any(sums[()] != 0, axis=1)):
            raise Bad(f"{name}: sums: a class without rows has a non-zero sum")


def run_case(out: Path, case: dict) -> str | None:
    """None when accepted, else the rejection message."""
    files = [out / f for f in case["files"]]
    try:
        if case["kind"] == "dump":
            wordnet = WORDNET if "--wordnet" in case["tool_args"] else None
            check_dump(files, wordnet)
        elif case["kind"] == "projection":
            check_projection(files[0])
        elif case["kind"] == "centroids":
            check_centroids(files[0])
        else:
            _wordnet_offsets(files[0])
    except Bad as error:
        return str(error)
    return None


def main(argv: list[str]) -> int:
    out = Path(argv[1])
    cases = json.loads((out / "corpus.json").read_text())["cases"]
    failures = 0
    for case in cases:
        message = run_case(out, case)
        if case["expect_ok"]:
            ok = message is None
        else:
            ok = message is not None and all(e.lower() in message.lower() for e in case["expect"])
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {case['name']}: {message or 'accepted'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
