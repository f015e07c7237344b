"""Write penultimate-layer features in the `penultimate` file format v1.

One importable file; it needs only numpy and h5py.  PyTorch is imported lazily,
inside the torch helpers at the bottom, so the writing functions work (and are
tested) on plain numpy arrays.  Install it with ``pip install ./notebooks-export``
(``[torch]`` adds PyTorch) or copy this file next to your code; both give
``import penultimate_writer``.  ``__version__`` is ``FORMAT_VERSION.minor.patch``:
its major number is the file format version it writes.

The format is specified in ``Sources/FeatureStore/FeatureStore.docc/FileFormat.md``
(the FeatureStore documentation's "The feature dump file format" article)::

    /                      root attributes (format, format_version, model, role, ...)
    /classes/wnid          (C,)   vlen UTF-8 strings      (and/or /classes/name)
    /classifier/weight     (C, D) float32                 (nn.Linear layout)
    /classifier/bias       (C,)   float32
    /splits/<s>            group; attribute sample_count (int64): the number of
                           distinct samples of split <s> (len(dataset)), over all
                           shards of a sharded dump; readers check completeness with it
    /splits/<s>/features   (N, D) float32 | float16, chunked by rows
    /splits/<s>/labels     (N,)   int64 in 0..<C
    /splits/<s>/sample_index (N,) int64  (optional; required in shards)
    /splits/<s>/logits     (N, C) float32 (optional)

Penultimate features are the *input of the final classifier nn.Linear* (taken by
a forward pre-hook, see :func:`collect_penultimate`) and logits its output, so
``logits = features @ W.T + b`` holds by construction.

Files must be readable by libhdf5 1.10.8, so every file is created with
``libver=("earliest", "v110")`` and float16 is converted by numpy, never by
libhdf5 (libhdf5's float32 -> float16 conversion is wrong for some values).

Entry points:

* :func:`write_dump` – one call, whole arrays in memory.
* :class:`DumpWriter` – incremental ``append`` for streaming loops.
* :func:`write_shard` / :func:`write_manifest` – one file per DDP rank plus a
  manifest of virtual datasets over the shards.
* :func:`classifier_of`, :func:`classifier_weights`, :func:`collect_penultimate`,
  :func:`logits_check`, :class:`IndexedDataset`, :func:`dump_distributed` –
  the PyTorch helpers (PyTorch is needed only when they are called).
"""

from __future__ import annotations

import os
import re
from typing import Iterable, Mapping, Sequence

import h5py
import numpy as np

FORMAT = "penultimate-features"
FORMAT_VERSION = 1
#: ``FORMAT_VERSION.minor.patch``: the major number is the format version written.  A literal,
#: so that packaging reads it without importing numpy/h5py (pyproject.toml: dynamic version).
__version__ = "1.1.0"
WRITER = f"penultimate_writer.py {__version__}"

#: libhdf5 1.10.8 (Debian 12) must read every file we write.
LIBVER = ("earliest", "v110")

#: Target size of one chunk of a row-chunked dataset.
CHUNK_BYTES = 1 << 20

_STRING_ATTRS = ("model", "role", "dataset", "teacher_model", "config_json")
_FLOAT_ATTRS = ("ls_alpha", "teacher_ls_alpha", "kd_temperature")
_INT_ATTRS = ("seed", "epoch")
_REQUIRED_ATTRS = ("model", "role", "dataset", "ls_alpha")
_STUDENT_ATTRS = ("teacher_model", "teacher_ls_alpha", "kd_temperature")
_RESERVED_ATTRS = ("format", "format_version", "writer", "shard_rank", "shard_count", "manifest_shards")
_SPLIT_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_WNID = re.compile(r"^n[0-9]{8}$")
_VLEN_UTF8 = h5py.string_dtype("utf-8")
_FEATURE_DTYPES = {"float32": np.float32, "float16": np.float16}


# --------------------------------------------------------------------------- validation

def _normalise_attributes(attributes: Mapping[str, object]) -> dict:
    """Check the caller's root attributes and coerce them to their format types."""
    if not isinstance(attributes, Mapping):
        raise ValueError("attributes: expected a dict of root attributes")
    unknown = sorted(set(attributes) - set(_STRING_ATTRS + _FLOAT_ATTRS + _INT_ATTRS))
    reserved = sorted(set(unknown) & set(_RESERVED_ATTRS))
    if reserved:
        raise ValueError(f"attributes: {', '.join(reserved)} is set by the writer, not by the caller")
    if unknown:
        known = ", ".join(_STRING_ATTRS + _FLOAT_ATTRS + _INT_ATTRS)
        raise ValueError(f"attributes: unknown attribute(s) {', '.join(unknown)}; known: {known}")
    missing = [k for k in _REQUIRED_ATTRS if attributes.get(k) is None]
    if missing:
        raise ValueError(f"attributes: missing required attribute(s) {', '.join(missing)}")
    role = attributes["role"]
    if role not in ("teacher", "student"):
        raise ValueError(f"attributes: role must be 'teacher' or 'student', got {role!r}")
    if role == "student":
        missing = [k for k in _STUDENT_ATTRS if attributes.get(k) is None]
        if missing:
            raise ValueError(f"attributes: a student dump needs {', '.join(missing)}")
    out: dict = {}
    for key, value in attributes.items():
        if value is None:
            continue
        if key in _STRING_ATTRS:
            if not isinstance(value, str):
                raise ValueError(f"attributes: {key} must be a string, got {type(value).__name__}")
            out[key] = value
        elif key in _FLOAT_ATTRS:
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise ValueError(f"attributes: {key} must be a number, got {type(value).__name__}")
            out[key] = np.float64(value)
            if not np.isfinite(out[key]):
                raise ValueError(f"attributes: {key} must be finite, got {value!r}")
            # The readers' ranges (FeatureStore's AttributeRules): alpha in [0, 1), T > 0.
            if key.endswith("ls_alpha") and not 0 <= out[key] < 1:
                raise ValueError(f"attributes: {key} must be in [0, 1), got {value!r}")
            if key == "kd_temperature" and not out[key] > 0:
                raise ValueError(f"attributes: {key} must be > 0, got {value!r}")
        else:
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(f"attributes: {key} must be an integer, got {type(value).__name__}")
            if not 0 <= value < 2**63:
                raise ValueError(f"attributes: {key} must be an integer >= 0, got {value!r}")
            out[key] = np.int64(value)
    return out


def _string_list(values, what: str) -> list[str]:
    values = list(values)
    bad = [v for v in values if not isinstance(v, str)]
    if bad:
        raise ValueError(f"{what}: every entry must be a string, got {type(bad[0]).__name__}")
    return values


def _check_classes(wnids, names) -> tuple[list[str] | None, list[str] | None, int]:
    if wnids is None and names is None:
        raise ValueError("classes/wnid: give wnids or names (names are required when there are no wnids)")
    wnids = None if wnids is None else _string_list(wnids, "classes/wnid")
    names = None if names is None else _string_list(names, "classes/name")
    count = len(wnids) if wnids is not None else len(names)
    if count == 0:
        raise ValueError("classes/wnid: the class list is empty")
    if wnids is not None:
        if names is not None and len(names) != count:
            raise ValueError(f"classes/name: {len(names)} names for {count} wnids")
        malformed = [w for w in wnids if not _WNID.match(w)]
        if malformed:
            raise ValueError(f"classes/wnid: {malformed[0]!r} is not a WordNet id like 'n02099849'")
        seen: set[str] = set()
        for i, w in enumerate(wnids):
            if w in seen:
                raise ValueError(f"classes/wnid: duplicate wnid {w!r} (class {i})")
            seen.add(w)
    return wnids, names, count


def _check_classifier(weight, bias, class_count: int) -> tuple[np.ndarray, np.ndarray]:
    weight = np.asarray(weight)
    bias = np.asarray(bias)
    if weight.ndim != 2:
        raise ValueError(f"classifier/weight: expected shape (C, D), got {weight.shape}")
    if weight.shape[0] != class_count:
        raise ValueError(f"classifier/weight: {weight.shape[0]} rows for {class_count} classes")
    if weight.shape[1] == 0:
        raise ValueError("classifier/weight: the feature dimension D is 0")
    if bias.shape != (class_count,):
        raise ValueError(f"classifier/bias: expected shape ({class_count},), got {bias.shape}")
    for name, array in (("classifier/weight", weight), ("classifier/bias", bias)):
        if not np.issubdtype(array.dtype, np.floating):
            raise ValueError(f"{name}: expected floating point values, got {array.dtype}")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name}: contains NaN or Inf")
    return weight.astype(np.float32), bias.astype(np.float32)


def _feature_dtype(feature_dtype) -> type:
    key = np.dtype(feature_dtype).name if not isinstance(feature_dtype, str) else feature_dtype
    if key not in _FEATURE_DTYPES:
        raise ValueError(f"feature_dtype: expected 'float32' or 'float16', got {feature_dtype!r}")
    return _FEATURE_DTYPES[key]


def _check_rows(split: str, features, labels, sample_index, logits, *, dim: int, class_count: int,
                feature_type: type, need_sample_index: bool) -> dict:
    """Validate one block of rows of `split` and return the arrays as they will be stored."""
    where = f"splits/{split}"
    if not isinstance(split, str) or not _SPLIT_NAME.match(split):
        raise ValueError(f"splits: split name {split!r} must be letters, digits, '_', '-' or '.'")
    features = np.asarray(features)
    if features.ndim != 2:
        raise ValueError(f"{where}/features: expected shape (N, {dim}), got {features.shape}")
    rows = features.shape[0]
    if features.shape[1] != dim:
        raise ValueError(f"{where}/features: {features.shape[1]} columns but the classifier has D={dim}")
    if not np.issubdtype(features.dtype, np.floating):
        raise ValueError(f"{where}/features: expected floating point values, got {features.dtype}")
    # Convert in numpy (never through libhdf5), then check: float16 overflows to inf above 65504.
    with np.errstate(over="ignore"):  # an overflow is reported below, with the row
        stored = features.astype(feature_type)
    if not np.all(np.isfinite(stored)):
        bad = int(np.flatnonzero(~np.all(np.isfinite(stored), axis=1))[0])
        hint = " (float16 overflow: |x| > 65504; write float32)" if (
            feature_type is np.float16 and np.all(np.isfinite(features[bad]))) else ""
        raise ValueError(f"{where}/features: row {bad} contains NaN or Inf{hint}")

    labels = np.asarray(labels)
    if labels.shape != (rows,):
        raise ValueError(f"{where}/labels: expected shape ({rows},), got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{where}/labels: expected integer class indices, got {labels.dtype}")
    if rows and (labels.min() < 0 or labels.max() >= class_count):
        bad = int(np.flatnonzero((labels < 0) | (labels >= class_count))[0])
        raise ValueError(f"{where}/labels: row {bad} has label {int(labels[bad])}, "
                         f"outside 0..<{class_count}")
    out = {"features": stored, "labels": labels.astype(np.int64)}

    if sample_index is None:
        if need_sample_index:
            raise ValueError(f"{where}/sample_index: required in shard files "
                             "(DistributedSampler pads with repeated samples)")
    else:
        sample_index = np.asarray(sample_index)
        if sample_index.shape != (rows,):
            raise ValueError(f"{where}/sample_index: expected shape ({rows},), got {sample_index.shape}")
        if not np.issubdtype(sample_index.dtype, np.integer):
            raise ValueError(f"{where}/sample_index: expected integers, got {sample_index.dtype}")
        out["sample_index"] = sample_index.astype(np.int64)

    if logits is not None:
        logits = np.asarray(logits)
        if logits.shape != (rows, class_count):
            raise ValueError(f"{where}/logits: expected shape ({rows}, {class_count}), got {logits.shape}")
        if not np.issubdtype(logits.dtype, np.floating):
            raise ValueError(f"{where}/logits: expected floating point values, got {logits.dtype}")
        out["logits"] = logits.astype(np.float32)
    return out


def _chunk_rows(bytes_per_row: int, requested: int | None = None, cap: int | None = None) -> int:
    rows = requested if requested is not None else max(1, CHUNK_BYTES // max(1, bytes_per_row))
    if rows < 1:
        raise ValueError(f"chunk_rows: must be at least 1, got {rows}")
    return max(1, min(rows, cap)) if cap is not None else rows


# --------------------------------------------------------------------------- writing

def _write_root(file: h5py.File, attributes: dict, extra: Mapping[str, object] = ()) -> None:
    attrs = file.attrs
    attrs.create("format", FORMAT, dtype=_VLEN_UTF8)
    attrs.create("format_version", np.int64(FORMAT_VERSION))
    for key, value in attributes.items():
        if isinstance(value, str):
            attrs.create(key, value, dtype=_VLEN_UTF8)
        else:
            attrs.create(key, value)
    attrs.create("writer", WRITER, dtype=_VLEN_UTF8)
    for key, value in dict(extra).items():
        if isinstance(value, (list, tuple)):
            attrs.create(key, np.array(value, dtype=object), dtype=_VLEN_UTF8)
        else:
            attrs.create(key, np.int64(value))


def _write_classes_and_classifier(file: h5py.File, wnids, names, weight, bias) -> None:
    classes = file.create_group("classes")
    if wnids is not None:
        classes.create_dataset("wnid", data=np.array(wnids, dtype=object), dtype=_VLEN_UTF8, track_times=False)
    if names is not None:
        classes.create_dataset("name", data=np.array(names, dtype=object), dtype=_VLEN_UTF8, track_times=False)
    classifier = file.create_group("classifier")
    classifier.create_dataset("weight", data=weight, dtype=np.float32, track_times=False)
    classifier.create_dataset("bias", data=bias, dtype=np.float32, track_times=False)


class DumpWriter:
    """Incremental writer: open, ``append`` blocks of rows per split, ``close``.

    Datasets are chunked by rows and resizable, so a training loop can append
    batch by batch in bounded memory.  The first ``append`` to a split fixes which
    optional datasets (``sample_index``, ``logits``) that split has.  Usable as a
    context manager; the file is written to ``path`` directly (pass a temporary
    path and rename for atomicity).

    Every split group gets the int64 attribute ``sample_count`` when the writer
    is closed: the number of distinct samples of the split (``len(dataset)``).  A
    single file holds the whole split, so there it is the number of distinct
    ``sample_index`` values (or of rows, without ``sample_index``); a value given
    by ``sample_counts={split: n}`` or :meth:`set_sample_count` must equal it
    (a smaller count means rows were lost, e.g. ``DataLoader(drop_last=True)``).
    A shard holds part of the split: its ``sample_count`` must be given (the
    dataset's length) and is written as given; :func:`write_manifest` checks
    that the shards together hold exactly that many distinct samples.
    """

    def __init__(self, path, *, attributes: Mapping[str, object], wnids=None, names=None,
                 weight, bias, feature_dtype="float32", compression=None, chunk_rows=None,
                 shard: tuple[int, int] | None = None, sample_counts: Mapping[str, int] | None = None):
        attrs = _normalise_attributes(attributes)
        wnids, names, count = _check_classes(wnids, names)
        weight, bias = _check_classifier(weight, bias, count)
        self._feature_type = _feature_dtype(feature_dtype)
        if compression not in (None, "gzip"):
            raise ValueError(f"compression: expected None or 'gzip', got {compression!r} "
                             "(libhdf5 1.10.8 has no LZF/blosc filters)")
        if chunk_rows is not None and (not isinstance(chunk_rows, (int, np.integer)) or chunk_rows < 1):
            raise ValueError(f"chunk_rows: must be a positive integer, got {chunk_rows!r}")
        extra = {}
        if shard is not None:
            rank, count_ = shard
            if not (0 <= rank < count_):
                raise ValueError(f"shard_rank: rank {rank} outside 0..<{count_}")
            extra = {"shard_rank": rank, "shard_count": count_}
        self.path = os.fspath(path)
        self.class_count = count
        self.dim = weight.shape[1]
        self._compression = compression
        self._chunk_rows = chunk_rows
        self._is_shard = shard is not None
        self._splits: dict[str, dict] = {}
        self._sample_counts: dict[str, int] = {}
        for split, value in dict(sample_counts or {}).items():
            self.set_sample_count(split, value)
        self._file = h5py.File(self.path, "w", libver=LIBVER)
        try:
            _write_root(self._file, attrs, extra)
            _write_classes_and_classifier(self._file, wnids, names, weight, bias)
            self._file.create_group("splits")
        except BaseException:
            self._file.close()
            raise

    # Dataset creation shared by the resizable and the fixed-size paths.
    def _create(self, group: h5py.Group, name: str, data: np.ndarray, resizable: bool) -> h5py.Dataset:
        row_shape = data.shape[1:]
        bytes_per_row = data.dtype.itemsize * int(np.prod(row_shape, dtype=np.int64))
        requested = self._chunk_rows if name == "features" else None
        cap = None if resizable else data.shape[0]
        rows = _chunk_rows(bytes_per_row, requested, cap)
        kwargs = {"track_times": False}  # same inputs, same bytes
        if self._compression == "gzip":
            kwargs.update(compression="gzip", compression_opts=4, shuffle=True)
        if resizable:
            ds = group.create_dataset(name, shape=(0,) + row_shape, maxshape=(None,) + row_shape,
                                      dtype=data.dtype, chunks=(rows,) + row_shape, **kwargs)
            return ds
        return group.create_dataset(name, data=data, dtype=data.dtype,
                                    chunks=(rows,) + row_shape, **kwargs)

    def append(self, split: str, features, labels, sample_index=None, logits=None) -> None:
        """Append rows to `split` (created on first use)."""
        if self._file is None:
            raise ValueError(f"{self.path}: the writer is closed")
        block = _check_rows(split, features, labels, sample_index, logits, dim=self.dim,
                            class_count=self.class_count, feature_type=self._feature_type,
                            need_sample_index=self._is_shard)
        state = self._splits.get(split)
        if state is None:
            group = self._file["splits"].create_group(split)
            state = {name: self._create(group, name, array, resizable=True) for name, array in block.items()}
            self._splits[split] = state
        elif set(state) != set(block):
            raise ValueError(f"splits/{split}: this block has {sorted(block)} but earlier blocks had "
                             f"{sorted(state)}; give sample_index/logits on every append or never")
        start = state["features"].shape[0]
        rows = block["features"].shape[0]
        for name, array in block.items():
            ds = state[name]
            ds.resize(start + rows, axis=0)
            ds[start:start + rows] = array

    def _write_whole_split(self, split: str, block_args: Mapping[str, object]) -> None:
        if split in self._splits:
            raise ValueError(f"splits/{split}: already written")
        block = _check_rows(split, block_args.get("features"), block_args.get("labels"),
                            block_args.get("sample_index"), block_args.get("logits"), dim=self.dim,
                            class_count=self.class_count, feature_type=self._feature_type,
                            need_sample_index=self._is_shard)
        if block["features"].shape[0] == 0:
            raise ValueError(f"splits/{split}/features: no rows")
        group = self._file["splits"].create_group(split)
        self._splits[split] = {name: self._create(group, name, array, resizable=False)
                               for name, array in block.items()}

    def set_sample_count(self, split: str, count: int) -> None:
        """Declare ``len(dataset)`` of ``split`` (required for every split of a shard)."""
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
            raise ValueError(f"splits/{split}: sample_count must be a positive integer, got {count!r}")
        self._sample_counts[split] = int(count)

    def _finish(self) -> None:
        """Write each split's ``sample_count`` after checking it against the rows written."""
        unknown = sorted(set(self._sample_counts) - set(self._splits))
        if unknown:
            raise ValueError(f"splits/{unknown[0]}: sample_count given but no rows were written")
        for split, state in self._splits.items():
            rows = state["features"].shape[0]
            index = state.get("sample_index")
            distinct = rows if index is None else int(np.unique(index[()]).size)
            given = self._sample_counts.get(split)
            where = f"{self.path}: splits/{split}"
            if self._is_shard:
                if given is None:
                    raise ValueError(f"{where}: sample_count: required in shard files "
                                     "(the split's len(dataset), over all shards)")
                if distinct > given:
                    raise ValueError(f"{where}: {distinct} distinct samples in this shard, "
                                     f"more than sample_count {given}")
            elif given is not None and given != distinct:
                raise ValueError(f"{where}: {distinct} distinct samples written but sample_count is {given}; "
                                 "a single file must hold the whole split (DataLoader(drop_last=True)?)")
            self._file["splits"][split].attrs.create("sample_count", np.int64(distinct if given is None else given))

    def close(self) -> None:
        """Write the ``sample_count`` attributes, flush and close the file; idempotent.

        Raises ``ValueError`` (after closing the file) when a ``sample_count``
        disagrees with the rows written.
        """
        if self._file is not None:
            try:
                self._finish()
            finally:
                self._file.close()
                self._file = None

    def _abandon(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> "DumpWriter":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.close()
        else:
            self._abandon()  # the caller's error is the one to see


def _split_args(splits: Mapping[str, Mapping[str, object]]) -> dict:
    if not isinstance(splits, Mapping) or not splits:
        raise ValueError("splits: expected a non-empty dict {name: dict(features=..., labels=...)}")
    allowed = {"features", "labels", "sample_index", "logits"}
    for name, args in splits.items():
        if not isinstance(args, Mapping):
            raise ValueError(f"splits/{name}: expected a dict with features and labels")
        unknown = set(args) - allowed - {"sample_count"}
        if unknown:
            raise ValueError(f"splits/{name}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
        for key in ("features", "labels"):
            if args.get(key) is None:
                raise ValueError(f"splits/{name}/{key}: missing")
    return dict(splits)


def _write_all(path, shard, *, attributes, wnids, names, weight, bias, splits,
               feature_dtype, compression, chunk_rows) -> str:
    splits = _split_args(splits)
    path = os.fspath(path)
    ok = False
    counts = {name: args["sample_count"] for name, args in splits.items() if args.get("sample_count") is not None}
    writer = DumpWriter(path, attributes=attributes, wnids=wnids, names=names, weight=weight, bias=bias,
                        feature_dtype=feature_dtype, compression=compression, chunk_rows=chunk_rows,
                        shard=shard, sample_counts=counts)
    try:
        for name, args in splits.items():
            writer._write_whole_split(name, args)
        writer.close()
        ok = True
    finally:
        writer._abandon()
        if not ok:
            try:
                os.remove(path)  # never leave a half-written dump behind
            except OSError:
                pass
    return path


def write_dump(path, *, attributes: Mapping[str, object], wnids=None, names=None, weight, bias,
               splits: Mapping[str, Mapping[str, object]], feature_dtype="float32",
               compression=None, chunk_rows=None) -> str:
    """Write a whole dump (format v1) in one call and return its path.

    ``splits`` maps a split name to ``dict(features=(N, D), labels=(N,),
    sample_index=(N,) or None, logits=(N, C) or None, sample_count=None)``;
    ``sample_count`` (the split's ``len(dataset)``; default: the distinct rows)
    must equal the number of distinct samples written (see :class:`DumpWriter`).  ``feature_dtype`` is
    ``"float32"`` or ``"float16"`` (cast by numpy); ``compression`` is ``None`` or
    ``"gzip"`` (level 4 with shuffle); ``chunk_rows`` overrides the ~1 MiB row
    chunks of the features.  Raises ``ValueError`` naming the dataset on bad input;
    nothing is left at ``path`` then.
    """
    return _write_all(path, None, attributes=attributes, wnids=wnids, names=names, weight=weight,
                      bias=bias, splits=splits, feature_dtype=feature_dtype,
                      compression=compression, chunk_rows=chunk_rows)


# --------------------------------------------------------------------------- shards and manifest

def _create_virtual(group: h5py.Group, name: str, dtype, sources: Sequence[str], source_dataset: str,
                    shapes: Sequence[tuple]) -> None:
    """Create `group/name` as a virtual dataset concatenating `source_dataset` of `sources` by rows.

    Built through the low-level API (h5py.VirtualLayout offers no way to turn off
    the creation timestamp), so that the same shards give the same manifest bytes.
    """
    dtype = np.dtype(dtype)
    row_shape = tuple(shapes[0][1:])
    total = sum(shape[0] for shape in shapes)
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_obj_track_times(False)
    fill = -1 if np.issubdtype(dtype, np.integer) else np.nan  # what a missing source reads as
    dcpl.set_fill_value(np.array([fill], dtype=dtype))
    selection = h5py.h5s.create_simple((total,) + row_shape)
    offset = 0
    for source, shape in zip(sources, shapes):
        selection.select_hyperslab((offset,) + (0,) * len(row_shape), tuple(shape))
        dcpl.set_virtual(selection, os.fsencode(source), source_dataset.encode("utf-8"),
                         h5py.h5s.create_simple(tuple(shape)))
        offset += shape[0]
    space = h5py.h5s.create_simple((total,) + row_shape)
    h5py.h5d.create(group.id, name.encode("utf-8"), h5py.h5t.py_create(dtype, logical=1), space, dcpl=dcpl).close()


def shard_path(stem, rank: int) -> str:
    """The conventional shard file name: ``NAME.rank{r}.h5`` for manifest ``NAME.h5``."""
    stem = os.fspath(stem)
    if stem.endswith(".h5"):
        stem = stem[:-3]
    return f"{stem}.rank{rank}.h5"


def write_shard(path, *, rank: int, count: int, attributes: Mapping[str, object], wnids=None,
                names=None, weight, bias, splits: Mapping[str, Mapping[str, object]],
                feature_dtype="float32", compression=None, chunk_rows=None) -> str:
    """Write one rank's shard: a complete dump plus ``shard_rank``/``shard_count``.

    Every split must carry ``sample_index`` and ``sample_count`` (the split's
    ``len(dataset)`` over all ranks).  Write no DistributedSampler padding rows
    (:func:`collect_penultimate` drops them); readers of older shard sets drop
    repeated sample indices.
    """
    for name in ("rank", "count"):
        value = locals()[name]
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"shard_{name}: expected an integer, got {value!r}")
    if count < 1 or not (0 <= rank < count):
        raise ValueError(f"shard_rank: rank {rank} outside 0..<{count}")
    return _write_all(path, (int(rank), int(count)), attributes=attributes, wnids=wnids, names=names,
                      weight=weight, bias=bias, splits=splits, feature_dtype=feature_dtype,
                      compression=compression, chunk_rows=chunk_rows)


def _read_strings(dataset: h5py.Dataset) -> list[str]:
    return [s.decode("utf-8") if isinstance(s, bytes) else str(s) for s in dataset[()]]


def write_manifest(path, shard_paths: Sequence, *, max_padding: int | None = None) -> str:
    """Write the rank-0 manifest over ``shard_paths`` (given in rank order).

    The manifest copies the root attributes (without shard_rank/shard_count),
    classes and classifier of the shards, after checking that every shard agrees
    on them, and makes ``/splits/<s>/{features,labels,sample_index,logits}``
    virtual datasets that concatenate the shards in rank order.  Source paths are
    stored relative to the manifest's folder, so the set can be moved as a whole.
    Sample indices may repeat across shards only as DistributedSampler padding:
    at most ``max_padding`` repeats (default ``shard_count - 1``) per split.
    Every shard must record the same ``sample_count`` for a split, and the shards
    together must hold exactly that many distinct samples (a missing rank or a
    ``drop_last`` sampler is refused); the manifest's split groups record it too.
    """
    path = os.fspath(path)
    shard_paths = [os.fspath(p) for p in shard_paths]
    if not shard_paths:
        raise ValueError("manifest_shards: no shard files given")
    base = os.path.dirname(os.path.abspath(path))
    relative = [os.path.relpath(os.path.abspath(p), base) for p in shard_paths]
    count = len(shard_paths)
    if max_padding is None:
        max_padding = count - 1

    # Read and cross-check what the shards say.
    first: dict = {}
    layouts: dict[str, list] = {}
    sample_counts: dict[str, set] = {}
    for rank, shard in enumerate(shard_paths):
        if not os.path.exists(shard):
            raise ValueError(f"{shard}: shard file not found")
        with h5py.File(shard, "r") as f:
            attrs = dict(f.attrs)
            if attrs.get("format") != FORMAT:
                raise ValueError(f"{shard}: format: expected {FORMAT!r}, got {attrs.get('format')!r}")
            if int(attrs.get("format_version", -1)) != FORMAT_VERSION:
                raise ValueError(f"{shard}: format_version: expected {FORMAT_VERSION}, "
                                 f"got {attrs.get('format_version')!r}")
            if int(attrs.get("shard_rank", -1)) != rank or int(attrs.get("shard_count", -1)) != count:
                raise ValueError(f"{shard}: shard_rank/shard_count: expected {rank}/{count}, got "
                                 f"{attrs.get('shard_rank')}/{attrs.get('shard_count')}; "
                                 "give the shards in rank order")
            info = {
                "attrs": {k: v for k, v in attrs.items() if k not in ("shard_rank", "shard_count")},
                "wnid": _read_strings(f["classes/wnid"]) if "classes/wnid" in f else None,
                "name": _read_strings(f["classes/name"]) if "classes/name" in f else None,
                "weight": f["classifier/weight"][()],
                "bias": f["classifier/bias"][()],
                "splits": {},
            }
            for split, group in f["splits"].items():
                info["splits"][split] = {name: (ds.shape, ds.dtype) for name, ds in group.items()}
                if "sample_index" not in group:
                    raise ValueError(f"{shard}: splits/{split}/sample_index: required in shard files")
                layouts.setdefault(split, []).append(group["sample_index"][()])
                count_attr = group.attrs.get("sample_count")
                sample_counts.setdefault(split, set()).add(None if count_attr is None else int(count_attr))
        if rank == 0:
            first = info
            continue
        for key in ("wnid", "name"):
            if info[key] != first[key]:
                raise ValueError(f"{shard}: classes/{key}: differs from {shard_paths[0]}")
        for key in ("weight", "bias"):
            if info[key].shape != first[key].shape or not np.array_equal(info[key], first[key]):
                raise ValueError(f"{shard}: classifier/{key}: differs from {shard_paths[0]}")
        if sorted(info["splits"]) != sorted(first["splits"]):
            raise ValueError(f"{shard}: splits: {sorted(info['splits'])} differ from "
                             f"{sorted(first['splits'])} in {shard_paths[0]}")
        for split, datasets in info["splits"].items():
            theirs = first["splits"][split]
            if sorted(datasets) != sorted(theirs):
                raise ValueError(f"{shard}: splits/{split}: datasets {sorted(datasets)} differ from "
                                 f"{sorted(theirs)} in {shard_paths[0]}")
            for name, (shape, dtype) in datasets.items():
                if shape[1:] != theirs[name][0][1:] or dtype != theirs[name][1]:
                    raise ValueError(f"{shard}: splits/{split}/{name}: shape/type {shape} {dtype} "
                                     f"differs from {theirs[name][0]} {theirs[name][1]}")

    for split, indices in layouts.items():
        joined = np.concatenate(indices)
        repeats = joined.size - np.unique(joined).size
        if repeats > max_padding:
            raise ValueError(f"splits/{split}/sample_index: {repeats} sample indices repeat across shards, "
                             f"more than DistributedSampler padding allows ({max_padding})")
        counts = sample_counts[split]
        if len(counts) != 1:
            shown = ", ".join("none" if c is None else str(c) for c in sorted(counts, key=lambda c: -1 if c is None else c))
            raise ValueError(f"splits/{split}: sample_count: the shards disagree ({shown})")
        expected = next(iter(counts))
        distinct = joined.size - repeats
        if expected is not None and distinct != expected:
            raise ValueError(f"splits/{split}: sample_count: the shards hold {distinct} distinct samples, "
                             f"not the {expected} they declare (a rank's shard missing, or "
                             "DistributedSampler(drop_last=True) left samples out)")

    shard_infos = []
    for shard in shard_paths:
        with h5py.File(shard, "r") as f:
            shard_infos.append({s: {n: ds.shape for n, ds in g.items()} for s, g in f["splits"].items()})

    with h5py.File(path, "w", libver=LIBVER) as out:
        for key, value in first["attrs"].items():
            if isinstance(value, str):
                out.attrs.create(key, value, dtype=_VLEN_UTF8)
            else:
                out.attrs.create(key, value)
        out.attrs.create("manifest_shards", np.array(relative, dtype=object), dtype=_VLEN_UTF8)
        _write_classes_and_classifier(out, first["wnid"], first["name"], first["weight"], first["bias"])
        splits = out.create_group("splits")
        for split, datasets in first["splits"].items():
            group = splits.create_group(split)
            if next(iter(sample_counts[split])) is not None:
                group.attrs.create("sample_count", np.int64(next(iter(sample_counts[split]))))
            for name, (_, dtype) in datasets.items():
                shapes = [info[split][name] for info in shard_infos]
                _create_virtual(group, name, dtype, relative, f"/splits/{split}/{name}", shapes)
    return path


# --------------------------------------------------------------------------- PyTorch helpers

class IndexedDataset:
    """Wrap a map-style dataset so that items are ``(input, label, index)``."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index):
        item = self.dataset[index]
        return item[0], item[1], index


def _unwrap(model):
    """The model inside DistributedDataParallel / DataParallel wrappers."""
    import torch.nn as nn

    while isinstance(model, (nn.parallel.DistributedDataParallel, nn.DataParallel)):
        model = model.module
    return model


def _linear_or_none(module):
    import torch.nn as nn

    if isinstance(module, nn.Linear):
        return module
    if isinstance(module, nn.Sequential) and len(module) and isinstance(module[-1], nn.Linear):
        return module[-1]
    return None


#: Where torchvision (and most hand-written models) keep the final classifier: ResNet, GoogLeNet,
#: Inception, RegNet, ShuffleNet ``fc``; MobileNet, EfficientNet, VGG, AlexNet, ConvNeXt, DenseNet,
#: MNASNet ``classifier`` (an nn.Linear or a Sequential ending in one); ViT ``heads.head``; Swin,
#: MaxViT-style ``head``.
_KNOWN_CLASSIFIERS = ("fc", "classifier", "heads.head", "heads", "head", "head.fc")


def _submodule(net, name: str):
    module = net
    for part in name.split("."):
        if part.lstrip("-").isdigit() and hasattr(module, "__getitem__"):
            try:
                module = module[int(part)]
            except (IndexError, TypeError):
                return None
        else:
            module = getattr(module, part, None)
        if module is None:
            return None
    return module


def _module_name(net, target) -> str:
    for name, module in net.named_modules():
        if module is target:
            return name or "<model>"
    return "<not a submodule>"


def classifier_of(model, layer=None, *, num_classes: int | None = None):
    """The final classifier ``nn.Linear`` of ``model``: its input is the penultimate layer.

    ``layer`` names it explicitly: an ``nn.Linear`` module or a dotted name such as
    ``"classifier.6"``, ``"heads.head"`` or ``"classifier.-1"`` (a ``module.``
    prefix left by DDP is accepted).  Without it, in this order:

    1. timm models: ``model.get_classifier()`` (refused unless an ``nn.Linear``);
    2. the torchvision names ``fc``, ``classifier`` (or its last element),
       ``heads.head``, ``heads``, ``head``, ``head.fc`` -- exactly one must be an
       ``nn.Linear`` (ResNet ``fc``; MobileNetV2/EfficientNet/VGG/ConvNeXt
       ``classifier[-1]``; ViT ``heads.head``);
    3. plain models: the one ``nn.Linear`` whose ``out_features`` is the class
       count (``num_classes``, else ``model.num_classes``, else the last
       registered ``nn.Linear``'s ``out_features``).

    DistributedDataParallel and DataParallel are unwrapped.  Raises ``ValueError``
    naming what was tried when no layer or several layers fit, or when the found
    layer's ``out_features`` differs from ``num_classes``.
    """
    import torch.nn as nn

    net = _unwrap(model)
    if not isinstance(net, nn.Module):
        raise ValueError(f"classifier_of: expected a torch.nn.Module, got {type(model).__name__}")
    if num_classes is None and isinstance(getattr(net, "num_classes", None), int):
        num_classes = net.num_classes
    how = ""
    if layer is not None:
        if isinstance(layer, str):
            name = layer[len("module."):] if layer.startswith("module.") and not hasattr(net, "module") else layer
            found = _submodule(net, name)
            if found is None:
                raise ValueError(f"classifier_of: {type(net).__name__} has no submodule {layer!r}")
            how = f"layer {layer!r}"
        elif isinstance(layer, nn.Module):
            found, how = layer, f"layer {_module_name(net, layer)}"
        else:
            raise ValueError(f"classifier_of: layer must be an nn.Module or a dotted name, got {type(layer).__name__}")
        linear = _linear_or_none(found)
        if linear is None:
            raise ValueError(f"classifier_of: {how} is a {type(found).__name__}, not an nn.Linear; "
                             "penultimate features are the input of the final nn.Linear")
    else:
        linear = None
        tried = []
        getter = getattr(net, "get_classifier", None)
        if callable(getter):
            found = getter()
            linear = _linear_or_none(found) if isinstance(found, nn.Module) else None
            if linear is None:  # timm with num_classes=0 (Identity), or a convolutional head
                raise ValueError(f"classifier_of: {type(net).__name__}.get_classifier() is a "
                                 f"{type(found).__name__}, not an nn.Linear; pass layer=")
            how = "get_classifier()"
        if linear is None:
            known = []
            for name in _KNOWN_CLASSIFIERS:
                found = _submodule(net, name)
                candidate = _linear_or_none(found) if isinstance(found, nn.Module) else None
                if found is not None:
                    tried.append(f"{name} -> {type(found).__name__}")
                if candidate is not None and all(candidate is not c for _, c in known):
                    known.append((name, candidate))
            if len(known) > 1:
                raise ValueError("classifier_of: several final-classifier candidates: "
                                 f"{', '.join(_module_name(net, c) for _, c in known)}; pass layer=")
            if known:
                linear, how = known[0][1], known[0][0]
        if linear is None:
            linears = [(name, m) for name, m in net.named_modules() if isinstance(m, nn.Linear)]
            if not linears:
                raise ValueError(f"classifier_of: {type(net).__name__} has no nn.Linear "
                                 f"(tried {', '.join(tried) or 'no known names'}); pass layer=")
            count = num_classes if num_classes is not None else linears[-1][1].out_features
            fits = [(name, m) for name, m in linears if m.out_features == count]
            if len(fits) != 1:
                listed = ", ".join(f"{name} ({m.out_features})" for name, m in linears)
                raise ValueError(f"classifier_of: {len(fits)} nn.Linear layers output {count} classes "
                                 f"among {listed}; pass layer=")
            how, linear = fits[0]
    if num_classes is not None and linear.out_features != num_classes:
        raise ValueError(f"classifier_of: {how} outputs {linear.out_features} features, "
                         f"not the {num_classes} classes; pass layer=")
    return linear


def classifier_weights(model, layer=None, *, num_classes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The classifier's ``(weight (C, D), bias (C,))`` as float32 numpy arrays.

    ``model`` may also be the ``nn.Linear`` itself.  A layer without a bias gives
    zeros.
    """
    import torch.nn as nn

    linear = model if isinstance(model, nn.Linear) and layer is None else \
        classifier_of(model, layer, num_classes=num_classes)
    weight = linear.weight.detach().float().cpu().numpy()
    if linear.bias is None:
        bias = np.zeros(weight.shape[0], dtype=np.float32)
    else:
        bias = linear.bias.detach().float().cpu().numpy()
    return weight, bias


def logits_check(features, logits, weight, bias) -> float:
    """The largest ``|logits - (features @ W.T + b)|``, computed in float64.

    What a dump written by :func:`collect_penultimate` satisfies up to float32
    rounding (a few ulps of the logits' scale); a hook on the wrong layer gives
    differences of order one.  Also usable on a dump read back with h5py.
    """
    features = np.asarray(features, dtype=np.float64)
    expected = features @ np.asarray(weight, dtype=np.float64).T + np.asarray(bias, dtype=np.float64)
    return float(np.max(np.abs(np.asarray(logits, dtype=np.float64) - expected), initial=0.0))


def _sampler_of(loader):
    batch_sampler = getattr(loader, "batch_sampler", None)
    sampler = getattr(batch_sampler, "sampler", None)
    return sampler if sampler is not None else getattr(loader, "sampler", None)


def _padding_plan(loader):
    """``(expected_indices, keep_mask, sample_count)`` when ``loader`` iterates a DistributedSampler.

    torch's DistributedSampler (torch/utils/data/distributed.py) lists the dataset's
    indices (``randperm`` seeded by ``seed + epoch`` when shuffling), pads the list to
    ``total_size = num_samples * num_replicas`` by repeating its beginning (or, with
    ``drop_last``, truncates it to that size), and gives rank r the positions
    ``r, r + num_replicas, ...``.  So rank r's j-th sample sits at position
    ``r + j * num_replicas``, and it is padding exactly when that position is
    ``>= len(dataset)``, whatever the shuffle.
    """
    from torch.utils.data.distributed import DistributedSampler

    sampler = _sampler_of(loader)
    if not isinstance(sampler, DistributedSampler):
        return None
    count = len(sampler.dataset)
    if sampler.drop_last and count % sampler.num_replicas:
        raise ValueError(f"collect_penultimate: DistributedSampler(drop_last=True) leaves "
                         f"{count % sampler.num_replicas} of {count} samples out of every rank; "
                         "use drop_last=False (the padding is dropped here)")
    expected = np.asarray(list(iter(sampler)), dtype=np.int64)
    positions = sampler.rank + np.arange(expected.size, dtype=np.int64) * sampler.num_replicas
    return expected, positions < count, count


def _full_pass_count(loader) -> int | None:
    """``len(dataset)`` when ``loader``'s sampler visits every sample once, else None."""
    from torch.utils.data import RandomSampler, SequentialSampler

    sampler, dataset = _sampler_of(loader), getattr(loader, "dataset", None)
    if dataset is None or not hasattr(dataset, "__len__"):
        return None
    if isinstance(sampler, SequentialSampler) or (
            isinstance(sampler, RandomSampler) and not sampler.replacement and len(sampler) == len(dataset)):
        return len(dataset)
    return None


def collect_penultimate(model, loader, layer=None, device=None, *, module=None,
                        num_classes: int | None = None) -> dict:
    """Run ``model`` over ``loader`` and collect the penultimate features and logits.

    A forward **pre-hook** on the final classifier ``nn.Linear`` (see
    :func:`classifier_of`; ``layer`` names it) records its input, flattened to
    (batch, D): the penultimate features.  A forward hook records its output: the
    logits, so ``logits = features @ W.T + b`` holds by construction.  The model
    runs in eval mode under ``torch.no_grad()``; its mode is restored after.

    ``loader`` must yield ``(inputs, labels, indices)`` (wrap the dataset in
    :class:`IndexedDataset`).  With a ``DistributedSampler`` the padding rows it
    adds (positions ``>= len(dataset)``) are dropped here, and ``drop_last=True``
    is refused when it would leave samples out.  Returns numpy ``features``
    (float32), ``logits`` (float32), ``labels`` and ``sample_index`` (int64) and
    ``sample_count`` (``len(dataset)``, when known), ready for
    ``splits={name: result}``.

    Raises ``ValueError`` when the classifier does not run exactly once per
    forward pass, or when its output width differs from the model's output.
    ``module=`` is the 0.1 name of ``layer``; it must now be the nn.Linear (a
    pooling layer is not the penultimate layer of most architectures).
    """
    import torch

    if module is not None:
        if layer is not None:
            raise ValueError("collect_penultimate: give layer= or module=, not both")
        if not isinstance(module, torch.nn.Linear):
            raise ValueError(f"collect_penultimate: module= is a {type(module).__name__}; the features are "
                             "now the input of the final nn.Linear: pass layer= (or nothing to find it)")
        layer = module
    linear = classifier_of(model, layer, num_classes=num_classes)
    net = _unwrap(model)  # no DDP collectives (buffer broadcasts) while ranks run different rows
    if device is None:
        device = next(net.parameters()).device
    plan = _padding_plan(loader)
    full_pass = None if plan is not None else _full_pass_count(loader)
    captured_in: list = []
    captured_out: list = []
    handles = [
        linear.register_forward_pre_hook(lambda _m, args: captured_in.append(args[0].detach().float().cpu())),
        linear.register_forward_hook(
            lambda _m, _args, out: captured_out.append(out.detach().flatten(1).float().cpu())),
    ]
    features, logits, labels, indices = [], [], [], []
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            for batch in loader:
                if len(batch) != 3:
                    raise ValueError("collect_penultimate: the loader must yield (inputs, labels, indices); "
                                     "wrap the dataset in IndexedDataset")
                inputs, target, index = batch
                captured_in.clear()
                captured_out.clear()
                out = net(inputs.to(device))
                if len(captured_in) != 1:
                    raise ValueError(f"collect_penultimate: the classifier {_module_name(net, linear)} "
                                     f"ran {len(captured_in)} times in one forward pass; pass layer=")
                if captured_in[0].dim() != 2:
                    raise ValueError(f"collect_penultimate: the classifier {_module_name(net, linear)} gets input "
                                     f"of shape {tuple(captured_in[0].shape)}, not (batch, features); pass layer=")
                if isinstance(out, torch.Tensor) and out.dim() == 2 and out.shape[1] != captured_out[0].shape[1]:
                    raise ValueError(f"collect_penultimate: the classifier {_module_name(net, linear)} "
                                     f"outputs {captured_out[0].shape[1]} values but the model outputs "
                                     f"{out.shape[1]}; pass layer= (the final classifier)")
                features.append(captured_in[0].numpy())
                logits.append(captured_out[0].numpy())
                labels.append(torch.as_tensor(target).cpu().numpy().astype(np.int64))
                indices.append(torch.as_tensor(index).cpu().numpy().astype(np.int64))
    finally:
        for handle in handles:
            handle.remove()
        net.train(was_training)
    result = {
        "features": np.concatenate(features).astype(np.float32),
        "logits": np.concatenate(logits).astype(np.float32),
        "labels": np.concatenate(labels),
        "sample_index": np.concatenate(indices),
    }
    if plan is not None:
        expected, keep, count = plan
        rows = result["features"].shape[0]
        if rows != expected.size:
            raise ValueError(f"collect_penultimate: the loader yielded {rows} rows but its DistributedSampler "
                             f"lists {expected.size} (DataLoader(drop_last=True)?)")
        loader_dataset = getattr(loader, "dataset", None)
        if isinstance(loader_dataset, IndexedDataset) and not np.array_equal(result["sample_index"], expected):
            raise ValueError("collect_penultimate: the loader did not yield its DistributedSampler's indices "
                             "in order; padding rows cannot be told apart")
        result = {key: value[keep] for key, value in result.items()}
        result["sample_count"] = count
    elif full_pass is not None:
        result["sample_count"] = full_pass
    return result


def dump_distributed(manifest_path, *, model, loaders: Mapping[str, Iterable], attributes,
                     wnids=None, names=None, layer=None, device=None, module=None,
                     num_classes: int | None = None, **write_options) -> str:
    """The DDP recipe: each rank writes its shard, all wait, rank 0 writes the manifest.

    Call on every rank after ``torch.distributed.init_process_group`` (any
    backend; torchrun or ``torch.multiprocessing.spawn``).  Each loader must use a
    ``DistributedSampler`` (shuffled or not) over an :class:`IndexedDataset`; its
    padding rows are not written, so every shard holds distinct samples.  The
    classifier is found by :func:`classifier_of` (``layer`` names it).  Every
    shard records ``shard_rank``/``shard_count`` and, per split, ``sample_count``
    = ``len(dataset)``; rank 0 writes the manifest after a barrier, checking that
    the shards hold every sample exactly once.  Returns the manifest path on rank
    0, the shard path elsewhere; an error on one rank is raised on every rank.
    """
    import torch.distributed as dist
    from torch.utils.data.distributed import DistributedSampler

    rank, count = dist.get_rank(), dist.get_world_size()
    path = shard_path(manifest_path, rank)
    failure = None
    try:
        for name, loader in loaders.items():
            sampler = _sampler_of(loader)
            if not isinstance(sampler, DistributedSampler):
                raise ValueError(f"dump_distributed: loader {name!r} has a {type(sampler).__name__}, "
                                 "not a DistributedSampler: every rank would dump every sample")
            if sampler.num_replicas != count or sampler.rank != rank:
                raise ValueError(f"dump_distributed: loader {name!r}: DistributedSampler(num_replicas="
                                 f"{sampler.num_replicas}, rank={sampler.rank}) but this is rank {rank} of {count}")
        weight, bias = classifier_weights(model, layer, num_classes=num_classes)
        splits = {name: collect_penultimate(model, loader, layer=layer, device=device, module=module,
                                            num_classes=num_classes)
                  for name, loader in loaders.items()}
        write_shard(path, rank=rank, count=count, attributes=attributes, wnids=wnids, names=names,
                    weight=weight, bias=bias, splits=splits, **write_options)
    except Exception as e:  # every rank must reach the barrier, or the others wait forever
        failure = e
    _raise_if_any(dist, rank, count, failure)  # also the barrier: every shard is closed after it
    if rank == 0:
        try:
            path = write_manifest(manifest_path, [shard_path(manifest_path, r) for r in range(count)],
                                  max_padding=0)
        except Exception as e:
            failure = e
    _raise_if_any(dist, rank, count, failure)
    return path


def _raise_if_any(dist, rank: int, count: int, failure) -> None:
    """Wait for every rank; raise this rank's error, or another rank's as a ValueError."""
    errors = [None] * count
    dist.all_gather_object(errors, None if failure is None else f"rank {rank}: {failure}")
    if failure is not None:
        raise failure
    first = next((e for e in errors if e is not None), None)
    if first is not None:
        raise ValueError(first)  # "rank R: <that rank's error>"
