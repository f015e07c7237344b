"""Tests of notebooks-export/penultimate_writer.py: real files, read back by h5py (HDF5 2.0)
and by Debian's libhdf5 1.10.8 command-line tools (h5dump, h5ls)."""

import os
import re
import shutil
import subprocess

import h5py
import numpy as np
import pytest

import penultimate_writer as pw

C, D = 4, 6
WNIDS = ["n02099849", "n02099601", "n01728572", "n01728920"]
ATTRS = dict(model="resnet18", role="teacher", dataset="synthetic", ls_alpha=0.1, seed=7, epoch=90,
             config_json='{"lr": 0.1}')
STUDENT = dict(model="resnet18", role="student", dataset="synthetic", ls_alpha=0.0,
               teacher_model="resnet50", teacher_ls_alpha=0.1, kd_temperature=4.0)

needs_h5tools = pytest.mark.skipif(shutil.which("h5dump") is None or shutil.which("h5ls") is None,
                                   reason="hdf5-tools (libhdf5 1.10.8 h5dump/h5ls) not installed")


def rng_rows(seed, n, *, start=0, scale=3.0):
    rng = np.random.default_rng(seed)
    return dict(features=rng.normal(scale=scale, size=(n, D)),
                labels=rng.integers(0, C, n),
                sample_index=np.arange(start, start + n),
                logits=rng.normal(size=(n, C)).astype(np.float32))


def classifier(seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(C, D)).astype(np.float32), rng.normal(size=C).astype(np.float32)


def write(path, **overrides):
    weight, bias = classifier()
    kwargs = dict(attributes=ATTRS, wnids=WNIDS, weight=weight, bias=bias,
                  splits={"train": rng_rows(2, 30), "val": rng_rows(3, 9)})
    kwargs.update(overrides)
    return pw.write_dump(path, **kwargs)


def h5tool(*args):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60)


# ----------------------------------------------------------------------------- round trips

@pytest.mark.parametrize("feature_dtype", ["float32", "float16"])
@pytest.mark.parametrize("compression", [None, "gzip"])
def test_round_trip(tmp_path, feature_dtype, compression):
    path = tmp_path / "dump.h5"
    train, val = rng_rows(2, 30), rng_rows(3, 9)
    weight, bias = classifier()
    write(path, splits={"train": train, "val": val}, feature_dtype=feature_dtype, compression=compression)
    with h5py.File(path, "r") as f:
        assert f.attrs["format"] == "penultimate-features"
        assert f.attrs["format_version"] == 1 and f.attrs["format_version"].dtype == np.int64
        assert f.attrs["seed"].dtype == np.int64 and f.attrs["epoch"] == 90
        assert f.attrs["ls_alpha"].dtype == np.float64 and f.attrs["ls_alpha"] == 0.1
        assert f.attrs["writer"] == f"penultimate_writer.py {pw.__version__}"
        assert "shard_rank" not in f.attrs and "manifest_shards" not in f.attrs
        assert [w.decode() for w in f["classes/wnid"][()]] == WNIDS
        assert "name" not in f["classes"]
        assert f["classifier/weight"].dtype == np.float32
        np.testing.assert_array_equal(f["classifier/weight"][()], weight)
        np.testing.assert_array_equal(f["classifier/bias"][()], bias)
        for name, rows in (("train", train), ("val", val)):
            g = f["splits"][name]
            feats = g["features"]
            assert feats.dtype == np.dtype(feature_dtype)
            assert feats.chunks[1] == D and feats.chunks[0] <= len(rows["labels"])
            assert feats.compression == compression
            assert feats.shuffle == (compression == "gzip")
            np.testing.assert_array_equal(feats[()], rows["features"].astype(feature_dtype))
            assert g["labels"].dtype == np.int64
            np.testing.assert_array_equal(g["labels"][()], rows["labels"])
            np.testing.assert_array_equal(g["sample_index"][()], rows["sample_index"])
            np.testing.assert_array_equal(g["logits"][()], rows["logits"])


def test_root_strings_are_vlen_utf8_scalars(tmp_path):
    path = write(tmp_path / "d.h5", attributes=STUDENT, names=["Chesapeake Bay retriever", "golden retriever",
                                                               "thunder snake", "ringneck snake"])
    with h5py.File(path, "r") as f:
        for key in ("format", "model", "role", "dataset", "teacher_model", "writer"):
            attr_id = f.attrs.get_id(key)
            assert attr_id.shape == (), key
            assert attr_id.get_type().is_variable_str(), key
            assert attr_id.get_type().get_cset() == h5py.h5t.CSET_UTF8, key
        for key in ("teacher_ls_alpha", "kd_temperature"):
            assert f.attrs[key].dtype == np.float64
        assert f["classes/name"].asstr()[1] == "golden retriever"


def test_chunks_are_about_one_mebibyte_of_rows(tmp_path):
    wide = 512
    rng = np.random.default_rng(0)
    path = pw.write_dump(tmp_path / "wide.h5", attributes=ATTRS, names=list("abcd"),
                         weight=rng.normal(size=(C, wide)), bias=np.zeros(C),
                         splits={"train": dict(features=rng.normal(size=(1200, wide)),
                                               labels=rng.integers(0, C, 1200))})
    with h5py.File(path, "r") as f:
        assert f["splits/train/features"].chunks == (512, wide)  # 512 rows * 512 * 4 bytes = 1 MiB
    path = write(tmp_path / "explicit.h5", chunk_rows=7)
    with h5py.File(path, "r") as f:
        assert f["splits/train/features"].chunks == (7, D)


def test_float16_values_equal_numpys_cast(tmp_path):
    # Values where libhdf5's own float->half conversion is known to go wrong (h5py issue 819),
    # plus subnormals, rounding ties and the largest finite half.
    special = np.array([-0.9999962, 0.9999962, 1e-7, 6.1e-5, 2049.0, 65504.0, -65504.0, 1.0 / 3.0],
                       dtype=np.float64)
    features = np.resize(special, (8, D)) * np.linspace(0.5, 1.0, D)
    # Just above a float16 tie: float64 -> float16 rounds up; float64 -> float32 -> float16 rounds
    # to even (down).  The writer must cast once, from the caller's dtype.
    features[0, 0] = 1 + 2.0 ** -11 + 2.0 ** -30
    assert features[:1, :1].astype(np.float16) != features[:1, :1].astype(np.float32).astype(np.float16)
    path = write(tmp_path / "h.h5", feature_dtype="float16",
                 splits={"train": dict(features=features, labels=np.arange(8) % C)})
    with h5py.File(path, "r") as f:
        stored = f["splits/train/features"][()]
    assert stored.dtype == np.float16
    assert stored.tobytes() == features.astype(np.float16).tobytes()
    f32 = features.astype(np.float32)
    path = write(tmp_path / "h32.h5", feature_dtype="float16",
                 splits={"train": dict(features=f32, labels=np.arange(8) % C)})
    with h5py.File(path, "r") as f:
        assert f["splits/train/features"][()].tobytes() == f32.astype(np.float16).tobytes()


def test_incremental_writer_matches_whole_write(tmp_path):
    rows = rng_rows(5, 50)
    weight, bias = classifier()
    with pw.DumpWriter(tmp_path / "inc.h5", attributes=ATTRS, wnids=WNIDS, weight=weight, bias=bias,
                       feature_dtype="float16", compression="gzip", chunk_rows=16) as writer:
        for start in range(0, 50, 13):  # uneven batches across chunk boundaries
            stop = min(50, start + 13)
            writer.append("train", rows["features"][start:stop], rows["labels"][start:stop],
                          sample_index=rows["sample_index"][start:stop], logits=rows["logits"][start:stop])
        writer.append("val", rows["features"][:3], rows["labels"][:3])
    with h5py.File(tmp_path / "inc.h5", "r") as f:
        feats = f["splits/train/features"]
        assert feats.shape == (50, D) and feats.maxshape == (None, D) and feats.chunks == (16, D)
        np.testing.assert_array_equal(feats[()], rows["features"].astype(np.float16))
        np.testing.assert_array_equal(f["splits/train/labels"][()], rows["labels"])
        np.testing.assert_array_equal(f["splits/train/logits"][()], rows["logits"])
        assert sorted(f["splits/val"]) == ["features", "labels"]


def test_incremental_writer_refuses_inconsistent_blocks(tmp_path):
    weight, bias = classifier()
    rows = rng_rows(5, 4)
    with pw.DumpWriter(tmp_path / "inc.h5", attributes=ATTRS, wnids=WNIDS, weight=weight, bias=bias) as w:
        w.append("train", rows["features"], rows["labels"], sample_index=rows["sample_index"])
        with pytest.raises(ValueError, match="splits/train.*sample_index"):
            w.append("train", rows["features"], rows["labels"])
    with pytest.raises(ValueError, match="closed"):
        w.append("train", rows["features"], rows["labels"])


# ----------------------------------------------------------------------------- libhdf5 1.10.8

@needs_h5tools
@pytest.mark.parametrize("compression", [None, "gzip"])
def test_libhdf5_1_10_reads_the_file(tmp_path, compression):
    train = rng_rows(2, 30)
    path = str(write(tmp_path / "d.h5", compression=compression, feature_dtype="float16",
                     splits={"train": train, "val": rng_rows(3, 9)}))
    version = h5tool("h5dump", "--version")
    assert "1.10" in version.stdout, version.stdout  # Debian's tools, not HDF5 2.0
    header = h5tool("h5dump", "-H", path)
    assert header.returncode == 0, header.stderr
    for name in ("features", "labels", "sample_index", "logits", "weight", "bias", "wnid"):
        assert f'DATASET "{name}"' in header.stdout
    assert "H5T_IEEE_F16LE" in header.stdout or "16-bit little-endian floating-point" in header.stdout \
        or "H5T_FLOAT" in header.stdout
    listing = h5tool("h5ls", "-r", path)
    assert listing.returncode == 0, listing.stderr
    assert re.search(r"/splits/train/features\s+Dataset \{30, 6\}", listing.stdout), listing.stdout
    assert re.search(r"/splits/val/labels\s+Dataset \{9\}", listing.stdout), listing.stdout
    labels = h5tool("h5dump", "-d", "/splits/train/labels", "-y", "-w", "0", path)
    assert labels.returncode == 0, labels.stderr
    data = labels.stdout.split("DATA {", 1)[1].split("}", 1)[0]
    assert [int(v) for v in re.findall(r"-?\d+", data)] == train["labels"].tolist()
    # Features read through 1.10.8's own float16 -> float conversion equal numpy's values.
    feats = h5tool("h5dump", "-d", "/splits/train/features", "-y", "-w", "0", "-m", "%.17g", path)
    assert feats.returncode == 0, feats.stderr
    data = feats.stdout.split("DATA {", 1)[1].rsplit("}", 2)[0]
    values = np.array([float(v) for v in re.findall(r"[-+0-9.eE]+(?:inf)?", data)])
    np.testing.assert_array_equal(values, train["features"].astype(np.float16).astype(np.float64).ravel())


@needs_h5tools
def test_libhdf5_1_10_fails_on_libver_latest_with_filters(tmp_path):
    """The reason for libver=("earliest", "v110"): h5py 3.16 / HDF5 2.0 defaults 1.10.8 cannot read."""
    path = str(tmp_path / "latest.h5")
    with h5py.File(path, "w", libver="latest") as f:
        f.create_dataset("x", data=np.arange(100, dtype=np.float32).reshape(10, 10), chunks=(5, 10),
                         compression="gzip")
    assert h5tool("h5dump", "-d", "/x", path).returncode != 0


# ----------------------------------------------------------------------------- shards + manifest

def write_shards(folder, *, rows=(7, 6), starts=(0, 6), stem="dump", sample_count=12):
    weight, bias = classifier()
    paths = []
    for rank, (n, start) in enumerate(zip(rows, starts)):
        paths.append(pw.write_shard(pw.shard_path(folder / stem, rank), rank=rank, count=len(rows),
                                    attributes=ATTRS, wnids=WNIDS, weight=weight, bias=bias,
                                    splits={"val": dict(rng_rows(10 + rank, n, start=start),
                                                        sample_count=sample_count)}))
    return paths


def test_manifest_concatenates_shards_with_padding_row(tmp_path):
    # DistributedSampler over 12 samples and 2 ranks... padded: rank 1 repeats sample 6 of rank 0's range.
    paths = write_shards(tmp_path, rows=(7, 6), starts=(0, 6))
    assert [os.path.basename(p) for p in paths] == ["dump.rank0.h5", "dump.rank1.h5"]
    manifest = pw.write_manifest(tmp_path / "dump.h5", paths)
    expected = {k: np.concatenate([rng_rows(10, 7, start=0)[k], rng_rows(11, 6, start=6)[k]])
                for k in ("features", "labels", "sample_index", "logits")}
    with h5py.File(paths[0], "r") as f:
        assert f.attrs["shard_rank"] == 0 and f.attrs["shard_count"] == 2
    with h5py.File(manifest, "r") as f:
        assert "shard_rank" not in f.attrs and "shard_count" not in f.attrs
        assert list(f.attrs["manifest_shards"]) == ["dump.rank0.h5", "dump.rank1.h5"]
        assert f.attrs["format_version"] == 1
        for name, values in expected.items():
            ds = f["splits/val"][name]
            assert ds.is_virtual
            assert all(not os.path.isabs(s.file_name) for s in ds.virtual_sources())
            np.testing.assert_array_equal(ds[()], values.astype(ds.dtype))
        index = f["splits/val/sample_index"][()]
        assert index.tolist() == list(range(7)) + list(range(6, 12))  # sample 6 twice: padding
    # Relative sources: the set still reads after moving the folder, from another working directory.
    moved = tmp_path / "moved"
    shutil.copytree(tmp_path, moved, ignore=shutil.ignore_patterns("moved"))
    cwd = os.getcwd()
    try:
        os.chdir("/")
        with h5py.File(moved / "dump.h5", "r") as f:
            np.testing.assert_array_equal(f["splits/val/labels"][()], expected["labels"])
    finally:
        os.chdir(cwd)
    if shutil.which("h5dump"):
        out = h5tool("h5dump", "-d", "/splits/val/sample_index", "-y", "-w", "0", str(moved / "dump.h5"))
        assert out.returncode == 0, out.stderr
        data = out.stdout.split("DATA {", 1)[1].split("}", 1)[0]
        assert [int(v) for v in re.findall(r"\d+", data)] == index.tolist()


def test_manifest_refuses_overlap_beyond_padding(tmp_path):
    paths = write_shards(tmp_path, rows=(7, 6), starts=(0, 3))
    with pytest.raises(ValueError, match="sample_index: 4 sample indices repeat"):
        pw.write_manifest(tmp_path / "dump.h5", paths)


def test_manifest_refuses_disagreeing_shards(tmp_path):
    paths = write_shards(tmp_path)
    weight, bias = classifier(seed=99)
    pw.write_shard(paths[1], rank=1, count=2, attributes=ATTRS, wnids=WNIDS, weight=weight, bias=bias,
                   splits={"val": dict(rng_rows(11, 6, start=6), sample_count=12)})
    with pytest.raises(ValueError, match="classifier/weight: differs"):
        pw.write_manifest(tmp_path / "dump.h5", paths)
    weight, bias = classifier()
    pw.write_shard(paths[1], rank=1, count=2, attributes=ATTRS, wnids=WNIDS[::-1], weight=weight, bias=bias,
                   splits={"val": dict(rng_rows(11, 6, start=6), sample_count=12)})
    with pytest.raises(ValueError, match="classes/wnid: differs"):
        pw.write_manifest(tmp_path / "dump.h5", paths)
    with pytest.raises(ValueError, match="rank order"):
        pw.write_manifest(tmp_path / "dump.h5", paths[::-1])


def test_shards_require_sample_index(tmp_path):
    weight, bias = classifier()
    rows = rng_rows(1, 5)
    del rows["sample_index"]
    with pytest.raises(ValueError, match="splits/val/sample_index: required"):
        pw.write_shard(tmp_path / "s.rank0.h5", rank=0, count=1, attributes=ATTRS, wnids=WNIDS,
                       weight=weight, bias=bias, splits={"val": rows})
    with pytest.raises(ValueError, match="shard_rank"):
        pw.write_shard(tmp_path / "s.rank2.h5", rank=2, count=2, attributes=ATTRS, wnids=WNIDS,
                       weight=weight, bias=bias, splits={"val": dict(rng_rows(1, 5), sample_count=5)})
    assert not (tmp_path / "s.rank0.h5").exists()


# ----------------------------------------------------------------------------- validation

def bad(**change):
    rows = rng_rows(4, 10)
    rows.update(change)
    return {"train": rows}


@pytest.mark.parametrize("overrides, message", [
    (dict(splits=bad(features=np.zeros(10))), r"splits/train/features: expected shape \(N, 6\)"),
    (dict(splits=bad(features=np.zeros((10, D + 1)))), r"splits/train/features: 7 columns but .*D=6"),
    (dict(splits=bad(features=np.zeros((10, D), dtype=np.int32))), r"splits/train/features: expected floating"),
    (dict(splits=bad(features=np.full((10, D), np.nan))), r"splits/train/features: row 0 contains NaN or Inf"),
    (dict(splits=bad(features=np.full((10, D), 7e4)), feature_dtype="float16"), r"float16 overflow"),
    (dict(splits=bad(labels=np.arange(9))), r"splits/train/labels: expected shape \(10,\)"),
    (dict(splits=bad(labels=np.array(["a"] * 10))), r"splits/train/labels: expected integer"),
    (dict(splits=bad(labels=np.full(10, C))), r"splits/train/labels: row 0 has label 4, outside 0..<4"),
    (dict(splits=bad(labels=np.full(10, -1))), r"splits/train/labels: row 0 has label -1"),
    (dict(splits=bad(logits=np.zeros((10, C + 1)))), r"splits/train/logits: expected shape \(10, 4\)"),
    (dict(splits=bad(sample_index=np.zeros(10, dtype=np.float32))), r"sample_index: expected integers"),
    (dict(splits=bad(features=np.zeros((0, D)), labels=np.zeros(0, dtype=int), sample_index=None,
                     logits=None)), r"splits/train/features: no rows"),
    (dict(splits={"bad/name": rng_rows(1, 3)}), r"split name 'bad/name'"),
    (dict(splits={}), r"splits: expected a non-empty dict"),
    (dict(weight=np.zeros((C, D, 1))), r"classifier/weight: expected shape \(C, D\)"),
    (dict(weight=np.zeros((C + 1, D))), r"classifier/weight: 5 rows for 4 classes"),
    (dict(weight=np.zeros((C, 0))), r"classifier/weight: the feature dimension D is 0"),
    (dict(bias=np.zeros(C + 1)), r"classifier/bias: expected shape \(4,\)"),
    (dict(bias=np.array([0, 0, np.inf, 0])), r"classifier/bias: contains NaN or Inf"),
    (dict(wnids=None), r"classes/wnid: give wnids or names"),
    (dict(wnids=WNIDS[:3] + ["n02099849"]), r"classes/wnid: duplicate wnid 'n02099849' \(class 3\)"),
    (dict(wnids=WNIDS[:3] + ["golden"]), r"classes/wnid: 'golden' is not a WordNet id"),
    (dict(names=["a", "b"]), r"classes/name: 2 names for 4 wnids"),
    (dict(attributes={k: v for k, v in ATTRS.items() if k != "model"}), r"missing required attribute\(s\) model"),
    (dict(attributes=dict(ATTRS, role="teacherr")), r"role must be 'teacher' or 'student'"),
    (dict(attributes=dict(ATTRS, role="student")), r"student dump needs teacher_model"),
    (dict(attributes=dict(ATTRS, format_version=2)), r"format_version is set by the writer"),
    (dict(attributes=dict(ATTRS, lr=0.1)), r"unknown attribute\(s\) lr"),
    (dict(attributes=dict(ATTRS, seed=1.5)), r"seed must be an integer"),
    (dict(attributes=dict(ATTRS, seed=-1)), r"seed must be an integer >= 0"),
    (dict(attributes=dict(ATTRS, ls_alpha=1.0)), r"ls_alpha must be in \[0, 1\)"),
    (dict(attributes=dict(STUDENT, kd_temperature=0)), r"kd_temperature must be > 0"),
    (dict(attributes=dict(STUDENT, teacher_ls_alpha=-0.1)), r"teacher_ls_alpha must be in \[0, 1\)"),
    (dict(feature_dtype="bfloat16"), r"feature_dtype: expected 'float32' or 'float16'"),
    (dict(compression="lzf"), r"compression: expected None or 'gzip'"),
])
def test_input_validation(tmp_path, overrides, message):
    path = tmp_path / "bad.h5"
    with pytest.raises(ValueError, match=message):
        write(path, **overrides)
    assert not path.exists()  # no half-written dump left behind


def test_torch_helpers_need_no_torch_at_import():
    assert "torch" not in dir(pw)
    assert callable(pw.collect_penultimate) and callable(pw.classifier_of) and callable(pw.dump_distributed)
    wrapped = pw.IndexedDataset([("x0", 3), ("x1", 1)])
    assert len(wrapped) == 2 and wrapped[1] == ("x1", 1, 1)


def test_same_inputs_give_the_same_bytes(tmp_path):
    write(tmp_path / "a.h5", compression="gzip")
    write(tmp_path / "b.h5", compression="gzip")
    assert (tmp_path / "a.h5").read_bytes() == (tmp_path / "b.h5").read_bytes()
    paths = write_shards(tmp_path)
    pw.write_manifest(tmp_path / "m1.h5", paths)
    pw.write_manifest(tmp_path / "m2.h5", paths)
    assert (tmp_path / "m1.h5").read_bytes() == (tmp_path / "m2.h5").read_bytes()


# ----------------------------------------------------------------------------- sample_count (writer 1.1)

def test_version_major_is_the_format_version():
    assert pw.FORMAT_VERSION == 1
    assert re.fullmatch(r"\d+\.\d+\.\d+", pw.__version__)
    assert int(pw.__version__.split(".")[0]) == pw.FORMAT_VERSION
    assert pw.WRITER.endswith(pw.__version__)


def test_single_dump_records_sample_count(tmp_path):
    train = rng_rows(2, 30)
    val = rng_rows(3, 9)
    val["sample_index"] = np.array([0, 1, 2, 3, 4, 5, 6, 7, 0])  # one repeat: 8 distinct samples
    del train["sample_index"]
    write(tmp_path / "d.h5", splits={"train": train, "val": val})
    with h5py.File(tmp_path / "d.h5", "r") as f:
        for split, expected in (("train", 30), ("val", 8)):
            value = f[f"splits/{split}"].attrs["sample_count"]
            assert value == expected and value.dtype == np.int64
    write(tmp_path / "e.h5", splits={"train": dict(train, sample_count=30)})
    with pytest.raises(ValueError, match=r"splits/train: 30 distinct samples written but sample_count is 31"):
        write(tmp_path / "f.h5", splits={"train": dict(train, sample_count=31)})
    assert not (tmp_path / "f.h5").exists()
    with pytest.raises(ValueError, match=r"sample_count must be a positive integer"):
        write(tmp_path / "g.h5", splits={"train": dict(train, sample_count=2.5)})


def test_incremental_writer_records_sample_count(tmp_path):
    weight, bias = classifier()
    rows = rng_rows(5, 12)
    with pw.DumpWriter(tmp_path / "inc.h5", attributes=ATTRS, wnids=WNIDS, weight=weight, bias=bias) as w:
        w.append("val", rows["features"][:5], rows["labels"][:5], rows["sample_index"][:5])
        w.append("val", rows["features"][5:], rows["labels"][5:], rows["sample_index"][5:])
    with h5py.File(tmp_path / "inc.h5", "r") as f:
        assert f["splits/val"].attrs["sample_count"] == 12
    w = pw.DumpWriter(tmp_path / "short.h5", attributes=ATTRS, wnids=WNIDS, weight=weight, bias=bias,
                      sample_counts={"val": 13})
    w.append("val", rows["features"], rows["labels"], rows["sample_index"])
    with pytest.raises(ValueError, match=r"short.h5: splits/val: 12 distinct samples written but sample_count is 13"):
        w.close()
    # An error inside the with block is the one raised, not a sample_count complaint.
    with pytest.raises(RuntimeError, match="boom"):
        with pw.DumpWriter(tmp_path / "x.h5", attributes=ATTRS, wnids=WNIDS, weight=weight, bias=bias,
                           sample_counts={"val": 99}) as w:
            raise RuntimeError("boom")


def test_shards_require_sample_count(tmp_path):
    weight, bias = classifier()
    with pytest.raises(ValueError, match=r"splits/val: sample_count: required in shard files"):
        pw.write_shard(tmp_path / "s.rank0.h5", rank=0, count=2, attributes=ATTRS, wnids=WNIDS,
                       weight=weight, bias=bias, splits={"val": rng_rows(1, 5)})
    assert not (tmp_path / "s.rank0.h5").exists()
    with pytest.raises(ValueError, match=r"5 distinct samples in this shard, more than sample_count 4"):
        pw.write_shard(tmp_path / "s.rank0.h5", rank=0, count=2, attributes=ATTRS, wnids=WNIDS,
                       weight=weight, bias=bias, splits={"val": dict(rng_rows(1, 5), sample_count=4)})


def test_manifest_checks_and_records_sample_count(tmp_path):
    # 13 samples on 2 ranks without padding rows: 7 + 6.
    paths = write_shards(tmp_path, rows=(7, 6), starts=(0, 7), sample_count=13)
    pw.write_manifest(tmp_path / "dump.h5", paths, max_padding=0)
    for path in paths + [str(tmp_path / "dump.h5")]:
        with h5py.File(path, "r") as f:
            assert f["splits/val"].attrs["sample_count"] == 13
    # A shard set that misses samples (e.g. drop_last=True, or a rank's file from another run).
    paths = write_shards(tmp_path, rows=(7, 5), starts=(0, 7), stem="short", sample_count=13)
    with pytest.raises(ValueError, match=r"splits/val: sample_count: the shards hold 12 distinct samples, not the 13"):
        pw.write_manifest(tmp_path / "short.h5", paths)
    # Shards that disagree on the data set's length.
    weight, bias = classifier()
    paths = write_shards(tmp_path, rows=(7, 6), starts=(0, 7), stem="mixed", sample_count=13)
    pw.write_shard(paths[1], rank=1, count=2, attributes=ATTRS, wnids=WNIDS, weight=weight, bias=bias,
                   splits={"val": dict(rng_rows(11, 6, start=7), sample_count=14)})
    with pytest.raises(ValueError, match=r"splits/val: sample_count: the shards disagree \(13, 14\)"):
        pw.write_manifest(tmp_path / "mixed.h5", paths)
    # dump_distributed's manifests allow no repeats at all.
    paths = write_shards(tmp_path, rows=(7, 6), starts=(0, 6), stem="padded", sample_count=12)
    with pytest.raises(ValueError, match=r"1 sample indices repeat across shards, more than .* \(0\)"):
        pw.write_manifest(tmp_path / "padded.h5", paths, max_padding=0)


def test_pip_installs_the_writer_as_one_module(tmp_path):
    """`pip install ./notebooks-export` gives `import penultimate_writer` at the module's version,
    numpy and h5py as dependencies and torch as the `[torch]` extra; nothing else is packaged."""
    import json
    import sys
    from pathlib import Path

    source = Path(pw.__file__).resolve().parent
    package = tmp_path / "src"  # a copy: pip builds in the source folder (build/, *.egg-info)
    package.mkdir()
    for name in ("pyproject.toml", "README.md", "penultimate_writer.py"):
        shutil.copy(source / name, package / name)
    target = tmp_path / "site"
    run = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                          "--no-deps", "--no-build-isolation", "--no-index", "--target", str(target), str(package)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    installed = sorted(p.name for p in target.iterdir() if p.name != "__pycache__")
    assert installed == ["penultimate_writer-%s.dist-info" % pw.__version__, "penultimate_writer.py"]
    probe = ("import importlib.metadata as m, json, penultimate_writer as pw; "
             "print(pw.__file__); print(pw.__version__, pw.FORMAT_VERSION); "
             "print(m.version('penultimate-writer')); print(json.dumps(sorted(m.requires('penultimate-writer'))))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                         env=dict(os.environ, PYTHONPATH=str(target)))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == str(target / "penultimate_writer.py")
    assert lines[1] == f"{pw.__version__} 1" and lines[2] == pw.__version__
    requires = json.loads(lines[3])
    assert any(r.startswith("numpy") for r in requires) and any(r.startswith("h5py") for r in requires)
    assert [r for r in requires if "torch" in r] == ['torch>=2.0; extra == "torch"']
