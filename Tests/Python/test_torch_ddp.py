"""The PyTorch path end to end: a tiny LS teacher and KD students (T = 1, 3) trained here, dumped
single-process and by `dump_distributed` on 2 gloo ranks (torch.multiprocessing.spawn, shuffle off;
torchrun, shuffle on) over splits of odd size (301 and 101 samples), then read by the built tools.
The shard sets must hold exactly the single-process rows; `eta`, `eta centroids` per shard and
`project` must give the single-process numbers, and numpy's."""

import csv
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from torch_required import import_torch

torch = import_torch()

import penultimate_writer as pw  # noqa: E402
import torch_ddp_worker as worker  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BIN = Path(os.environ.get("PENULTIMATE_BIN") or ROOT / ".build" / "release")
if not (BIN / "eta").exists() and (ROOT / ".build" / "debug" / "eta").exists():
    BIN = ROOT / ".build" / "debug"


@pytest.fixture
def built_tools():
    """The tools these tests run: a missing one fails the test, it is never skipped."""
    missing = [t for t in ("eta", "project") if not (BIN / t).exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} not built in {BIN} (swift build -c release, or set PENULTIMATE_BIN)")


needs_tools = pytest.mark.usefixtures("built_tools")
SIZES = {"train": 301, "val": 101}  # not divisible by 2 ranks: DistributedSampler pads each split
TEMPERATURES = (1, 3)


def attributes(temperature):
    return dict(model="tinynet", role="student", dataset="synthetic-clusters", ls_alpha=0.0,
                teacher_model="tinynet", teacher_ls_alpha=0.1, kd_temperature=float(temperature), seed=2)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])


#: What gloo prints when it aborts while the process group is torn down (a race in torch's C++
#: teardown, seen about once in a few dozen runs on 2 busy cores). The run is then tried again.
GLOO_TEARDOWN_ABORT = "terminate called without an active exception"


def run_ddp(launcher, folder, temperature, *extra):
    for _ in range(3):
        command = [sys.executable, str(HERE / "torch_ddp_worker.py"), launcher]
        if launcher == "torchrun":
            command[1:1] = ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
        command += ["--state", str(folder / f"T{temperature}.pt"), "--data", str(folder / "data.npz"),
                    "--out", str(folder / f"T{temperature}.{launcher}.h5"),
                    "--attributes", json.dumps(attributes(temperature)), "--port", free_port(), *extra]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=folder,
                                env=dict(os.environ, OMP_NUM_THREADS="1"))
        if result.returncode == 0 or GLOO_TEARDOWN_ABORT not in result.stderr:
            return result
    return result


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Train, dump single-process, dump with DDP: T1 by spawn (no shuffle), T3 by torchrun (shuffle)."""
    folder = tmp_path_factory.mktemp("torch-ddp")
    start = time.monotonic()
    train_x, train_y = worker.make_data(1, SIZES["train"])
    val_x, val_y = worker.make_data(2, SIZES["val"])
    np.savez(folder / "data.npz", train_x=train_x, train_y=train_y, val_x=val_x, val_y=val_y)
    teacher = worker.train(train_x, train_y, alpha=0.1, seed=1)
    single = {}
    for temperature in TEMPERATURES:
        student = worker.train(train_x, train_y, teacher=teacher, temperature=float(temperature), seed=2)
        torch.save(student.state_dict(), folder / f"T{temperature}.pt")
        splits = {name: pw.collect_penultimate(student, loader)
                  for name, loader in worker.loaders(folder / "data.npz").items()}
        weight, bias = pw.classifier_weights(student)
        single[temperature] = folder / f"T{temperature}.single.h5"
        pw.write_dump(single[temperature], attributes=attributes(temperature), wnids=worker.WNIDS,
                      weight=weight, bias=bias, splits=splits)
    trained = time.monotonic()
    spawn = run_ddp("spawn", folder, 1)
    assert spawn.returncode == 0, spawn.stderr
    spawned = time.monotonic()
    torchrun = run_ddp("torchrun", folder, 3, "--shuffle")
    assert torchrun.returncode == 0, torchrun.stderr
    print(f"\ntorch DDP fixture: train+single {trained - start:.1f} s, spawn {spawned - trained:.1f} s, "
          f"torchrun {time.monotonic() - spawned:.1f} s")
    return {"folder": folder, "single": single,
            "ddp": {1: folder / "T1.spawn.h5", 3: folder / "T3.torchrun.h5"}}


def read_rows(path, split):
    with h5py.File(path, "r") as f:
        group = f[f"splits/{split}"]
        rows = {name: group[name][()] for name in ("features", "logits", "labels", "sample_index")}
        rows["sample_count"] = int(group.attrs["sample_count"])
        rows["weight"], rows["bias"] = f["classifier/weight"][()], f["classifier/bias"][()]
        rows["attrs"] = dict(f.attrs)
    return rows


@pytest.mark.parametrize("temperature", TEMPERATURES)
def test_shards_hold_every_sample_once_and_equal_the_single_dump(run, temperature):
    manifest = run["ddp"][temperature]
    for split, n in SIZES.items():
        single = read_rows(run["single"][temperature], split)
        assert single["sample_count"] == n and single["sample_index"].tolist() == list(range(n))
        shards = [read_rows(pw.shard_path(manifest, rank), split) for rank in (0, 1)]
        # DistributedSampler gives each rank ceil(n / 2) positions; the one padding position is dropped.
        assert [s["features"].shape[0] for s in shards] == [(n + 1) // 2, n // 2]
        for rank, shard in enumerate(shards):
            assert shard["attrs"]["shard_rank"] == rank and shard["attrs"]["shard_count"] == 2
            assert shard["sample_count"] == n
        joined = read_rows(manifest, split)
        assert "shard_rank" not in joined["attrs"] and joined["sample_count"] == n
        index = joined["sample_index"]
        assert index.size == n and np.unique(index).size == n  # no padding row, no duplicate
        order = np.argsort(index)
        for name in ("features", "logits", "labels"):
            np.testing.assert_array_equal(joined[name][order], single[name], err_msg=f"{split}/{name}")
        np.testing.assert_array_equal(joined["weight"], single["weight"])
        # logits are the classifier's output, features its input: logits = features W^T + b.
        scale = np.abs(single["logits"]).max()
        assert pw.logits_check(joined["features"], joined["logits"], joined["weight"], joined["bias"]) <= 1e-5 * scale


def test_shuffled_ranks_interleave_a_permutation(run):
    # With shuffle the ranks' rows are not the even/odd samples: the check above is not vacuous.
    index = read_rows(pw.shard_path(run["ddp"][3], 0), "train")["sample_index"]
    assert index.tolist() != list(range(0, 301, 2))
    assert read_rows(pw.shard_path(run["ddp"][1], 0), "train")["sample_index"].tolist() == list(range(0, 301, 2))


def tool(*arguments, cwd):
    done = subprocess.run([str(BIN / arguments[0]), *map(str, arguments[1:])], capture_output=True,
                          text=True, timeout=120, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout


def eta_json(cwd, t1, t2, *options):
    out = tool("eta", "--t1", *t1, "--t2", *t2, *options, "--format", "json", cwd=cwd)
    return {(r["target"], r["split"]): (r["eta_s1"], r["eta_s2"]) for r in json.loads(out)["rows"]}


def numpy_eta(t1, t2, split):
    """η with --normalize none: mean over k in S of (d_T2 - d_T1) / d_T1 between class centroids."""
    def centroids(path):
        rows = read_rows(path, split)
        return np.array([rows["features"][rows["labels"] == k].astype(np.float64).mean(0) for k in range(10)])
    c1, c2 = centroids(t1), centroids(t2)
    retrievers, snakes = list(range(5)), list(range(5, 10))
    out = {}
    for target in range(10):
        family, other = (retrievers, snakes) if target < 5 else (snakes, retrievers)
        values = []
        for members in ([k for k in family if k != target], other):
            d1 = np.linalg.norm(c1[members] - c1[target], axis=1)
            d2 = np.linalg.norm(c2[members] - c2[target], axis=1)
            values.append(float(np.mean((d2 - d1) / d1)))
        out[(worker.WNIDS[target], split)] = tuple(values)
    return out


def assert_close(a, b, rtol):
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=rtol, atol=0, err_msg=str(key))


@needs_tools
def test_eta_on_the_ddp_dumps_equals_the_single_dumps_and_numpy(run):
    folder = run["folder"]
    single = [run["single"][t].name for t in TEMPERATURES]
    ddp = [run["ddp"][t].name for t in TEMPERATURES]
    shards = [[Path(pw.shard_path(run["ddp"][t], r)).name for r in (0, 1)] for t in TEMPERATURES]
    for normalize in ("centroid-scale", "none"):
        expected = eta_json(folder, [single[0]], [single[1]], "--normalize", normalize)
        assert len(expected) == 20 and any(v != (0.0, 0.0) for v in expected.values())
        assert_close(eta_json(folder, [ddp[0]], [ddp[1]], "--normalize", normalize), expected, 1e-12)
        assert_close(eta_json(folder, shards[0], shards[1], "--normalize", normalize), expected, 1e-12)
    reference = {**numpy_eta(run["single"][1], run["single"][3], "train"),
                 **numpy_eta(run["single"][1], run["single"][3], "val")}
    assert_close(eta_json(folder, [ddp[0]], [ddp[1]], "--normalize", "none"), reference, 1e-9)


@needs_tools
def test_per_shard_centroid_files_give_the_single_process_eta(run):
    folder = run["folder"]
    for split in SIZES:
        files = {}
        for temperature in TEMPERATURES:
            files[temperature] = []
            for rank in (0, 1):
                name = f"T{temperature}.{split}.rank{rank}.centroids.h5"
                shard = Path(pw.shard_path(run["ddp"][temperature], rank)).name
                tool("eta", "centroids", shard, "--split", split, "-o", name, cwd=folder)
                files[temperature].append(name)
        got = eta_json(folder, files[1], files[3], "--split", split)
        expected = eta_json(folder, [run["single"][1].name], [run["single"][3].name], "--split", split)
        assert len(got) == 10
        assert_close(got, expected, 1e-12)


def muller_numpy(path, split, classes):
    rows = read_rows(path, split)
    templates = np.hstack([rows["weight"], rows["bias"][:, None]]).astype(np.float64)[classes]
    origin = templates.mean(0)
    u1 = templates[1] - templates[0]
    u1 /= np.linalg.norm(u1)
    v = templates[2] - templates[0]
    u2 = v - (v @ u1) * u1
    u2 /= np.linalg.norm(u2)
    points = {}
    for row, label, index in zip(rows["features"].astype(np.float64), rows["labels"], rows["sample_index"]):
        if label in classes:
            x = np.append(row, 1.0) - origin
            points[(worker.WNIDS[label], int(index))] = (x @ u1, x @ u2)
    return points


@needs_tools
def test_project_on_the_ddp_dump_equals_the_single_dump_and_numpy(run):
    folder = run["folder"]
    classes = [0, 1, 5]
    outputs = {}
    for kind, path in (("single", run["single"][3]), ("ddp", run["ddp"][3])):
        tool("project", path.name, "--classes", ",".join(map(str, classes)), "--method", "muller",
             "--split", "val", "-o", f"{kind}.csv", cwd=folder)
        with open(folder / f"{kind}.csv", newline="") as f:
            outputs[kind] = {(r["kind"], r["wnid"], r["sample_index"]): (float(r["x"]), float(r["y"]))
                             for r in csv.DictReader(f)}
    assert outputs["ddp"] == outputs["single"]
    samples = {(w, int(i)): xy for (kind, w, i), xy in outputs["ddp"].items() if kind == "sample"}
    reference = muller_numpy(run["single"][3], "val", classes)
    assert len(samples) == len(reference) > 20
    assert_close(samples, reference, 1e-9)


def test_an_error_on_one_rank_fails_every_rank_without_hanging(run):
    folder = run["folder"]
    failed = run_ddp("torchrun", folder, 1, "--fail-rank", "1")
    assert failed.returncode != 0
    # Rank 1's own error, and rank 0 told about it (rather than waiting at the barrier).
    assert "ValueError: dump_distributed: loader 'train' has a SequentialSampler, not a DistributedSampler" in failed.stderr
    assert "ValueError: rank 1: dump_distributed: loader 'train' has a SequentialSampler" in failed.stderr
    assert not (folder / "T1.torchrun.h5").exists()
