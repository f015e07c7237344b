#!/usr/bin/env python3
"""Generate the bad-input corpus: `python3 Tests/Corpus/make_corpus.py OUTDIR`.

Writes small files (a few KiB each) and `OUTDIR/corpus.json`, an index of cases:

    {"name", "kind": "dump"|"projection"|"wordnet", "files": [paths relative to OUTDIR],
     "tool_args": [hint; "{dir}" stands for OUTDIR], "expect": [substrings],
     "expect_ok": bool, "why": "..."}

For a bad case (`expect_ok` false) the reader must fail with a one-line error that
contains every `expect` substring (compare case-insensitively).  For an `expect_ok`
case it must succeed.  The output is deterministic: the same bytes on every run
(fixed seeds, no HDF5 timestamps).  Binaries are generated, never committed.

Dumps are built from a plain description (root attributes + datasets) that each
case edits, and written with raw h5py, not with penultimate_writer.py, because
the writer refuses most of these inputs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "notebooks-export"))
import penultimate_writer as pw  # noqa: E402  (the reference manifest writer)

LIBVER = ("earliest", "v110")
VLEN = h5py.string_dtype("utf-8")
SEED = 20261127

# Four real ImageNet-1k wnids: two retrievers, two snakes.
WNIDS = ["n02099601", "n02099849", "n01728572", "n01728920"]
NAMES = ["golden retriever", "Chesapeake Bay retriever", "thunder snake", "ringneck snake"]
C, D = 4, 8
TRAIN_PER_CLASS, VAL_PER_CLASS = 4, 2


# --------------------------------------------------------------------------- the valid dump

def base() -> dict:
    """A valid format-v1 dump as {"attrs": {...}, "datasets": {path: array}, "options": {path: kwargs}}."""
    rng = np.random.default_rng(SEED)
    weight = rng.normal(size=(C, D)).astype(np.float32)
    bias = rng.normal(scale=0.1, size=C).astype(np.float32)
    datasets = {
        "classes/wnid": np.array(WNIDS, dtype=object),
        "classes/name": np.array(NAMES, dtype=object),
        "classifier/weight": weight,
        "classifier/bias": bias,
    }
    start = 0
    for split, per_class in (("train", TRAIN_PER_CLASS), ("val", VAL_PER_CLASS)):
        labels = np.repeat(np.arange(C, dtype=np.int64), per_class)
        features = (weight[labels] * 2 + rng.normal(scale=0.5, size=(labels.size, D))).astype(np.float32)
        datasets[f"splits/{split}/features"] = features
        datasets[f"splits/{split}/labels"] = labels
        datasets[f"splits/{split}/sample_index"] = np.arange(start, start + labels.size, dtype=np.int64)
        datasets[f"splits/{split}/logits"] = (features @ weight.T + bias).astype(np.float32)
        start += labels.size
    attrs = {
        "format": "penultimate-features", "format_version": np.int64(1),
        "model": "resnet18", "role": "teacher", "dataset": "corpus", "ls_alpha": np.float64(0.1),
        "seed": np.int64(SEED), "epoch": np.int64(1), "writer": "Tests/Corpus/make_corpus.py",
    }
    options = {f"splits/{s}/features": {"chunks": (4, D)} for s in ("train", "val")}
    return {"attrs": attrs, "datasets": datasets, "options": options}


def write_spec(path: Path, spec: dict, libver=LIBVER) -> None:
    with h5py.File(path, "w", libver=libver, track_order=False) as f:
        for key, value in spec["attrs"].items():
            if isinstance(value, str):
                f.attrs.create(key, value, dtype=VLEN)
            else:
                f.attrs.create(key, value)
        for name, data in spec["datasets"].items():
            kwargs = dict(spec["options"].get(name, {}))
            if isinstance(data, np.ndarray) and data.dtype == object:
                kwargs.setdefault("dtype", VLEN)
            if kwargs.get("chunks") and np.ndim(data) != len(kwargs["chunks"]):
                kwargs.pop("chunks")
            # Rows from `unwritten_from` on are never written, as by a run that created its datasets
            # at full size and stopped early: libhdf5 allocates no storage for them.
            unwritten = kwargs.pop("unwritten_from", None)
            if unwritten is None:
                f.create_dataset(name, data=data, track_times=False, **kwargs)
            else:
                ds = f.create_dataset(name, shape=data.shape, dtype=data.dtype, track_times=False, **kwargs)
                if unwritten > 0:
                    ds[:unwritten] = data[:unwritten]


def edited(edit) -> dict:
    spec = base()
    edit(spec)
    return spec


def set_ds(path, value, **options):
    def edit(spec):
        spec["datasets"][path] = value
        if options:
            spec["options"][path] = options
    return edit


def drop_ds(*paths):
    def edit(spec):
        for p in paths:
            del spec["datasets"][p]
    return edit


def set_attr(key, value):
    def edit(spec):
        if value is None:
            del spec["attrs"][key]
        else:
            spec["attrs"][key] = value
    return edit


def with_rows(split="train", **change):
    """Edit rows of a split: change maps dataset name -> function(array) -> array."""
    def edit(spec):
        for name, fn in change.items():
            key = f"splits/{split}/{name}"
            spec["datasets"][key] = fn(spec["datasets"][key].copy())
    return edit


def put(index, value):
    def fn(array):
        array[index] = value
        return array
    return fn


# --------------------------------------------------------------------------- cases

class Corpus:
    def __init__(self, out: Path):
        self.out = out
        self.cases: list[dict] = []

    def add(self, name, files, *, expect=(), kind="dump", expect_ok=False, why, tool_args=None):
        files = [str(f) for f in files]
        if kind == "hierarchy" and tool_args is None:
            tool_args = ["eta", "--t1", "{dir}/valid.h5", "--t2", "{dir}/valid.h5", "--hierarchy",
                         *[f"{{dir}}/{f}" for f in files], "--targets", "0", "--s1", "1", "--s2", "2"]
        if tool_args is None:
            tool_args = {
                "dump": ["inspect", *[f"{{dir}}/{f}" for f in files]],
                "projection": ["plot", *[f"{{dir}}/{f}" for f in files]],
                "wordnet": ["eta", "--wordnet", *[f"{{dir}}/{f}" for f in files]],
            }[kind]
        self.cases.append({"name": name, "kind": kind, "files": files, "tool_args": tool_args,
                           "expect": list(expect), "expect_ok": expect_ok, "why": why})

    def dump(self, name, spec, *, expect=(), expect_ok=False, why, libver=LIBVER, tool_args=None):
        file = f"{name}.h5"
        write_spec(self.out / file, spec, libver=libver)
        self.add(name, [file], expect=expect, expect_ok=expect_ok, why=why, tool_args=tool_args)

    def raw(self, name, data: bytes, *, expect, why):
        file = f"{name}.h5"
        (self.out / file).write_bytes(data)
        self.add(name, [file], expect=expect, why=why)


def make(out: Path) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(out)
    rng = np.random.default_rng(SEED)

    # Valid references, so a reader's test can tell "rejects everything" from "rejects the bad".
    corpus.dump("valid", base(), expect_ok=True, why="the valid dump every bad case is edited from")
    valid_bytes = (out / "valid.h5").read_bytes()

    # Not HDF5 at all, or cut short.
    corpus.raw("empty", b"", expect=["empty.h5"], why="zero-byte file")
    corpus.raw("random_bytes", rng.integers(0, 256, 4096, dtype=np.uint8).tobytes(),
               expect=["random_bytes.h5"], why="4 KiB of random bytes, no HDF5 signature")
    for label, cut in (("100", 100), ("half", len(valid_bytes) // 2), ("last_1k", len(valid_bytes) - 1024)):
        corpus.raw(f"truncated_{label}", valid_bytes[:cut], expect=[f"truncated_{label}.h5"],
                   why=f"valid.h5 ({len(valid_bytes)} bytes) truncated to {cut} bytes")

    # Required objects missing.
    corpus.dump("missing_classes", edited(drop_ds("classes/wnid", "classes/name")), expect=["classes"],
                why="neither /classes/wnid nor /classes/name")
    for path in ("classifier/weight", "classifier/bias", "splits/train/features", "splits/train/labels"):
        corpus.dump("missing_" + path.replace("/", "_"), edited(drop_ds(path)), expect=[path],
                    why=f"/{path} absent")
    for key in ("format", "format_version"):
        corpus.dump(f"missing_attr_{key}", edited(set_attr(key, None)), expect=[key],
                    why=f"root attribute {key} absent")
    corpus.dump("wrong_format", edited(set_attr("format", "penultimate-centroids")),
                expect=["format", "penultimate-centroids"], why="format names another kind of file")
    corpus.dump("format_version_2", edited(set_attr("format_version", np.int64(2))),
                expect=["format_version", "2"], why="a future format version")

    # Wrong ranks, shapes and types.
    train = base()["datasets"]
    n = train["splits/train/labels"].size
    corpus.dump("features_1d", edited(set_ds("splits/train/features", train["splits/train/features"].ravel())),
                expect=["splits/train/features"], why="features stored as a flat (N*D,) vector")
    corpus.dump("weight_d_plus_1", edited(set_ds("classifier/weight", np.hstack(
        [train["classifier/weight"], np.ones((C, 1), np.float32)]))), expect=["classifier/weight"],
        why="weight is C x (D+1) (bias folded in) while features have D columns")
    corpus.dump("bias_wrong_length", edited(set_ds("classifier/bias", np.zeros(C + 1, np.float32))),
                expect=["classifier/bias"], why="bias has C+1 entries")
    corpus.dump("labels_length_mismatch", edited(with_rows(labels=lambda a: a[:-1])),
                expect=["splits/train/labels"], why=f"{n - 1} labels for {n} feature rows")
    corpus.dump("logits_wrong_classes", edited(with_rows(logits=lambda a: np.hstack([a, a[:, :1]]))),
                expect=["splits/train/logits"], why="logits have C+1 columns")
    corpus.dump("integer_features", edited(with_rows(features=lambda a: np.rint(a).astype(np.int32))),
                expect=["splits/train/features"], why="features stored as int32")
    corpus.dump("string_labels", edited(with_rows(labels=lambda a: np.array([str(v) for v in a], dtype=object))),
                expect=["splits/train/labels"], why="labels stored as strings")

    # Bad values.
    corpus.dump("labels_out_of_range", edited(with_rows(labels=put(5, C))), expect=["splits/train/labels"],
                why=f"row 5 has label {C}, outside 0..<{C}")
    corpus.dump("labels_negative", edited(with_rows(labels=put(2, -1))), expect=["splits/train/labels"],
                why="row 2 has label -1")
    corpus.dump("nan_row", edited(with_rows(features=put((7, 3), np.nan))), expect=["splits/train/features"],
                why="row 7 holds a NaN")
    corpus.dump("inf_row", edited(with_rows(features=put((9, 0), -np.inf))), expect=["splits/train/features"],
                why="row 9 holds -Inf")
    with np.errstate(over="ignore"):
        overflow = edited(with_rows(features=lambda a: (a * np.float32(1e5)).astype(np.float16)))
    assert not np.all(np.isfinite(overflow["datasets"]["splits/train/features"]))
    corpus.dump("float16_overflow", overflow, expect=["splits/train/features"],
                why="float16 features whose float32 values exceeded 65504 were stored as +-inf")
    corpus.dump("class_without_rows", edited(with_rows(labels=lambda a: np.where(a == 3, 2, a))),
                expect=["splits/train", WNIDS[3]],
                why=f"no train row has class 3 ({WNIDS[3]}): its centroid is undefined")
    corpus.dump("duplicate_wnids", edited(set_ds("classes/wnid", np.array(WNIDS[:3] + [WNIDS[0]], dtype=object))),
                expect=["classes/wnid", WNIDS[0]], why=f"{WNIDS[0]} appears twice")
    corpus.dump("unknown_wnid", edited(set_ds("classes/wnid", np.array(WNIDS[:3] + ["n99999999"], dtype=object))),
                expect=["n99999999"], why="n99999999 is no WordNet 3.0 noun synset",
                tool_args=["eta", "--wordnet", "/usr/share/wordnet", "{dir}/unknown_wnid.h5"])

    # Filters and on-disk versions libhdf5 1.10.8 cannot read.
    # Filters are optional in h5py: a chunk that does not shrink is stored unfiltered and then any
    # libhdf5 reads it.  Quantised rows compress, so every chunk really needs the filter.
    feats = np.round(train["splits/train/features"] * 4) / 4
    corpus.dump("lzf_features", edited(set_ds("splits/train/features", feats, chunks=(4, D), compression="lzf")),
                expect=["splits/train/features", "lzf"],
                why="LZF filter (h5py built-in, id 32000): absent from libhdf5 1.10.8; h5dump prints empty DATA")
    try:
        import hdf5plugin
        corpus.dump("blosc_features", edited(set_ds("splits/train/features", feats, chunks=(4, D),
                                                    **hdf5plugin.Blosc())),
                    expect=["splits/train/features", "blosc"], why="Blosc filter (id 32001) from hdf5plugin")
    except ImportError:
        print("make_corpus: hdf5plugin not installed, blosc_features skipped", file=sys.stderr)
    for name in ("lzf_features", "blosc_features"):
        if (out / f"{name}.h5").exists():
            with h5py.File(out / f"{name}.h5", "r") as f:
                ds = f["splits/train/features"]
                masks = [ds.id.get_chunk_info(i).filter_mask for i in range(ds.id.get_num_chunks())]
                assert masks and not any(masks), f"{name}: some chunks were stored unfiltered"
    corpus.dump("libver_latest_gzip", edited(set_ds("splits/train/features", feats, chunks=(4, D),
                                                    compression="gzip")),
                libver="latest", expect=["splits/train/features"],
                why="written by h5py 3.16 (HDF5 2.0) with libver='latest' and gzip: "
                    "1.10.8 cannot read the dataset's layout/filter messages")
    if shutil.which("h5dump"):
        probe = subprocess.run(["h5dump", "-H", str(out / "libver_latest_gzip.h5")], capture_output=True)
        if probe.returncode == 0:
            print("make_corpus: warning: this h5dump reads libver_latest_gzip.h5 (is it libhdf5 >= 1.14?)",
                  file=sys.stderr)

    # Shards.
    def shard(rank, count, start, rows=6, edit=None):
        spec = base()
        for split in ("train", "val"):
            for name in ("features", "labels", "sample_index", "logits"):
                del spec["datasets"][f"splits/{split}/{name}"]
        r = np.random.default_rng(SEED + rank)
        labels = np.arange(start, start + rows, dtype=np.int64) % C
        spec["datasets"]["splits/val/features"] = r.normal(size=(rows, D)).astype(np.float32)
        spec["datasets"]["splits/val/labels"] = labels
        spec["datasets"]["splits/val/sample_index"] = np.arange(start, start + rows, dtype=np.int64) % 11
        spec["attrs"]["shard_rank"] = np.int64(rank)
        spec["attrs"]["shard_count"] = np.int64(count)
        if edit:
            edit(spec)
        return spec

    def shard_set(name, specs):
        files = []
        for rank, spec in enumerate(specs):
            files.append(f"{name}.rank{rank}.h5")
            write_spec(out / files[-1], spec)
        return files

    # 11 samples over 2 ranks: DistributedSampler pads to 12 by repeating sample 0.
    files = shard_set("shards_padding", [shard(0, 2, 0), shard(1, 2, 6)])
    pw.write_manifest(out / "shards_padding.h5", [out / f for f in files])
    corpus.add("shards_padding_ok", ["shards_padding.h5"], expect_ok=True,
               why="manifest over 2 shards; sample 0 repeats once as DistributedSampler padding (drop 1)")
    corpus.add("shards_padding_ok_as_files", files, expect_ok=True,
               why="the same shards opened directly, without the manifest (drop 1 duplicate)")
    files = shard_set("shards_overlap", [shard(0, 2, 0), shard(1, 2, 3)])
    corpus.add("shards_overlap", files, expect=["sample_index"],
               why="sample indices 3..5 appear in both shards: more repeats than padding allows (1)")
    files = shard_set("shards_disagree_classes", [
        shard(0, 2, 0), shard(1, 2, 6, edit=set_ds("classes/wnid", np.array(WNIDS[::-1], dtype=object)))])
    corpus.add("shards_disagree_classes", files, expect=["classes/wnid"],
               why="rank 1 lists the classes in another order")
    files = shard_set("shards_disagree_classifier", [
        shard(0, 2, 0), shard(1, 2, 6, edit=set_ds("classifier/weight", np.ones((C, D), np.float32)))])
    corpus.add("shards_disagree_classifier", files, expect=["classifier/weight"],
               why="rank 1 has another classifier weight")
    files = shard_set("manifest_missing_shard", [shard(0, 2, 0), shard(1, 2, 6)])
    pw.write_manifest(out / "manifest_missing_shard.h5", [out / f for f in files])
    (out / files[1]).unlink()
    corpus.add("manifest_missing_shard", ["manifest_missing_shard.h5"], expect=[files[1]],
               why="the manifest's rank-1 source file is gone; libhdf5 would silently read fill values")

    # Half-finished runs: datasets created at full size, filled as training went, never finished.
    # libhdf5 reads the missing parts as zeros; a reader must refuse them, not average them.
    corpus.dump("stopped_early_features", edited(set_ds("splits/train/features", train["splits/train/features"],
                                                        chunks=(4, D), unwritten_from=8)),
                expect=["splits/train/features", "never written"],
                why=f"train features chunked 4 rows at a time; rows 8..<{n} (2 of 4 chunks) never written")
    corpus.dump("never_written_labels", edited(set_ds("splits/train/labels", train["splits/train/labels"],
                                                      unwritten_from=0)),
                expect=["splits/train/labels", "never written"],
                why="train labels created (contiguous) but never written: no storage at all")

    # Valid edge cases.
    corpus.dump("single_row_class", edited(with_rows(labels=lambda a: np.where(
        np.arange(a.size) == np.flatnonzero(a == 3)[0], 3, np.where(a == 3, 2, a)))),
        expect_ok=True, why="class 3 has exactly one train row")
    def twins(spec):
        f = spec["datasets"]["splits/train/features"]
        labels = spec["datasets"]["splits/train/labels"]
        f[labels == 1] = f[labels == 0]
        spec["datasets"]["splits/train/features"] = f
        # The logits follow the features (stored logits are checked against features·Wᵀ + b).
        d = spec["datasets"]
        d["splits/train/logits"] = (f @ d["classifier/weight"].T + d["classifier/bias"]).astype(np.float32)
    corpus.dump("centroid_coincidence", edited(twins), expect_ok=True,
                why="classes 0 and 1 have identical train rows: their centroids coincide (distance 0)")
    corpus.dump("names_only", edited(drop_ds("classes/wnid")), expect_ok=True,
                why="classes given by /classes/name only")
    corpus.dump("fixed_length_strings", edited(set_ds("classes/wnid", np.array(WNIDS, dtype="S9"))),
                expect_ok=True, why="wnids stored as fixed-length strings (readers accept them)")
    def f16_gzip(spec):
        for s in ("train", "val"):
            key = f"splits/{s}/features"
            spec["datasets"][key] = spec["datasets"][key].astype(np.float16)
            spec["options"][key] = {"chunks": (4, D), "compression": "gzip", "shuffle": True}
    corpus.dump("float16_gzip", edited(f16_gzip), expect_ok=True, why="float16 features, gzip + shuffle")

    # A projection file from the future.
    with h5py.File(out / "projection_future_version.h5", "w", libver=LIBVER) as f:
        f.attrs.create("format", "penultimate-projection", dtype=VLEN)
        f.attrs.create("format_version", np.int64(99))
        f.create_dataset("points", data=np.zeros((3, 2), np.float32), track_times=False)
    corpus.add("projection_future_version", ["projection_future_version.h5"], kind="projection",
               expect=["format_version", "99"], why="projection file of format_version 99")

    # WordNet directories.
    index_line = "golden_retriever n 1 1 @ 1 0 02099601  \n"
    missing = out / "wordnet_missing_data_noun"
    missing.mkdir(exist_ok=True)
    (missing / "index.noun").write_text(index_line)
    corpus.add("wordnet_missing_data_noun", ["wordnet_missing_data_noun"], kind="wordnet",
               expect=["data.noun"], why="a WordNet directory without data.noun")
    corrupt = out / "wordnet_corrupt_data_noun"
    corrupt.mkdir(exist_ok=True)
    (corrupt / "index.noun").write_text(index_line)
    (corrupt / "data.noun").write_bytes(
        b"  1 This software and database is being provided\n"
        b"02099601 garbage without fields\n"
        b"zzzzzzzz 05 n 99 @@@ | \xff\xfe not utf-8\n"
        b"02099849 05 n 01 retriever 0 001 @ 0209xxxx n 0000 | truncated\n")
    corpus.add("wordnet_corrupt_data_noun", ["wordnet_corrupt_data_noun"], kind="wordnet",
               expect=["data.noun"], why="data.noun holds garbage lines (bad offsets, counts, pointers, bytes)")

    make_dump_semantics(corpus, out)
    # ----------------------------------------------------------------------- data stored elsewhere
    # (the raw fast path's block) Layouts HDF5 allows whose bytes are not plain rows in the file:
    # links to other files, external raw storage, virtual datasets, non-IEEE floats, filter
    # orders. Auxiliary files (sources, link targets, raw files) live in fastpath_aux/.
    fastpath_cases(corpus, out)
    add_validation_cases(corpus, out)
    hierarchy_cases(corpus, out)
    # ----------------------------------------------------------------------- P10: external raw folders
    external_raw_folder_cases(corpus, out)

    cases = sorted(corpus.cases, key=lambda c: c["name"])
    (out / "corpus.json").write_text(json.dumps({"format": "penultimate-corpus", "version": 1,
                                                 "seed": SEED, "cases": cases}, indent=1) + "\n")
    return cases

# --------------------------------------------------------------------------- values validated where read
# (issues #10, #11, #13): attribute values, classifier values, class-list strings in every storage,
# logits that do not follow from the features, and centroid and projection files.  Cases may carry
# "refused_by": the tools that must refuse them; the others do not read the bad part and may accept.

def _space_padded(values, size):
    """A fixed-length, space-padded (H5T_STR_SPACEPAD) string array, as Fortran writers store them."""
    return {"space_padded": True, "values": list(values), "size": size}


def _write_space_padded(f, name, spec):
    t = h5py.h5t.C_S1.copy()
    t.set_size(spec["size"])
    t.set_strpad(h5py.h5t.STR_SPACEPAD)
    space = h5py.h5s.create_simple((len(spec["values"]),))
    group = f.require_group(name.rsplit("/", 1)[0]) if "/" in name else f
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_obj_track_times(False)  # no timestamps: the corpus is the same bytes on every run
    ds = h5py.h5d.create(group.id, name.rsplit("/", 1)[-1].encode(), t, space, dcpl=dcpl)
    data = np.array([v.encode().ljust(spec["size"]) for v in spec["values"]], dtype=f"S{spec['size']}")
    ds.write(h5py.h5s.ALL, h5py.h5s.ALL, data, mtype=t)


def _layer_norm(x):
    mean = x.mean(axis=1, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=1, keepdims=True) + 1e-6)


def centroid_spec() -> dict:
    """A valid penultimate-centroids v1 file (what `eta centroids` writes) as attrs + datasets."""
    rng = np.random.default_rng(SEED + 100)
    counts = np.full(C, 4, np.int64)
    return {"attrs": {"format": "penultimate-centroids", "format_version": np.int64(1), "split": "train",
                      "row_normalization": "none", "source_model": "resnet18", "source_role": "teacher",
                      # A teacher: the writer stores the students-only values as NaN (absent).
                      "source_ls_alpha": np.float64(0.1), "source_teacher_ls_alpha": np.float64(np.nan),
                      "source_kd_temperature": np.float64(np.nan), "provenance": "{}",
                      "skipped_nonfinite": np.int64(0), "skipped_zero": np.int64(0)},
            "datasets": {"classes/wnid": np.array(WNIDS, dtype=object), "classes/name": np.array(NAMES, dtype=object),
                         "sums": rng.normal(size=(C, D)) * counts[:, None], "counts": counts}}


def projection_spec() -> dict:
    """A valid penultimate-projection v1 file (method qr-pca, one train split)."""
    rng = np.random.default_rng(SEED + 200)
    n = 9
    basis = np.linalg.qr(rng.normal(size=(D + 1, 3)))[0]
    return {"attrs": {"format": "penultimate-projection", "format_version": np.int64(1), "method": "qr-pca",
                      "conventions": "{}", "provenance": "{}", "source_path": "student.h5",
                      "source_model": "resnet18", "source_role": "student", "source_dataset": "corpus",
                      "source_ls_alpha": np.float64(0.0), "source_teacher_ls_alpha": np.float64(0.1),
                      "source_kd_temperature": np.float64(3.0), "split_order": ["train"]},
            "datasets": {"classes/wnid": np.array(WNIDS[:3], dtype=object),
                         "classes/name": np.array(NAMES[:3], dtype=object),
                         "classes/index_in_source": np.arange(3, dtype=np.int64),
                         "basis": basis, "pca/mean": rng.normal(size=3), "pca/axes": np.linalg.qr(rng.normal(size=(3, 3)))[0][:2],
                         "splits/train/points": rng.normal(size=(n, 2)),
                         "splits/train/class": np.arange(n, dtype=np.int64) % 3,
                         "splits/train/sample_index": np.arange(n, dtype=np.int64),
                         "splits/train/centroids": rng.normal(size=(3, 2))}}


def write_plain(path: Path, spec: dict) -> None:
    """Writes attrs + datasets as given (strings variable-length UTF-8, lists as string arrays)."""
    with h5py.File(path, "w", libver=LIBVER, track_order=False) as f:
        for key, value in spec["attrs"].items():
            if isinstance(value, str):
                f.attrs.create(key, value, dtype=VLEN)
            elif isinstance(value, list):
                f.attrs.create(key, np.array(value, dtype=object), dtype=VLEN)
            else:
                f.attrs.create(key, value)
        for name, data in spec["datasets"].items():
            if isinstance(data, dict) and data.get("space_padded"):
                _write_space_padded(f, name, data)
            elif isinstance(data, np.ndarray) and data.dtype == object:
                f.create_dataset(name, data=data, dtype=VLEN, track_times=False)
            else:
                f.create_dataset(name, data=data, track_times=False)


def add_validation_cases(corpus: Corpus, out: Path) -> None:
    every_dump_tool = None  # all four dump tools refuse: the value is read when the dump is opened

    # Root attribute values of a dump (every tool opens the dump, so every tool refuses).
    for key, value, label in (("kd_temperature", np.float64(np.nan), "nan"), ("kd_temperature", np.float64(np.inf), "inf"),
                              ("kd_temperature", np.float64(-np.inf), "neg_inf"), ("kd_temperature", np.float64(0), "zero"),
                              ("kd_temperature", np.float64(-3), "negative"), ("kd_temperature", "3", "string"),
                              ("ls_alpha", np.float64(np.nan), "nan"), ("ls_alpha", np.float64(1.0), "one"),
                              ("ls_alpha", np.float64(-0.1), "negative"), ("teacher_ls_alpha", np.float64(np.inf), "inf"),
                              ("teacher_ls_alpha", np.float64(np.nan), "nan"),
                              ("format_version", np.float64(1.5), "float_1_5"), ("format_version", np.float64(1.0), "float_1"),
                              ("format_version", "1", "string"), ("format_version", np.array([1, 1], np.int64), "array"),
                              ("seed", np.int64(-1), "negative"), ("seed", np.float64(3.5), "float"),
                              ("seed", np.uint64(2**64 - 1), "uint64_max"), ("epoch", np.int64(-2), "negative"),
                              ("shard_rank", np.int64(2), "beyond_count"), ("shard_count", np.int64(0), "zero"),
                              ("model", np.int64(5), "number"), ("dataset", "   ", "blank")):
        def edit(spec, key=key, value=value):
            spec["attrs"][key] = value
            if key == "shard_rank":
                spec["attrs"]["shard_count"] = np.int64(2)
        corpus.dump(f"attr_{key}_{label}", edited(edit), expect=[key],
                    why=f"root attribute {key} = {value!r}: outside what the format allows", tool_args=every_dump_tool)

    # Classifier values: refused by the tools that use the classifier (inspect counts, project uses it).
    train = base()["datasets"]
    weight = train["classifier/weight"].copy()
    weight[2, 5] = np.nan
    corpus.dump("classifier_weight_nan", edited(set_ds("classifier/weight", weight)), expect=["classifier"],
                why="/classifier/weight[2, 5] is NaN")
    bias = train["classifier/bias"].copy()
    bias[1] = np.inf
    corpus.dump("classifier_bias_inf", edited(set_ds("classifier/bias", bias)), expect=["classifier"],
                why="/classifier/bias[1] is +Inf")
    for name in ("classifier_weight_nan", "classifier_bias_inf"):
        corpus.cases[-1 if name == "classifier_bias_inf" else -2]["refused_by"] = ["inspect", "project"]

    # Class-list strings: one normalisation (padding removed, surrounding whitespace trimmed) for
    # every storage, so a wnid with a trailing space duplicates the plain one in each of them.
    dup = WNIDS[:3] + [WNIDS[0] + " "]
    corpus.dump("wnid_trailing_space_vlen", edited(set_ds("classes/wnid", np.array(dup, dtype=object))),
                expect=["classes/wnid", WNIDS[0]], why=f"'{WNIDS[0]} ' (variable-length) duplicates {WNIDS[0]} once trimmed")
    corpus.dump("wnid_trailing_space_fixed", edited(set_ds("classes/wnid", np.array(dup, dtype="S10"))),
                expect=["classes/wnid", WNIDS[0]], why=f"'{WNIDS[0]} ' (fixed-length, NUL-padded) duplicates {WNIDS[0]}")
    def space_padded_dump(name, wnids, **kwargs):
        spec = edited(drop_ds("classes/wnid"))
        corpus.dump(name, spec, **kwargs)
        with h5py.File(out / f"{name}.h5", "r+", libver=LIBVER) as f:
            _write_space_padded(f, "classes/wnid", _space_padded(wnids, 12))
    space_padded_dump("wnid_space_padded_duplicate", WNIDS[:3] + [WNIDS[0]], expect=["classes/wnid", WNIDS[0]],
                      why=f"space-padded fixed-length wnids with {WNIDS[0]} twice")
    space_padded_dump("wnid_space_padded_ok", WNIDS, expect_ok=True,
                      why="space-padded fixed-length wnids (H5T_STR_SPACEPAD): the padding is not part of the wnid")
    corpus.dump("wnid_leading_space_ok", edited(set_ds("classes/wnid", np.array([" " + w for w in WNIDS], dtype=object))),
                expect_ok=True, why="wnids with a leading space: trimmed, as in every storage")
    corpus.dump("name_blank", edited(set_ds("classes/name", np.array(NAMES[:3] + [" \t"], dtype=object))),
                expect=["classes/name", "empty"], why="class 3's name is whitespace only")
    corpus.dump("wnid_blank", edited(set_ds("classes/wnid", np.array(WNIDS[:3] + ["  "], dtype=object))),
                expect=["classes/wnid", "empty"], why="class 3's wnid is blank")

    # Logits that do not follow from the features: the features are not the classifier's input.
    def logits_from(transform, split="train"):
        def edit(spec):
            d = spec["datasets"]
            f = d[f"splits/{split}/features"]
            d[f"splits/{split}/logits"] = (transform(f) @ d["classifier/weight"].T + d["classifier/bias"]).astype(np.float32)
        return edit
    for name, transform, why in (
            ("logits_before_layernorm", _layer_norm, "features taken before a final LayerNorm (the ConvNeXt hook bug)"),
            ("logits_before_relu", lambda f: np.maximum(f, 0), "features taken before a final ReLU"),
            ("logits_shifted_features", lambda f: f - np.float32(0.05), "stored features are the classifier's input + 0.05")):
        corpus.dump(name, edited(logits_from(transform)), expect=["splits/train/logits", "classifier's input"], why=why)
        corpus.cases[-1]["refused_by"] = ["inspect"]
    corpus.dump("logits_nan", edited(with_rows(logits=put((3, 1), np.nan))), expect=["splits/train/logits", "NaN"],
                why="a NaN logit in a row whose features are finite")
    corpus.cases[-1]["refused_by"] = ["inspect"]
    def f16_with_f32_logits(spec):
        for split in ("train", "val"):
            key = f"splits/{split}/features"
            spec["datasets"][key] = spec["datasets"][key].astype(np.float16)
    corpus.dump("logits_float16_features_ok", edited(f16_with_f32_logits), expect_ok=True,
                why="float16 features with the float32 logits of the unrounded features: within the tolerance")

    # Centroid files (eta reads them like dumps).
    def centroids(name, edit=None, *, expect=(), expect_ok=False, why):
        spec = centroid_spec()
        if edit:
            edit(spec)
        write_plain(out / f"{name}.h5", spec)
        corpus.add(name, [f"{name}.h5"], kind="centroids", expect=expect, expect_ok=expect_ok, why=why,
                   tool_args=["eta", "--t1", f"{{dir}}/{name}.h5", "--t2", f"{{dir}}/{name}.h5",
                              "--split", "train", "--targets", "0", "--s1", "1", "--s2", "2"])
    def cset(key, value):
        def edit(spec):
            spec["attrs" if "/" not in key and key not in spec["datasets"] else "datasets"][key] = value
        return edit
    def cdrop(*keys):
        def edit(spec):
            for k in keys:
                spec["datasets"].pop(k)
        return edit
    cs = centroid_spec()["datasets"]
    centroids("centroids_valid", expect_ok=True, why="a valid centroid file")
    centroids("centroids_no_classes", cdrop("classes/wnid", "classes/name"), expect=["classes"],
              why="neither /classes/wnid nor /classes/name")
    centroids("centroids_names_length", cset("classes/name", np.array(NAMES[:3], dtype=object)),
              expect=["classes/name"], why="3 names for 4 wnids")
    centroids("centroids_wnid_whitespace", cset("classes/wnid", np.array(dup, dtype=object)),
              expect=["classes/wnid", WNIDS[0]], why="a wnid with a trailing space duplicates another")
    centroids("centroids_missing_sums", cdrop("sums"), expect=["sums"], why="no /sums")
    centroids("centroids_sums_wrong_rows", cset("sums", cs["sums"][:3]), expect=["sums"], why="/sums has 3 rows for 4 classes")
    centroids("centroids_sums_1d", cset("sums", cs["sums"].ravel()), expect=["sums"], why="/sums flattened to (C*D,)")
    centroids("centroids_sums_zero_dim", cset("sums", np.zeros((C, 0))), expect=["sums"], why="/sums has D = 0")
    nan_sums = cs["sums"].copy()
    nan_sums[1, 2] = np.nan
    centroids("centroids_nan_sums", cset("sums", nan_sums), expect=["sums"], why="/sums[1, 2] is NaN")
    centroids("centroids_negative_count", cset("counts", np.array([4, -1, 4, 4], np.int64)), expect=["counts"],
              why="class 1 has count -1")
    centroids("centroids_float_counts", cset("counts", np.array([4.5, 4, 4, 4])), expect=["counts"],
              why="/counts stored as floats (4.5 would be read as 4)")
    centroids("centroids_counts_length", cset("counts", np.full(C + 1, 4, np.int64)), expect=["counts"],
              why="/counts has C+1 entries")
    centroids("centroids_zero_count_with_sum", cset("counts", np.array([4, 0, 4, 4], np.int64)), expect=["sums"],
              why="class 1 has no rows but a non-zero sum")
    huge_sums = cs["sums"].copy()
    huge_sums[2, 0] = 1e300
    centroids("centroids_sum_beyond_float32", cset("sums", huge_sums), expect=["sums"],
              why="a sum of 1e300 over 4 rows: float32 rows cannot add up to it")
    centroids("centroids_count_huge", cset("counts", np.array([4, 2**62, 4, 4], np.int64)), expect=["counts"],
              why="class 1 claims 2^62 rows (a merge would overflow)")
    centroids("centroids_kd_temperature_negative", cset("source_kd_temperature", np.float64(-1)),
              expect=["source_kd_temperature"], why="source_kd_temperature -1")
    centroids("centroids_kd_temperature_inf", cset("source_kd_temperature", np.float64(np.inf)),
              expect=["source_kd_temperature"], why="source_kd_temperature +Inf (NaN means absent; Inf does not)")
    centroids("centroids_ls_alpha_nan", cset("source_ls_alpha", np.float64(np.nan)), expect=["source_ls_alpha"],
              why="source_ls_alpha NaN (required)")
    centroids("centroids_format_version_float", cset("format_version", np.float64(1.5)), expect=["format_version"],
              why="format_version 1.5")
    centroids("centroids_format_version_3", cset("format_version", np.int64(3)), expect=["format_version", "3"],
              why="format_version 3 (a future version)")
    centroids("centroids_bad_role", cset("source_role", "professor"), expect=["source_role"], why="source_role professor")
    centroids("centroids_skipped_negative", cset("skipped_nonfinite", np.int64(-3)), expect=["skipped_nonfinite"],
              why="skipped_nonfinite -3")

    # J13 (one model-attributes shape): centroid files keep the source's dataset and teacher model
    # when known; present, they are strings (as a dump's dataset and teacher_model are).
    centroids("centroids_source_dataset_number", cset("source_dataset", np.float64(3)), expect=["source_dataset"],
              why="source_dataset stored as a number")
    centroids("centroids_source_teacher_model_number", cset("source_teacher_model", np.int64(5)),
              expect=["source_teacher_model"], why="source_teacher_model stored as an integer")

    # Projection files (plot reads them).
    def projection(name, edit=None, *, expect=(), expect_ok=False, why):
        spec = projection_spec()
        if edit:
            edit(spec)
        write_plain(out / f"{name}.h5", spec)
        corpus.add(name, [f"{name}.h5"], kind="projection", expect=expect, expect_ok=expect_ok, why=why)
    def pset(key, value):
        def edit(spec):
            spec["datasets" if key in spec["datasets"] or "/" in key or key == "basis" else "attrs"][key] = value
        return edit
    def pdrop(key):
        def edit(spec):
            spec["datasets"].pop(key)
        return edit
    ps = projection_spec()["datasets"]
    projection("projection_valid", expect_ok=True, why="a valid qr-pca projection file")
    projection("projection_basis_short", pset("basis", ps["basis"][:, :2]), expect=["basis"],
               why="a qr-pca basis of 2 vectors (3 expected)")
    projection("projection_basis_1d", pset("basis", ps["basis"][:, 0]), expect=["basis"], why="basis stored as one vector")
    projection("projection_missing_basis", pdrop("basis"), expect=["basis"], why="no /basis")
    projection("projection_axes_short", pset("pca/axes", ps["pca/axes"][:1]), expect=["pca/axes"], why="pca/axes has 1 axis")
    projection("projection_axes_flat", pset("pca/axes", ps["pca/axes"].ravel()[:5]), expect=["pca/axes"],
               why="pca/axes holds 5 values")
    projection("projection_format_version_float", pset("format_version", np.float64(1.5)), expect=["format_version"],
               why="format_version 1.5")
    projection("projection_format_version_string", pset("format_version", "1"), expect=["format_version"],
               why="format_version stored as a string")
    projection("projection_points_3_columns", pset("splits/train/points", np.zeros((9, 3))), expect=["splits/train/points"],
               why="points of 3 coordinates")
    projection("projection_class_out_of_range", pset("splits/train/class", np.array([0, 1, 2, 3, 0, 1, 2, 0, 1], np.int64)),
               expect=["splits/train/class"], why="class position 3 of 3 classes")
    nan_points = ps["splits/train/points"].copy()
    nan_points[4, 1] = np.nan
    projection("projection_nan_points", pset("splits/train/points", nan_points), expect=["splits/train/points"],
               why="a NaN coordinate")
    projection("projection_sample_index_length", pset("splits/train/sample_index", np.arange(8, dtype=np.int64)),
               expect=["splits/train/sample_index"], why="8 sample indices for 9 points")
    projection("projection_missing_split", pset("split_order", ["train", "val"]), expect=["splits/val"],
               why="split_order names val, which is absent")
    projection("projection_two_classes", pset("classes/wnid", np.array(WNIDS[:2], dtype=object)), expect=["classes/wnid"],
               why="2 wnids (3 expected)")
    projection("projection_kd_temperature_zero", pset("source_kd_temperature", np.float64(0)),
               expect=["source_kd_temperature"], why="source_kd_temperature 0")
    projection("projection_ls_alpha_nan", pset("source_ls_alpha", np.float64(np.nan)), expect=["source_ls_alpha"],
               why="source_ls_alpha NaN (would print alpha = nan)")


# --------------------------------------------------------------------------- shard sets, repeats, sample_count, centroid coverage
# (issues #10 and #11: a lone shard or a set missing a rank passes for the whole dump; repeats in a
# single file are dropped silently; shards disagreeing on the model merge; per-shard centroid files
# count DistributedSampler padding twice.)

def semantic_shard(rank, count, samples, sample_count=None, attrs=None):
    """One shard file's spec holding a val split with the given sample indices."""
    spec = base()
    for split in ("train", "val"):
        for name in ("features", "labels", "sample_index", "logits"):
            del spec["datasets"][f"splits/{split}/{name}"]
    samples = np.asarray(samples, dtype=np.int64)
    r = np.random.default_rng(SEED + 100 + rank)
    spec["datasets"]["splits/val/features"] = r.normal(size=(samples.size, D)).astype(np.float32)
    spec["datasets"]["splits/val/labels"] = samples % C
    spec["datasets"]["splits/val/sample_index"] = samples
    spec["attrs"]["shard_rank"] = np.int64(rank)
    spec["attrs"]["shard_count"] = np.int64(count)
    spec["attrs"].update(attrs or {})
    if sample_count is not None:
        spec["group_attrs"] = {"splits/val": {"sample_count": np.int64(sample_count)}}
    return spec


def write_semantic(out: Path, file: str, spec: dict) -> str:
    write_spec(out / file, spec)
    if spec.get("group_attrs"):
        with h5py.File(out / file, "a") as f:
            for group, attrs in spec["group_attrs"].items():
                for key, value in attrs.items():
                    f[group].attrs.create(key, value)
    return file


def ddp_samples(rank, count, n):
    """DistributedSampler without shuffling: pad 0..n-1 to a multiple of count with the first
    indices, then rank r takes positions r, r + count, ..."""
    total = -(-n // count) * count
    padded = list(range(n)) + list(range(total - n))
    return padded[rank::count]


def write_centroid_file(path: Path, *, rank, count, samples, sample_count, version=2, whole=False):
    """A penultimate-centroids file as `eta centroids` writes it, for the val split."""
    rng = np.random.default_rng(SEED + 200 + rank)
    with h5py.File(path, "w", libver=LIBVER, track_order=False) as f:
        for key, value in (("format", "penultimate-centroids"), ("split", "val"), ("row_normalization", "none"),
                           ("source_model", "resnet18"), ("source_role", "teacher"), ("provenance", "{}")):
            f.attrs.create(key, value, dtype=VLEN)
        f.attrs.create("format_version", np.int64(version))
        for key, value in (("source_ls_alpha", 0.1), ("source_teacher_ls_alpha", np.nan), ("source_kd_temperature", np.nan)):
            f.attrs.create(key, np.float64(value))
        f.attrs.create("skipped_nonfinite", np.int64(0))
        f.attrs.create("skipped_zero", np.int64(0))
        f.create_dataset("classes/wnid", data=np.array(WNIDS, dtype=object), dtype=VLEN, track_times=False)
        f.create_dataset("classes/name", data=np.array(NAMES, dtype=object), dtype=VLEN, track_times=False)
        labels = np.asarray(samples) % C
        counts = np.bincount(labels, minlength=C).astype(np.int64)
        # A class without rows has a zero sum (CentroidFile.read refuses anything else).
        f.create_dataset("sums", data=rng.normal(size=(C, D)) * (counts > 0)[:, None], track_times=False)
        f.create_dataset("counts", data=counts, track_times=False)
        if version < 2:
            return
        g = f.create_group("coverage", track_order=False)
        g.attrs.create("rows", np.int64(len(samples)))
        g.attrs.create("duplicates_dropped", np.int64(0))
        g.attrs.create("whole", np.int64(1 if whole else 0))
        g.attrs.create("shard_count", np.int64(count))
        g.attrs.create("sample_count", np.int64(sample_count))
        g.create_dataset("files", data=np.array([f"run.rank{rank}.h5"], dtype=object), dtype=VLEN, track_times=False)
        g.create_dataset("shard_ranks", data=np.array([rank], np.int64), track_times=False)
        values = np.unique(np.asarray(samples, np.int64))
        breaks = np.flatnonzero(np.diff(values) != 1) + 1
        runs = [(int(run[0]), int(run[-1]) + 1) for run in np.split(values, breaks)]
        g.create_dataset("sample_ranges", data=np.array(runs, np.int64).reshape(-1, 2), track_times=False)


def make_dump_semantics(corpus: "Corpus", out: Path) -> None:
    """Shard completeness and agreement, repeated samples, sample_count, centroid coverage."""
    # A single file repeating a sample_index: a writer's bug, not DistributedSampler padding.
    spec = edited(with_rows(sample_index=lambda a: np.zeros_like(a)))
    corpus.dump("single_repeated_sample_index", spec, expect=["splits/train/sample_index", "repeat"],
                why="one unsharded file whose train sample_index is all zeros: 15 repeats would be dropped silently")

    # 11 samples over 2 ranks (DistributedSampler pads to 12 by repeating sample 0).
    n = 11
    files = [write_semantic(out, "lone_shard.rank0.h5", semantic_shard(0, 2, ddp_samples(0, 2, n), n))]
    corpus.add("lone_shard", files, expect=["shard 0 of 2", "--partial"],
               why="rank 0 of 2 alone: half the data would pass for the whole dump")
    files = [write_semantic(out, f"shards_missing_rank.rank{r}.h5", semantic_shard(r, 3, ddp_samples(r, 3, n), n))
             for r in (0, 2)]
    corpus.add("shards_missing_rank", files, expect=["shard_count", "missing 1"],
               why="ranks 0 and 2 of 3: rank 1 is missing")
    files = [write_semantic(out, f"shards_rank_twice.copy{c}.h5", semantic_shard(0, 2, ddp_samples(0, 2, n), n))
             for c in (0, 1)]
    corpus.add("shards_rank_twice", files, expect=["shard_rank", "twice"],
               why="the same rank-0 file given twice (under two names) as a 2-shard set")
    student = {"role": "student", "teacher_model": "resnet50", "teacher_ls_alpha": np.float64(0.1),
               "kd_temperature": np.float64(1.0)}
    for key, other in (("kd_temperature", np.float64(64.0)), ("ls_alpha", np.float64(0.0)), ("model", "resnet50")):
        name = f"shards_disagree_{key}"
        files = [write_semantic(out, f"{name}.rank{r}.h5",
                                semantic_shard(r, 2, ddp_samples(r, 2, n), n,
                                               {**student, **({key: other} if r == 1 else {})}))
                 for r in (0, 1)]
        corpus.add(name, files, expect=[key], why=f"rank 1's {key} differs from rank 0's: two runs mixed")
    files = [write_semantic(out, f"shards_disagree_sample_count.rank{r}.h5",
                            semantic_shard(r, 2, ddp_samples(r, 2, n), n + r)) for r in (0, 1)]
    corpus.add("shards_disagree_sample_count", files, expect=["sample_count"],
               why="rank 0 says 11 samples, rank 1 says 12")
    files = [write_semantic(out, f"shards_incomplete_sample_count.rank{r}.h5",
                            semantic_shard(r, 2, ddp_samples(r, 2, n), n + 2)) for r in (0, 1)]
    corpus.add("shards_incomplete_sample_count", files, expect=["sample_count", "incomplete"],
               why="both ranks present, but they hold 11 samples of the 13 sample_count says")
    files = [write_semantic(out, f"shards_sample_count_ok.rank{r}.h5", semantic_shard(r, 2, ddp_samples(r, 2, n), n))
             for r in (0, 1)]
    corpus.add("shards_sample_count_ok", files, expect_ok=True,
               why="2 shards of 11 samples with sample_count 11; sample 0 repeats once as padding (drop 1)")

    # sample_count on a single file (train: 16 rows, sample_index 0..15).
    def count_attr(value):
        def edit(spec):
            spec["group_attrs"] = {"splits/train": {"sample_count": np.int64(value)}}
        return edit
    for name, edits, expect, why in (
            ("sample_count_ok", [count_attr(16)], None, "train sample_count 16 = its 16 distinct samples"),
            ("sample_index_outside_sample_count", [count_attr(16), with_rows(sample_index=put(3, 16))],
             ["splits/train/sample_index", "sample_count"], "row 3's sample_index 16 lies outside 0..<16"),
            ("incomplete_vs_sample_count", [count_attr(20)], ["splits/train/sample_index", "incomplete"],
             "16 distinct samples where sample_count says 20")):
        spec = base()
        for e in edits:
            e(spec)
        write_semantic(out, f"{name}.h5", spec)
        corpus.add(name, [f"{name}.h5"], expect=expect or [], expect_ok=expect is None, why=why)

    # Centroid files (as `eta centroids` writes them per shard), run as `eta --t1 FILES --t2 FILES`.
    args = ["--targets", "0", "--s1", "1", "--s2", "2", "--split", "val"]
    def centroid_case(name, ranks, count, samples_of, *, version=2, expect, why):
        files = []
        for rank in ranks:
            files.append(f"{name}.rank{rank}.centroids.h5")
            write_centroid_file(out / files[-1], rank=rank, count=count, samples=samples_of(rank), sample_count=n,
                                version=version)
        paths = [f"{{dir}}/{f}" for f in files]
        corpus.add(name, files, kind="centroids", expect=expect, why=why,
                   tool_args=["eta", "--t1", *paths, "--t2", *paths, *args])
    centroid_case("centroids_padding_twice", (0, 1), 2, lambda r: ddp_samples(r, 2, n),
                  expect=["sample_ranges", "sample_index 0"],
                  why="per-shard centroid files of a padded 2-rank run: sample 0 is summed in both ranks")
    centroid_case("centroids_missing_rank", (0,), 2, lambda r: ddp_samples(r, 2, n),
                  expect=["shard_ranks", "--partial"], why="the centroid file of rank 0 of 2 alone")
    centroid_case("centroids_incomplete_samples", (0, 1), 2, lambda r: [s for s in ddp_samples(r, 2, n) if s not in (0, 5)],
                  expect=["sample_ranges", "sample_count 11"],
                  why="both ranks, but samples 0 and 5 are in neither file (9 of sample_count 11)")
    centroid_case("centroids_v1_merge", (0, 1), 2, lambda r: list(range(r * 6, r * 6 + 6)), version=1,
                  expect=["format_version"], why="two version-1 centroid files: coverage unknown, merging could count rows twice")
# --------------------------------------------------------------------------- data stored elsewhere
# (the raw fast path's block: links, external raw storage, virtual datasets, float layouts)

FASTPATH_AUX = "fastpath_aux"


def _untimed_layout(shape, dtype):
    """A virtual layout whose dataset stores no times (same inputs, same bytes)."""
    layout = h5py.VirtualLayout(shape=shape, dtype=dtype)
    layout.dcpl.set_obj_track_times(False)
    return layout


def _low_level_features(f, name, data, tid, raw, chunks=None, pipeline=(), external=()):
    """Creates `name` with file type `tid`, filters in `pipeline` order, and writes `raw` unconverted."""
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_obj_track_times(False)
    if chunks:
        dcpl.set_chunk(chunks)
    for p in pipeline:
        dcpl.set_deflate(4) if p == "deflate" else dcpl.set_shuffle()
    for entry in external:
        dcpl.set_external(*entry)
    if name in f:
        del f[name]
    lcpl = h5py.h5p.create(h5py.h5p.LINK_CREATE)
    lcpl.set_create_intermediate_group(True)
    ds = h5py.h5d.create(f.id, name.encode(), tid, h5py.h5s.create_simple(data.shape), dcpl=dcpl, lcpl=lcpl)
    if raw is not None:
        ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(raw), mtype=tid)


def fastpath_cases(corpus: "Corpus", out: Path) -> None:
    aux = out / FASTPATH_AUX
    aux.mkdir(exist_ok=True)
    train = base()["datasets"]
    x = train["splits/train/features"]
    n = x.shape[0]
    key = "splits/train/features"

    def dump(name, edit, **kwargs):
        spec = base()
        del spec["datasets"][key]
        write_spec(out / f"{name}.h5", spec)
        with h5py.File(out / f"{name}.h5", "a", libver=LIBVER) as f:
            edit(f)
        corpus.add(name, [f"{name}.h5"], **kwargs)

    def source(name, rows, dataset="features"):
        with h5py.File(aux / name, "w", libver=LIBVER) as g:
            g.create_dataset(dataset, data=x[rows], chunks=(2, D), compression="gzip", shuffle=True, track_times=False)
        return h5py.VirtualSource(f"{FASTPATH_AUX}/{name}", dataset, shape=x[rows].shape)

    def vds(name, cut_end=n, missing=None, dataset="features"):
        def edit(f):
            layout = _untimed_layout(shape=x.shape, dtype="<f4")
            layout[0:6] = source(f"{name}.src0.h5", slice(0, 6))
            layout[6:cut_end] = source(f"{name}.src1.h5", slice(6, n), dataset)[0:cut_end - 6]
            f.create_virtual_dataset(key, layout, fillvalue=0)
            if missing:
                (aux / missing).unlink()
        return edit

    # Refused: libhdf5 would read fill values (or zeros) and the numbers would be wrong.
    dump("vds_missing_source", vds("vds_missing_source", missing="vds_missing_source.src1.h5"),
         expect=["splits/train/features", "vds_missing_source.src1.h5", "missing"],
         why="train features are a virtual dataset whose second source file is gone (reads as fill values)")
    dump("vds_partial_mapping", vds("vds_partial_mapping", cut_end=n - 3),
         expect=["splits/train/features", f"row {n - 3}", "not mapped"],
         why=f"virtual train features: rows {n - 3}..<{n} are mapped to no source (read as the fill value)")
    def vds_no_dataset(f):
        vds("vds_source_dataset_missing")(f)
        with h5py.File(aux / "vds_source_dataset_missing.src1.h5", "a") as g:
            g.move("features", "renamed")
    dump("vds_source_dataset_missing", vds_no_dataset, expect=["splits/train/features", "no such dataset"],
         why="virtual train features: the second source file exists but its dataset was renamed")
    def vds_unwritten(f):
        layout = _untimed_layout(shape=x.shape, dtype="<f4")
        with h5py.File(aux / "vds_source_unwritten.src0.h5", "w", libver=LIBVER) as g:
            ds = g.create_dataset("features", shape=x.shape, dtype="<f4", chunks=(4, D), track_times=False)
            ds[:8] = x[:8]  # chunks 2 and 3 never written
        layout[:] = h5py.VirtualSource(f"{FASTPATH_AUX}/vds_source_unwritten.src0.h5", "features", shape=x.shape)
        f.create_virtual_dataset(key, layout, fillvalue=0)
    dump("vds_source_unwritten", vds_unwritten, expect=["splits/train/features", "vds_source_unwritten.src0.h5", "never written"],
         why="virtual train features over one source whose last two chunks were never written")
    def vds_short(f):
        layout = _untimed_layout(shape=x.shape, dtype="<f4")
        with h5py.File(aux / "vds_source_too_short.src0.h5", "w", libver=LIBVER) as g:
            g.create_dataset("features", data=x[:n - 2], track_times=False)
        layout[:] = h5py.VirtualSource(f"{FASTPATH_AUX}/vds_source_too_short.src0.h5", "features", shape=x.shape)
        f.create_virtual_dataset(key, layout, fillvalue=0)
    dump("vds_source_too_short", vds_short, expect=["splits/train/features", "vds_source_too_short.src0.h5"],
         why=f"virtual train features map {n} rows of a source that holds {n - 2}")
    def vds_labels(f):
        labels = train["splits/train/labels"]
        for i, rows in enumerate((slice(0, 6), slice(6, n))):
            with h5py.File(aux / f"vds_labels_missing_source.src{i}.h5", "w", libver=LIBVER) as g:
                g.create_dataset("labels", data=labels[rows], track_times=False)
        layout = _untimed_layout(shape=labels.shape, dtype="<i8")
        layout[0:6] = h5py.VirtualSource(f"{FASTPATH_AUX}/vds_labels_missing_source.src0.h5", "labels", shape=(6,))
        layout[6:n] = h5py.VirtualSource(f"{FASTPATH_AUX}/vds_labels_missing_source.src1.h5", "labels", shape=(n - 6,))
        del f["splits/train/labels"]
        f.create_virtual_dataset("splits/train/labels", layout, fillvalue=0)
        f.create_dataset(key, data=x, chunks=(4, D), track_times=False)
        (aux / "vds_labels_missing_source.src1.h5").unlink()
    dump("vds_labels_missing_source", vds_labels, expect=["splits/train/labels", "missing"],
         why="train labels are a virtual dataset whose second source is gone (labels would read as 0)")

    raw = x.astype("<f4").tobytes()
    def external(name, drop=0, remove=False):
        def edit(f):
            part = aux / f"{name}.bin"
            part.write_bytes(b"\0" * 32 + raw[:len(raw) - drop])
            _low_level_features(f, key, x, h5py.h5t.IEEE_F32LE, None,
                                external=[(f"{FASTPATH_AUX}/{name}.bin".encode(), 32, len(raw))])
            if remove:
                part.unlink()
        return edit
    dump("external_raw_missing_file", external("external_raw_missing_file", remove=True),
         expect=["splits/train/features", "external_raw_missing_file.bin", "missing"],
         why="train features in external raw storage (H5Pset_external) whose file is gone")
    dump("external_raw_short_file", external("external_raw_short_file", drop=12),
         expect=["splits/train/features", "external_raw_short_file.bin", "bytes"],
         why="train features in an external raw file 12 bytes too short (libhdf5 reads the rest as zeros)")

    # Accepted, with exact numbers (the reader takes libhdf5's path, or the fast path on the right file).
    dump("external_raw_present", external("external_raw_present"), expect_ok=True,
         why="train features in an external raw file (at offset 32), resolved against the file's folder")
    dump("vds_features_ok", vds("vds_features_ok"), expect_ok=True,
         why="train features are a virtual dataset over two complete source files")
    def link(f):
        target = aux / "external_link_target.h5"
        with h5py.File(target, "w", libver=LIBVER) as g:
            g.create_dataset("pad", data=np.arange(4000, dtype=np.float32), track_times=False)
            g.create_dataset("deep/features", data=x, chunks=(4, D), compression="gzip", shuffle=True, track_times=False)
        f[key] = h5py.ExternalLink(f"{FASTPATH_AUX}/external_link_target.h5", "/deep/features")
    dump("external_link_features", link, expect_ok=True,
         why="train features behind an external link into another file (its chunk addresses are that file's)")
    dump("deflate_then_shuffle", lambda f: _low_level_features(
        f, key, x, h5py.h5t.IEEE_F32LE, x.astype("<f4"), chunks=(4, D), pipeline=("deflate", "shuffle")),
        expect_ok=True, why="train features with the valid pipeline [deflate, shuffle] (deflate applied first)")
    dump("big_endian_f4", lambda f: _low_level_features(
        f, key, x, h5py.h5t.IEEE_F32BE, x.astype(">f4"), chunks=(4, D), pipeline=("shuffle", "deflate")),
        expect_ok=True, why="train features stored as big-endian IEEE float32, gzip + shuffle")
    bf16 = h5py.h5t.IEEE_F32LE.copy()
    bf16.set_fields(15, 7, 8, 0, 7)
    bf16.set_offset(0)
    bf16.set_precision(16)
    bf16.set_size(2)
    bf16.set_ebias(127)
    bits = (x.astype("<f4").view("<u4") >> 16).astype("<u2")  # truncated to bfloat16: exact below
    dump("bfloat16_features", lambda f: _low_level_features(f, key, x, bf16, bits, chunks=(4, D)),
         expect_ok=True, why="train features stored as bfloat16 (2 bytes, 8-bit exponent), read through libhdf5's conversion")


# --------------------------------------------------------------------------- hierarchy files
# (issue #14, --hierarchy FILE) Kind "hierarchy": a parent-child text file that eta and project read
# with valid.h5 (classes matched by wnid, else by name). One valid file and one case per check of
# the format (Sources/Taxonomy/Taxonomy.docc/HierarchyFiles.md); each error names the file and,
# where there is one, the line.

HIERARCHY_OK = ("# levels: root family species\n"
                "animal\n"
                "retrievers\tanimal\n"
                "snakes\tanimal\n"
                + "".join(f"{w}\tretrievers\n" for w in WNIDS[:2])
                + "".join(f"{w}\tsnakes\n" for w in WNIDS[2:]))


def hierarchy_cases(corpus: "Corpus", out: Path) -> None:
    def case(name, data, *, expect=(), expect_ok=False, why):
        file = f"{name}.txt"
        (out / file).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        corpus.add(name, [file], kind="hierarchy", expect=expect, expect_ok=expect_ok, why=why)

    ok = HIERARCHY_OK
    case("hierarchy_ok", ok, expect_ok=True, why="a valid tree over valid.h5's wnids, with levels")
    case("hierarchy_by_name", ok.replace(WNIDS[0], NAMES[0]).replace(WNIDS[1], NAMES[1].replace(" ", "_"))
         .replace(WNIDS[2], NAMES[2]).replace(WNIDS[3], NAMES[3].upper()), expect_ok=True,
         why="leaves are valid.h5's class names (as written, with underscores, in capitals): matched by name")
    case("hierarchy_empty", "", expect=["no nodes"], why="zero-byte file")
    case("hierarchy_comments_only", "# levels: a b\n\n# nothing else\n", expect=["no nodes"],
         why="comments and blank lines only")
    case("hierarchy_not_utf8", ok.encode() + b"caf\xe9\tsnakes\n", expect=["line 9", "not utf-8"],
         why="a Latin-1 byte on line 9")
    case("hierarchy_nul_byte", ok.replace("snakes\tanimal", "snakes\x00\tanimal"), expect=["line 4", "nul"],
         why="a NUL byte inside a name")
    case("hierarchy_three_fields", ok + "x\tsnakes\textra\n", expect=["line 9", "3 tab-separated fields"],
         why="a line with three TAB-separated fields")
    case("hierarchy_empty_field", ok + "x\t\n", expect=["line 9", "one empty"], why="child TAB and nothing")
    case("hierarchy_words_no_tab", ok + "ringneck snake snakes\n", expect=["line 9", "no tab"],
         why="three words without a TAB: which is the child?")
    case("hierarchy_self_parent", ok + "x\tx\n", expect=["line 9", "its own parent"], why="x<TAB>x")
    case("hierarchy_duplicate_edge", ok + f"{WNIDS[0]}\tretrievers\n", expect=["line 9", "duplicate edge"],
         why="the same edge twice")
    case("hierarchy_second_parent", ok + f"{WNIDS[0]}\tsnakes\n", expect=["line 9", "second parent"],
         why="a class under two families: a hierarchy file is a tree")
    case("hierarchy_root_with_parent", ok + "animal\tsnakes\n", expect=["line 9", "declared a root"],
         why="the root declared alone, then given a parent")
    case("hierarchy_cycle", ok.replace("snakes\tanimal", "snakes\tsquamata") + "squamata\tsnakes\n",
         expect=["line 4", "cycle: snakes → squamata → snakes"], why="two nodes each the other's parent")
    case("hierarchy_two_roots", ok.replace("snakes\tanimal\n", "") + "other\n",
         expect=["3 roots", "'animal'", "'snakes'"], why="the snakes hang from no root, and one more root: three roots")
    case("hierarchy_levels_twice", "# levels: a b c\n" + ok, expect=["line 2", "second '# levels:'"],
         why="two levels lines")
    case("hierarchy_too_deep", ok + "pup\t" + WNIDS[0] + "\n", expect=["line 9", "depth 3"],
         why="a node below the last declared level")
    case("hierarchy_ragged", ok + "lizards\tanimal\n", expect=["line 9", "leaf 'lizards'", "last level"],
         why="a leaf at the family level of a file with levels")
    chain = "".join(f"c{i}\tc{i - 1}\n" for i in range(1, 1002))
    case("hierarchy_chain_too_deep", ok + f"c0\t{WNIDS[0]}\n".replace(WNIDS[0], "retrievers") + chain,
         expect=["depth", "deeper than the 1000"],
         why="a chain 1003 deep (the limit is 1000, so that no graph question recurses without bound)")
    case("hierarchy_unknown_class", ok.replace(f"{WNIDS[3]}\tsnakes\n", ""),
         expect=["classes/wnid", WNIDS[3], "not a node of the hierarchy"],
         why="valid.h5's class 3 is missing from the file")

# --------------------------------------------------------------------------- P10: external raw folders
# Relative external raw storage names (H5Pset_external) resolve against the folder of the HDF5 file
# that holds the dataset, whatever the working folder and whichever file a process opened first.
# Two dumps in different folders name the SAME relative raw file with DIFFERENT bytes: a reader
# that resolves against the working folder, or caches one folder per process, reads the wrong
# numbers. The corpus root also holds a decoy raw/twin_missing.bin, which a working-folder reader
# run from the corpus folder would read for p10_missing/twin_missing.h5.

P10_RAW = "raw/twin.bin"
P10_OFFSET = 32


def p10_features(side: str) -> np.ndarray:
    """The train features of the p10 dump on `side` (left: base's; right: other noise, same shape,
    so centroids and η differ between the two)."""
    x = base()["datasets"]["splits/train/features"]
    noise = np.random.default_rng(SEED + 10).normal(scale=0.8, size=x.shape)
    return x if side == "left" else (x + noise).astype(np.float32)


def external_raw_folder_cases(corpus: "Corpus", out: Path) -> None:
    key = "splits/train/features"

    def write(folder: str, name: str, x, raw_name: str | None, raw_folder: Path | None = None):
        (out / folder).mkdir(exist_ok=True)
        spec = base()
        spec["datasets"]["splits/train/logits"] = (x @ spec["datasets"]["classifier/weight"].T
                                                   + spec["datasets"]["classifier/bias"]).astype(np.float32)
        if raw_name is None:
            spec["datasets"][key] = x
            write_spec(out / folder / name, spec)
            return
        del spec["datasets"][key]
        write_spec(out / folder / name, spec)
        part = (raw_folder or out / folder) / raw_name
        part.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(b"\xa5" * P10_OFFSET + x.astype("<f4").tobytes())
        with h5py.File(out / folder / name, "a", libver=LIBVER) as f:
            _low_level_features(f, key, x, h5py.h5t.IEEE_F32LE, None,
                                external=[(raw_name.encode(), P10_OFFSET, x.nbytes)])

    for side in ("left", "right"):
        x = p10_features(side)
        write(f"p10_{side}", "twin.h5", x, P10_RAW)
        corpus.add(f"p10_external_raw_{side}", [f"p10_{side}/twin.h5"], expect_ok=True,
                   why=f"train features in external raw file {P10_RAW} beside the dump; p10_left and p10_right "
                       "name the same relative file with different bytes (each must read its own)")
        write(".", f"p10_{side}_inline.h5", x, None)
        corpus.add(f"p10_inline_{side}", [f"p10_{side}_inline.h5"], expect_ok=True,
                   why=f"the same dump as p10_{side}/twin.h5 with its features inside (the reference numbers)")
    x = p10_features("left")
    write("p10_missing", "twin_missing.h5", x, "raw/twin_missing.bin", raw_folder=out)
    corpus.add("p10_external_raw_only_in_working_folder", ["p10_missing/twin_missing.h5"],
               expect=["splits/train/features", "raw/twin_missing.bin", "missing"],
               why="external raw file raw/twin_missing.bin is not beside the dump, only in the corpus "
                   "root (a reader resolving against the working folder would read it)")


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: make_corpus.py OUTDIR", file=sys.stderr)
        return 64
    cases = make(Path(argv[1]))
    print(f"make_corpus: {len(cases)} cases in {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
