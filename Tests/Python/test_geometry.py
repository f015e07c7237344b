"""`geometry` against numpy float64 (two-pass: centroids first, then squared deviations), to a
relative 1e-9, on the committed fixtures and on generated dumps: one whose class means are ~10^4
times their spread (where the one-pass form mean||x||^2 - ||c||^2 loses every digit), float16
rows, gzip with small chunks (many blocks per class), and a shard set read through its manifest.
Also its refusals: an empty split, an unknown class, one class with rows, a lone shard.
"""
import json
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

import penultimate_writer as pw

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("PENULTIMATE_BIN") or ROOT / ".build" / "debug")
FIXTURES = sorted((ROOT / "Fixtures" / "minilab").glob("*.h5"))
REL = 1e-9


def run(*args, check=True):
    out = subprocess.run([str(BIN / "geometry"), *map(str, args)], capture_output=True, text=True)
    if check:
        assert out.returncode == 0, out.stderr
    return out


def geometry_json(*args):
    return json.loads(run(*args, "--format", "json").stdout)


def reference(path, split, classes=None):
    """Every number of a model entry, from float64 numpy, two passes."""
    with h5py.File(path, "r") as f:
        x = f[f"splits/{split}/features"][...].astype(np.float64)
        y = f[f"splits/{split}/labels"][...].astype(np.int64)
        ids = [w.decode() for w in f["classes/wnid"][...]]
    universe = sorted(classes) if classes is not None else list(range(len(ids)))
    keep = np.isin(y, universe)
    x, y = x[keep], y[keep]
    present = [k for k in universe if np.any(y == k)]
    cent = {k: x[y == k].mean(axis=0) for k in present}
    m2 = {k: float(((x[y == k] - cent[k]) ** 2).sum()) for k in present}
    rows = []
    ratios = []
    for k in universe:
        n = int((y == k).sum())
        row = {"class": ids[k], "rows": n, "spread": None, "nearest": None, "nearest_distance": None, "ratio": None}
        if n:
            others = [o for o in present if o != k]
            dist = [np.linalg.norm(cent[k] - cent[o]) for o in others]
            j = int(np.argmin(dist))  # first minimum: the lower class index
            row["nearest"], row["nearest_distance"] = ids[others[j]], float(dist[j])
            if n >= 2:
                row["spread"] = float(np.sqrt(m2[k] / n))
                row["ratio"] = row["spread"] / row["nearest_distance"]
                ratios.append(row["ratio"])
        rows.append(row)
    mu = x.mean(axis=0)
    within = sum(m2.values()) / len(x)
    between = sum((y == k).sum() * float(((cent[k] - mu) ** 2).sum()) for k in present) / len(x)
    summary = {"within": within, "between": between, "within_between": within / between,
               "mean_ratio": float(np.mean(ratios)) if ratios else None, "rows": len(x)}
    return summary, rows


def close(a, b, what):
    if b is None:
        assert a is None, what
    else:
        assert a is not None and abs(a - b) <= REL * abs(b), f"{what}: {a} vs {b} (rel {abs(a - b) / abs(b):.2e})"


def compare(model, path, split, classes=None):
    summary, rows = reference(path, split, classes)
    for key in ("within", "between", "within_between", "mean_ratio"):
        close(model["summary"][key], summary[key], f"{path} {split} {key}")
    assert model["summary"]["rows"] == summary["rows"]
    assert len(model["classes"]) == len(rows)
    for got, want in zip(model["classes"], rows):
        assert got["class"] == want["class"] and got["rows"] == want["rows"] and got["nearest"] == want["nearest"], (got, want)
        for key in ("spread", "nearest_distance", "ratio"):
            close(got[key], want[key], f"{path} {split} {want['class']} {key}")


def test_fixtures_against_numpy():
    doc = geometry_json(*FIXTURES)
    assert doc["format"] == "penultimate-geometry" and doc["format_version"] == 1
    assert len(doc["models"]) == 2 * len(FIXTURES)
    for model in doc["models"]:
        compare(model, model["file"], model["split"])


def test_fixture_class_subset_against_numpy():
    path = FIXTURES[0]
    doc = geometry_json(path, "--split", "val", "--classes", "n02099601,10,flat-coated retriever,n01728572")
    with h5py.File(path, "r") as f:
        ids = [w.decode() for w in f["classes/wnid"][...]]
    classes = [ids.index("n02099601"), 10, ids.index("n02099267"), ids.index("n01728572")]
    if len(set(classes)) < 4:
        pytest.skip("fixture class order changed")
    compare(doc["models"][0], path, "val", classes)


def synthetic(rng, n, dim, classes, mean_scale, spread=1.0):
    labels = rng.integers(0, classes, n).astype(np.int64)
    centres = mean_scale * (1 + rng.random((classes, dim)))
    x = centres[labels] + spread * rng.standard_normal((n, dim))
    return x, labels


def attributes(role="teacher"):
    return {"model": "gen", "role": role, "dataset": "synthetic", "ls_alpha": 0.0}


def classifier(classes, dim):
    return np.zeros((classes, dim), np.float32), np.zeros(classes, np.float32)


WNIDS = [f"n0{k:07d}" for k in range(1000, 1012)]


@pytest.mark.parametrize("dtype,scale,compression", [("float32", 1e4, None), ("float32", 1e4, "gzip"), ("float16", 30.0, None)])
def test_generated_dump_against_numpy(tmp_path, dtype, scale, compression):
    rng = np.random.default_rng(3)
    x, y = synthetic(rng, 5000, 24, len(WNIDS), scale)
    w, b = classifier(len(WNIDS), 24)
    path = pw.write_dump(tmp_path / "gen.h5", attributes=attributes(), wnids=WNIDS, weight=w, bias=b,
                         splits={"train": {"features": x, "labels": y}}, feature_dtype=dtype,
                         compression=compression, chunk_rows=64)
    doc = geometry_json(path)
    compare(doc["models"][0], path, "train")
    # The one-pass form in float64 would fail this test: its error is above the tolerance.
    if scale >= 1e4:
        with h5py.File(path, "r") as f:
            xs = f["splits/train/features"][...].astype(np.float64)
        k = y == 0
        naive = (xs[k] ** 2).sum(axis=1).mean() - (xs[k].mean(axis=0) ** 2).sum()
        exact = ((xs[k] - xs[k].mean(axis=0)) ** 2).sum(axis=1).mean()
        assert abs(naive - exact) > REL * exact


def test_shard_set_through_manifest(tmp_path):
    rng = np.random.default_rng(5)
    x, y = synthetic(rng, 3001, 16, len(WNIDS), 1e4)
    w, b = classifier(len(WNIDS), 16)
    order = np.arange(len(y))
    shards = []
    for rank in range(3):
        part = order[rank::3]
        shards.append(pw.write_shard(tmp_path / f"run.rank{rank}.h5", rank=rank, count=3, attributes=attributes(),
                                     wnids=WNIDS, weight=w, bias=b,
                                     splits={"train": {"features": x[part], "labels": y[part], "sample_index": part,
                                                       "sample_count": len(y)}}))
    manifest = pw.write_manifest(tmp_path / "run.h5", shards)
    doc = geometry_json(manifest)
    one = pw.write_dump(tmp_path / "one.h5", attributes=attributes(), wnids=WNIDS, weight=w, bias=b,
                        splits={"train": {"features": x, "labels": y}})
    compare(doc["models"][0], one, "train")
    lone = run(shards[1], check=False)
    assert lone.returncode == 65 and len(lone.stderr.strip().splitlines()) == 1, lone.stderr
    partial = geometry_json(shards[1], "--partial")
    assert partial["models"][0]["coverage"]


def test_one_row_class_and_empty_class_are_null(tmp_path):
    x = np.array([[0, 0], [2, 0], [1, 3], [1, 5], [5, 0]], np.float64)
    y = np.array([0, 0, 1, 1, 2])
    w, b = classifier(4, 2)
    path = pw.write_dump(tmp_path / "small.h5", attributes=attributes(), wnids=WNIDS[:4], weight=w, bias=b,
                         splits={"train": {"features": x, "labels": y}})
    doc = geometry_json(path)
    classes = doc["models"][0]["classes"]
    assert [c["spread"] for c in classes] == [1.0, 1.0, None, None]
    assert [c["nearest"] for c in classes] == [WNIDS[1], WNIDS[0], WNIDS[0], None]
    assert doc["models"][0]["summary"]["within_between"] == pytest.approx(0.125, rel=1e-15)
    assert doc["models"][0]["summary"]["mean_ratio"] == 0.25
    text = run(path).stdout
    table = text.split("-->", 1)[1].lower()
    assert "nan" not in table and "n/a" not in table and "inf" not in table


def test_refusals(tmp_path):
    w, b = classifier(3, 2)
    empty = pw.write_dump(tmp_path / "empty.h5", attributes=attributes(), wnids=WNIDS[:3], weight=w, bias=b,
                          splits={"train": {"features": np.ones((2, 2)), "labels": np.zeros(2, np.int64)}})
    with h5py.File(empty, "r+", libver=pw.LIBVER) as f:  # the writer refuses an empty split: empty it here
        group = f["splits/train"]
        for name in list(group):
            dtype, shape = group[name].dtype, group[name].shape
            del group[name]
            group.create_dataset(name, shape=(0,) + shape[1:], dtype=dtype)
        for key in list(group.attrs):
            if key == "sample_count":
                group.attrs[key] = 0
    one_class = pw.write_dump(tmp_path / "one.h5", attributes=attributes(), wnids=WNIDS[:3], weight=w, bias=b,
                              splits={"train": {"features": np.ones((4, 2)), "labels": np.zeros(4, np.int64)}})
    for args in ([empty], [one_class], [FIXTURES[0], "--classes", "0,n09999999"], [FIXTURES[0], "--split", "test"],
                 [FIXTURES[0], "--classes", "0,0"]):
        out = run(*args, check=False)
        assert out.returncode == 65, (args, out.stderr)
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("geometry: "), out.stderr
        assert out.stdout == ""
    usage = run(FIXTURES[0], "--classes", "0", check=False)
    assert usage.returncode == 64 and len(usage.stderr.strip().splitlines()) == 1


def test_json_round_trip_through_plot(tmp_path):
    """The document reads back (plot --geometry checks it) and every number survives as written."""
    out = tmp_path / "g.json"
    run(*FIXTURES[:2], "--split", "val", "--format", "json", "-o", out)
    doc = json.loads(out.read_text())
    assert doc["conventions"]["splits"] == "one model entry per file and split"
    fig = subprocess.run([str(BIN / "plot"), "--geometry", str(out), "-o", str(tmp_path / "g.png")],
                         capture_output=True, text=True)
    assert fig.returncode == 0, fig.stderr
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_nonfinite_rows_refused_or_skipped_and_counted(tmp_path):
    rng = np.random.default_rng(9)
    x, y = synthetic(rng, 400, 8, 4, 10.0)
    w, b = classifier(4, 8)
    clean = pw.write_dump(tmp_path / "clean.h5", attributes=attributes(), wnids=WNIDS[:4], weight=w, bias=b,
                          splits={"train": {"features": x[1:], "labels": y[1:]}})
    bad = pw.write_dump(tmp_path / "bad.h5", attributes=attributes(), wnids=WNIDS[:4], weight=w, bias=b,
                        splits={"train": {"features": x, "labels": y}})
    with h5py.File(bad, "r+", libver=pw.LIBVER) as f:
        row = f["splits/train/features"][0]
        row[3] = np.nan
        f["splits/train/features"][0] = row
    refused = run(bad, check=False)
    assert refused.returncode == 65 and "1 of 400 rows hold NaN or infinity" in refused.stderr, refused.stderr
    skipped = geometry_json(bad, "--skip-nonfinite")
    assert any("skipped rows" in k for k in skipped["provenance"]["conventions"]), skipped["provenance"]["conventions"]
    compare(skipped["models"][0], clean, "train")


def test_plot_geometry_refuses_what_it_cannot_place(tmp_path):
    out = tmp_path / "g.json"
    run(FIXTURES[0], FIXTURES[4], "--split", "val", "--format", "json", "-o", out)
    twice = subprocess.run([str(BIN / "plot"), "--geometry", str(out), "--geometry", str(out), "-o", str(tmp_path / "f.png")],
                           capture_output=True, text=True)
    assert twice.returncode == 65 and "same point" in twice.stderr and len(twice.stderr.strip().splitlines()) == 1, twice.stderr
    missing = subprocess.run([str(BIN / "plot"), "--geometry", str(out), "--split", "train", "-o", str(tmp_path / "f.png")],
                             capture_output=True, text=True)
    assert missing.returncode == 65 and "train" in missing.stderr, missing.stderr
    assert not (tmp_path / "f.png").exists()
