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
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in ds[()]]


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
        if int(attrs["format_version"]) != 1:
            raise Bad(f"{name}: /: format_version {int(attrs['format_version'])} is not supported (1)")
        if "manifest_shards" in attrs:
            for shard in attrs["manifest_shards"]:
                shard = shard.decode() if isinstance(shard, bytes) else shard
                if not (path.parent / shard).is_file():
                    raise Bad(f"{name}: manifest_shards: source file {shard} not found")
        if "classes/wnid" in f:
            labels = _strings(f["classes/wnid"])
            seen = set()
            for w in labels:
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


def check_projection(path: Path) -> None:
    with _open(path) as f:
        if f.attrs.get("format") != "penultimate-projection":
            raise Bad(f"{path.name}: /: format is {f.attrs.get('format')!r}, expected 'penultimate-projection'")
        version = int(f.attrs.get("format_version", -1))
        if version != 1:
            raise Bad(f"{path.name}: /: format_version {version} is not supported (1); update penultimate")


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
            check_centroids(files)
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
