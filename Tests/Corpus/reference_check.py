#!/usr/bin/env python3
"""A small reference checker for the corpus: `python3 reference_check.py OUTDIR`.

It applies the format-v1 rules (Sources/FeatureStore/FeatureStore.docc/FileFormat.md) to every case of `OUTDIR/corpus.json`
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
                           integers=(), versions=(1,)) -> None:
    """The attribute rules of AttributeRules.swift: one value each, strings as strings (not
    empty when required), alpha finite in [0, 1), temperature finite > 0, integers stored as
    integers in range; format_version an integer type, one of `versions`."""
    for key, value in attrs.items():
        if np.ndim(value) > 0 and np.size(value) != 1 and key not in ("manifest_shards", "split_order"):
            raise Bad(f"{name}: attribute {key}: has shape {np.shape(value)}; expected one value")
    version = attrs["format_version"]
    if not (isinstance(version, (np.integer, int)) or (np.ndim(version) == 1 and np.asarray(version).dtype.kind in "iu")):
        raise Bad(f"{name}: attribute format_version: stored as {type(version).__name__}; expected the integer 1")
    if int(np.asarray(version).reshape(-1)[0]) not in versions:
        raise Bad(f"{name}: attribute format_version: {int(np.asarray(version).reshape(-1)[0])} is not supported {versions}")
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


def _unit_roundoff(ds) -> float:
    """The unit roundoff of a float dataset's stored type, from its HDF5 mantissa size (IEEE half
    2^-11, single 2^-24, double 2^-53, bfloat16 2^-8), as ElementType.unitRoundoff."""
    tid = ds.id.get_type()
    if isinstance(tid, h5py.h5t.TypeFloatID):
        mantissa_bits = tid.get_fields()[4]
        return 2.0 ** -(mantissa_bits + (1 if tid.get_norm() == h5py.h5t.NORM_IMPLIED else 0))
    return 2.0**-53


def check_logits(name: str, where: str, features: np.ndarray, feature_ds, logits_ds, weight, bias) -> None:
    """Stored logits against features·Wᵀ + b with LogitCheck.swift's tolerance (in float64)."""
    x = features.astype(np.float64)
    w = weight.astype(np.float64)
    z = logits_ds[()].astype(np.float64)
    u = _unit_roundoff(feature_ds)
    uz = _unit_roundoff(logits_ds)
    stored_type = feature_ds.dtype
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
    if ds.size == 0 or ds.is_virtual or ds.id.get_create_plist().get_external_count():
        return None  # checked where the data lives: storage_problem
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



# --------------------------------------------------------------------------- data stored elsewhere
# (virtual datasets and external raw storage; the fast-path helper's block)

def _resolve_source(name: str, folder: Path) -> Path | None:
    """Where libhdf5 1.10 finds a virtual source file: the absolute name, else (by base name) the
    virtual file's folder, else the current directory."""
    candidates = [Path(name)] if os.path.isabs(name) else []
    candidates += [folder / Path(name if not os.path.isabs(name) else Path(name).name), Path(Path(name).name if os.path.isabs(name) else name)]
    return next((c for c in candidates if c.is_file() and os.access(c, os.R_OK)), None)


def _dataset_problem(ds, folder: Path, depth: int = 0) -> str | None:
    """Why `ds` would read fill values or zeros: a missing or short source, or unmapped rows."""
    plist = ds.id.get_create_plist()
    if ds.is_virtual:
        covered = np.zeros(ds.shape, dtype=bool) if ds.size else None
        for i, m in enumerate(ds.virtual_sources()):
            described = f"virtual source {i} ({m.file_name}:{m.dset_name})"
            if m.file_name == ".":
                src_file = ds.file
            else:
                path = _resolve_source(m.file_name, folder)
                if path is None:
                    return f"{described}: source file is missing"
                src_file = h5py.File(path, "r")
            if m.dset_name not in src_file:
                return f"{described}: no such dataset"
            src = src_file[m.dset_name]
            try:
                _, upper = m.src_space.get_select_bounds() or ((), ())
            except ValueError:  # h5py cannot bound an "all" selection: its extent is the bound
                upper = tuple(d - 1 for d in m.src_space.shape)
            selected = src.size if m.src_space.get_select_type() == h5py.h5s.SEL_ALL else m.src_space.get_select_npoints()
            if selected != m.vspace.get_select_npoints():
                return f"{described}: the mapping covers {m.vspace.get_select_npoints()} elements but selects {selected} of the source"
            if upper and any(u >= n for u, n in zip(upper, src.shape)):
                return f"{described}: the mapping reads beyond the source's shape {src.shape}"
            if why := _dataset_problem(src, Path(src_file.filename).parent, depth + 1):
                return f"{described}: {why}"
            if covered is not None:
                sel = m.vspace.copy()
                lo, hi = sel.get_select_bounds()
                block = np.zeros(ds.shape, dtype=bool)
                # Mark the selected points of the mapping's (hyperslab) selection.
                for start, end in sel.get_select_hyper_blocklist():
                    block[tuple(slice(a, b + 1) for a, b in zip(start, end))] = True
                covered |= block
        if covered is not None and not covered.all():
            row = int(np.flatnonzero(~covered.reshape(covered.shape[0], -1).all(axis=1))[0])
            return f"row {row} is not mapped to any source"
        return None
    count = plist.get_external_count()
    if count:
        need = ds.size * ds.dtype.itemsize
        for i in range(count):
            name, offset, size = plist.get_external(i)
            name = name.decode()
            part = min(need, size)
            path = Path(name) if os.path.isabs(name) else folder / name
            if not path.is_file():
                return f"external raw storage file {name} is missing"
            if path.stat().st_size < offset + part:
                return f"external raw storage file {name} holds {path.stat().st_size} bytes, the data needs {offset + part}"
            need -= part
        return None
    return _unwritten(ds) if depth > 0 else None  # the file's own datasets: check_dump_file


def _values(ds) -> np.ndarray:
    """All of `ds`; data in external raw files is read from those files directly (relative names
    against the HDF5 file's folder, as penultimate resolves them; h5py would use the current
    directory), an independent reading of the same bytes."""
    plist = ds.id.get_create_plist()
    count = plist.get_external_count()
    if not count:
        return ds[()]
    need, data = ds.size * ds.dtype.itemsize, b""
    for i in range(count):
        name, offset, size = plist.get_external(i)
        with open(Path(ds.file.filename).parent / name.decode(), "rb") as raw:
            raw.seek(offset)
            data += raw.read(min(size, need - len(data)))
    return np.frombuffer(data, dtype=ds.dtype).reshape(ds.shape)


def storage_problem(path: Path) -> str | None:
    """The first dataset of a dump whose data is stored elsewhere and would not read back whole."""
    with _open(path) as f:
        found = []
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and not found:
                if why := _dataset_problem(obj, path.parent):
                    found.append(f"{path.name}: {name}: {why}")
        f.visititems(visit)
        for split in f.get("splits", {}).values():
            for ds in split.values() if isinstance(split, h5py.Group) else ():
                if isinstance(ds, h5py.Dataset) and not found and (why := _dataset_problem(ds, path.parent)):
                    found.append(f"{path.name}: {ds.name.lstrip('/')}: {why}")
        return found[0] if found else None

def check_dump_file(path: Path, wordnet: Path | None = None) -> dict:
    """Check one file; returns what shard/manifest checks need."""
    if why := storage_problem(path):
        raise Bad(why)
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
            if feats.dtype.newbyteorder("=") not in (np.float16, np.float32):
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
            values = _values(feats).astype(np.float32)
            bad = np.flatnonzero(~np.all(np.isfinite(values), axis=1))
            if bad.size:
                raise Bad(f"{name}: {where}/features: row {bad[0]} holds NaN or Inf")
            if "logits" in group and group["logits"].shape != (rows, count):
                raise Bad(f"{name}: {where}/logits: shape {group['logits'].shape}, expected ({rows}, {count})")
            if "logits" in group:
                check_logits(name, where, values, feats, group["logits"], weight[()], bias[()])
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
    check_dump_semantics(paths, infos)
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


# --------------------------------------------------------------------------- shard sets, repeats, sample_count, centroid coverage

#: Root attributes shards of one dump must agree on (writer, config_json and shard_rank may differ).
MODEL_ATTRIBUTES = ("format_version", "model", "role", "dataset", "ls_alpha", "teacher_model", "teacher_ls_alpha",
                    "kd_temperature", "seed", "epoch")


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (float, np.floating)) and isinstance(b, (float, np.floating)) and np.isnan(a) and np.isnan(b):
        return True
    return a == b


def check_dump_semantics(paths: list[Path], infos: list[dict]) -> None:
    """Shards complete and agreeing, no repeats in one file, sample_count kept."""
    first = infos[0]["attrs"]
    for path, info in zip(paths[1:], infos[1:]):
        for key in MODEL_ATTRIBUTES:
            if not _same(first.get(key), info["attrs"].get(key)):
                raise Bad(f"{path.name}: attribute {key}: {info['attrs'].get(key)!r} differs from "
                          f"{paths[0].name}'s {first.get(key)!r}: not shards of one dump")
    manifest = "manifest_shards" in first
    if not manifest and any("shard_count" in i["attrs"] or "shard_rank" in i["attrs"] for i in infos):
        counts = {int(i["attrs"].get("shard_count", -1)) for i in infos}
        if len(counts) != 1 or -1 in counts:
            raise Bad(f"{paths[0].name}: attribute shard_count: missing or differing among the shard files")
        count = counts.pop()
        ranks = [int(i["attrs"].get("shard_rank", -1)) for i in infos]
        if any(r < 0 or r >= count for r in ranks):
            raise Bad(f"{paths[0].name}: attribute shard_rank: outside 0..<{count}")
        if len(set(ranks)) != len(ranks):
            raise Bad(f"{paths[0].name}: attribute shard_rank: the same rank was given twice")
        if len(ranks) < count:
            missing = ", ".join(str(r) for r in range(count) if r not in ranks)
            raise Bad(f"{paths[0].name}: attribute shard_count: is shard {ranks[0]} of {count} (missing {missing}); "
                      f"pass all {count} shards (or the manifest), or --partial to read one part")
    single = len(paths) == 1 and not manifest
    for split in infos[0]["splits"]:
        indices = [info["splits"][split][1] for info in infos]
        if single and indices[0] is not None:
            values, counts = np.unique(indices[0], return_counts=True)
            if (counts > 1).any():
                raise Bad(f"{paths[0].name}: splits/{split}/sample_index: {int((counts - 1).sum())} rows repeat "
                          f"an earlier sample_index (first value {values[counts > 1][0]}); a single file holds each sample once")
        declared = []
        for path in paths:
            with h5py.File(path, "r") as f:
                attrs = f[f"splits/{split}"].attrs
                declared.append(int(attrs["sample_count"]) if "sample_count" in attrs else None)
        if len(set(declared)) != 1:
            raise Bad(f"{paths[-1].name}: splits/{split} attribute sample_count: {declared} differ among the files")
        sample_count = declared[0]
        if sample_count is None:
            continue
        if any(i is None for i in indices):
            rows = sum(info["splits"][split][0].size for info in infos)
            if rows != sample_count:
                raise Bad(f"{paths[0].name}: splits/{split}: {rows} rows but sample_count is {sample_count}")
            continue
        joined = np.concatenate(indices)
        outside = np.flatnonzero((joined < 0) | (joined >= sample_count))
        if outside.size:
            raise Bad(f"{paths[0].name}: splits/{split}/sample_index: value {joined[outside[0]]} outside "
                      f"0..<{sample_count} (sample_count)")
        distinct = np.unique(joined).size
        if distinct != sample_count:
            raise Bad(f"{paths[0].name}: splits/{split}/sample_index: {distinct} distinct samples but sample_count "
                      f"is {sample_count}: the reading is incomplete")


def check_centroids(paths: list[Path]) -> None:
    """Merging centroid files: coverage recorded (version 2), no shared sample, all ranks and samples."""
    covers = []
    for path in paths:
        with _open(path) as f:
            if f.attrs.get("format") != "penultimate-centroids":
                raise Bad(f"{path.name}: /: format is {f.attrs.get('format')!r}, expected 'penultimate-centroids'")
            version = int(f.attrs["format_version"])
            if version == 1:
                if len(paths) > 1:
                    raise Bad(f"{path.name}: attribute format_version: is 1, which records no coverage: not merged")
                return
            if "coverage" not in f:
                raise Bad(f"{path.name}: coverage: missing (version 2 records what the sums cover)")
            g = f["coverage"]
            values = set()
            for start, end in g["sample_ranges"][()]:
                values.update(range(int(start), int(end)))
            covers.append((path, set(int(r) for r in g["shard_ranks"][()]), int(g.attrs["shard_count"]),
                           int(g.attrs["sample_count"]), values))
    for i, (pa, _, _, _, va) in enumerate(covers):
        for pb, _, _, _, vb in covers[i + 1:]:
            if va & vb:
                raise Bad(f"{pb.name}: coverage/sample_ranges: shares samples with {pa.name} "
                          f"(first: sample_index {min(va & vb)})")
    ranks = set().union(*(c[1] for c in covers))
    count, sample_count = covers[0][2], covers[0][3]
    if len(ranks) < count:
        raise Bad(f"{covers[0][0].name}: coverage/shard_ranks: covers {sorted(ranks)} of {count}; pass all, or --partial")
    samples = set().union(*(c[4] for c in covers))
    if len(samples) != sample_count:
        raise Bad(f"{covers[0][0].name}: coverage/sample_ranges: covers {len(samples)} of sample_count {sample_count} samples")


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


def check_centroid_file(path: Path) -> None:
    """The rules of CentroidFile.read (penultimate-centroids v1 and v2; v2 coverage is check_centroids')."""
    with _open(path) as f:
        name = path.name
        attrs = dict(f.attrs)
        if _attr_text(attrs.get("format")) != "penultimate-centroids":
            raise Bad(f"{name}: attribute format: not a penultimate centroid file")
        if "format_version" not in attrs:
            raise Bad(f"{name}: attribute format_version: missing")
        check_attribute_values(name, attrs, strings=("split", "row_normalization", "source_model", "source_role"),
                               optional_strings=("provenance", "source_dataset", "source_teacher_model"),
                               required_alphas=("source_ls_alpha",),
                               alphas=("source_teacher_ls_alpha",), temperatures=("source_kd_temperature",),
                               nan_is_absent=True,
                               integers=(("skipped_nonfinite", 0, 2**48), ("skipped_zero", 0, 2**48)),
                               versions=(1, 2))
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


# --------------------------------------------------------------------------- hierarchy files
# (issue #14) The rules of Sources/Taxonomy/Taxonomy.docc/HierarchyFiles.md, written again with the
# standard library: a tree with one root, optional "# levels:", classes matched by wnid, else name.

def _hierarchy_tree(path: Path):
    """(parent map, depth map, node order, levels) of a hierarchy file; raises Bad."""
    data = path.read_bytes()
    lines = data.split(b"\n")
    for number, raw in enumerate(lines, 1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Bad(f"{path}: line {number}: not UTF-8 text")
    for number, raw in enumerate(lines, 1):
        if b"\0" in raw:
            raise Bad(f"{path}: line {number}: holds a NUL byte")
    parent, seen, edge_line, order, levels, levels_line = {}, {}, {}, [], None, 0
    for number, raw in enumerate(lines, 1):
        line = raw.decode("utf-8")
        text = line.strip()
        if not text:
            continue
        if text.startswith("#"):
            body = text[1:].strip()
            if body.lower().startswith("levels:"):
                if levels is not None:
                    raise Bad(f"{path}: line {number}: a second '# levels:' line")
                levels = body[len("levels:"):].split()
                if not levels or len(set(levels)) != len(levels):
                    raise Bad(f"{path}: line {number}: bad '# levels:' line")
                levels_line = number
            continue
        if "\t" in line:
            cols = [c.strip() for c in line.split("\t")]
            if len(cols) > 2 or not all(cols):
                raise Bad(f"{path}: line {number}: found {len(cols)} tab-separated fields" + (" (one empty)" if not all(cols) else ""))
        else:
            cols = text.split()
            if len(cols) > 2:
                raise Bad(f"{path}: line {number}: {len(cols)} words and no TAB")
        child = cols[0]
        for node in cols:
            if node not in seen:
                seen[node] = number
                order.append(node)
        if len(cols) == 1:
            if child in edge_line:
                raise Bad(f"{path}: line {number}: '{child}' declared a root again or after its parent")
            edge_line[child] = number
            continue
        if cols[1] == child:
            raise Bad(f"{path}: line {number}: '{child}' is its own parent")
        if child in edge_line:
            if child not in parent:
                raise Bad(f"{path}: line {number}: '{child}' was declared a root on line {edge_line[child]}")
            if parent[child] == cols[1]:
                raise Bad(f"{path}: line {number}: duplicate edge '{child}' → '{cols[1]}'")
            raise Bad(f"{path}: line {number}: '{child}' has a second parent '{cols[1]}'")
        parent[child], edge_line[child] = cols[1], number
    if not order:
        raise Bad(f"{path}: no nodes: the file is empty or holds only comments")
    depth = {}
    for start in order:
        chain, node = [], start
        while node not in depth:
            if node in chain:
                loop = chain[chain.index(node):] + [node]
                line = min(edge_line[n] for n in loop[:-1])
                raise Bad(f"{path}: line {line}: cycle: {' → '.join(loop)}")
            chain.append(node)
            if node not in parent:
                depth[node] = 0
                chain.pop()
                break
            node = parent[node]
        for item in reversed(chain):
            depth[item] = depth[parent[item]] + 1
    deep = [n for n in order if depth[n] > 1000]
    if deep:
        raise Bad(f"{path}: line {edge_line[deep[0]]}: '{deep[0]}' is at depth {depth[deep[0]]}, deeper than the 1000 a hierarchy file may hold")
    roots = [n for n in order if n not in parent]
    if len(roots) != 1:
        raise Bad(f"{path}: {len(roots)} roots: " + ", ".join(f"'{r}'" for r in roots))
    if levels is not None:
        inner = set(parent.values())
        for node in order:
            if depth[node] >= len(levels):
                raise Bad(f"{path}: line {edge_line[node]}: '{node}' is at depth {depth[node]} below the levels of line {levels_line}")
            if node not in inner and depth[node] != len(levels) - 1:
                raise Bad(f"{path}: line {edge_line[node]}: leaf '{node}' is not at the last level")
    return parent, depth, order, levels


def check_hierarchy(path: Path, dump: Path) -> None:
    """The file, then the match of the dump's classes (ids win when the file holds any wnid)."""
    _, _, order, _ = _hierarchy_tree(path)
    nodes = set(order)
    with h5py.File(dump, "r") as f:
        wnids = [w.decode() if isinstance(w, bytes) else w for w in f["classes/wnid"][()]] if "classes/wnid" in f else None
        names = [w.decode() if isinstance(w, bytes) else w for w in f["classes/name"][()]] if "classes/name" in f else None
    if wnids and any(w in nodes for w in wnids):
        for k, w in enumerate(wnids):
            if w not in nodes:
                raise Bad(f"{dump}: classes/wnid: class {k} '{w}' is not a node of the hierarchy {path}")
        return
    key = lambda t: t.strip().lower().replace(" ", "_")
    by_key = {}
    for node in order:
        by_key.setdefault(key(node), []).append(node)
    for k, name in enumerate(names or []):
        if name not in nodes and len(by_key.get(key(name), [])) != 1:
            raise Bad(f"{dump}: classes/name: class {k} '{name}' is not a node of the hierarchy {path}")


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
            for file in files:
                check_centroid_file(file)
            check_centroids(files)
        elif case["kind"] == "hierarchy":
            check_hierarchy(files[0], out / "valid.h5")
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
