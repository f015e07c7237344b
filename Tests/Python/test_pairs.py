"""`eta pairs` against numpy float64, written independently here: centroids, normalised distances,
relative changes, WordNet relatedness (parsed from data.noun), group means and medians (relative
1e-9), on the committed fixtures and on a generated dump with real ImageNet wnids; its bootstrap
intervals against a numpy multinomial bootstrap of the group means (same tolerance rule as
test_bootstrap.py), and its reproducibility (same seed, same bytes).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("PENULTIMATE_BIN") or ROOT / ".build" / "debug")
WORDNET = Path(os.environ.get("PENULTIMATE_WORDNET") or "/usr/share/wordnet")
T1 = ROOT / "Fixtures" / "minilab" / "student-ls0.1-T1.h5"
T3 = ROOT / "Fixtures" / "minilab" / "student-ls0.1-T3.h5"
sys.path.insert(0, str(ROOT / "notebooks-export"))
import penultimate_writer as pw  # noqa: E402

RTOL = 1e-9


def pairs_json(t1, t2, *extra):
    out = subprocess.run([str(BIN / "eta"), "pairs", "--t1", str(t1), "--t2", str(t2), "--format", "json",
                          "--pairs-list", *extra], capture_output=True, check=True, text=True)
    return json.loads(out.stdout)


# ---------------------------------------------------------------- WordNet, independently

_parents = {}


def parents(wnid):
    """Hypernyms (@) and instance hypernyms (@i) of a noun synset, from data.noun at its offset."""
    if wnid not in _parents:
        with open(WORDNET / "data.noun", "rb") as f:
            f.seek(int(wnid[1:]))
            fields = f.readline().decode().split(" | ")[0].split()
        words = int(fields[3], 16)
        cursor = 4 + 2 * words
        count = int(fields[cursor])
        cursor += 1
        found = []
        for _ in range(count):
            symbol, target, pos = fields[cursor], fields[cursor + 1], fields[cursor + 2]
            cursor += 4
            if pos == "n" and symbol in ("@", "@i"):
                found.append("n" + target)
        _parents[wnid] = found
    return _parents[wnid]


def ancestors(wnid):
    """{ancestor: shortest upward distance}, the node itself at 0."""
    dist, frontier, level = {wnid: 0}, [wnid], 0
    while frontier:
        level += 1
        nxt = []
        for node in frontier:
            for p in parents(node):
                if p not in dist:
                    dist[p] = level
                    nxt.append(p)
        frontier = nxt
    return dist


_depth = {}


def max_depth(wnid):
    if wnid not in _depth:
        ups = parents(wnid)
        _depth[wnid] = 0 if not ups else 1 + max(max_depth(p) for p in ups)
    return _depth[wnid]


def relatedness(a, b):
    up1, up2 = ancestors(a), ancestors(b)
    common = set(up1) & set(up2)
    if not common:
        return None, None
    return max(max_depth(n) for n in common), min(up1[n] + up2[n] for n in common)


# ---------------------------------------------------------------- numpy reference

def read(path, split):
    with h5py.File(path, "r") as f:
        x = f[f"splits/{split}/features"][...].astype(np.float64)
        y = f[f"splits/{split}/labels"][...].astype(np.int64)
        ids = [w.decode() for w in f["classes/wnid"][...]]
    return x, y, ids


def reference(t1, t2, split, normalize, by):
    out = {}
    cents, counts = [], []
    for path in (t1, t2):
        x, y, ids = read(path, split)
        if normalize == "unit":
            x = x / np.linalg.norm(x, axis=1, keepdims=True)
        C = len(ids)
        c = np.zeros((C, x.shape[1]))
        n = np.bincount(y, minlength=C)
        for k in range(C):
            if n[k]:
                c[k] = x[y == k].sum(axis=0) / n[k]
        cents.append(c)
        counts.append(n)
    present = [k for k in range(len(ids)) if counts[0][k] > 0 and counts[1][k] > 0]
    scales = []
    for c, n in zip(cents, counts):
        have = [k for k in range(len(ids)) if n[k] > 0]
        if normalize == "centroid-scale":
            d = [np.linalg.norm(c[i] - c[j]) for a, i in enumerate(have) for j in have[a + 1:]]
            scales.append(float(np.mean(d)))
        else:
            scales.append(1.0)
    rows = []
    for a, i in enumerate(present):
        for j in present[a + 1:]:
            d1 = np.linalg.norm(cents[0][i] - cents[0][j]) / scales[0]
            d2 = np.linalg.norm(cents[1][i] - cents[1][j]) / scales[1]
            lca, path = relatedness(ids[i], ids[j])
            rows.append(dict(a=ids[i], b=ids[j], lca_depth=lca, path=path, d1=d1, d2=d2, change=(d2 - d1) / d1))
    groups = {}
    for r in rows:
        groups.setdefault(r["lca_depth" if by == "lca-depth" else "path"], []).append(r["change"])
    out["pairs"] = rows
    out["groups"] = {k: (len(v), float(np.mean(v)), float(np.median(v))) for k, v in groups.items()}
    out["scales"] = scales
    return out


def close(a, b):
    return abs(a - b) <= RTOL * max(abs(a), abs(b), 1e-300)


def compare(report, ref):
    assert len(report["pairs"]) == len(ref["pairs"]) == report["pair_count"]
    for mine, theirs in zip(report["pairs"], ref["pairs"]):
        assert (mine["a"], mine["b"]) == (theirs["a"], theirs["b"])
        assert (mine["lca_depth"], mine["path"]) == (theirs["lca_depth"], theirs["path"]), (mine, theirs)
        for key in ("d1", "d2", "change"):
            assert close(mine[key], theirs[key]), (key, mine, theirs)
    assert close(report["conventions"]["scale_t1"], ref["scales"][0])
    assert close(report["conventions"]["scale_t2"], ref["scales"][1])
    assert {g["value"] for g in report["groups"]} == set(ref["groups"])
    for g in report["groups"]:
        n, mean, median = ref["groups"][g["value"]]
        assert g["pairs"] == n
        assert close(g["mean_change"], mean) or abs(g["mean_change"] - mean) <= 1e-15, (g, mean)
        assert close(g["median_change"], median) or abs(g["median_change"] - median) <= 1e-15, (g, median)


@pytest.mark.parametrize("normalize", ["centroid-scale", "none", "unit"])
@pytest.mark.parametrize("by", ["lca-depth", "path"])
def test_fixtures_agree_with_numpy(normalize, by):
    report = pairs_json(T1, T3, "--split", "val", "--normalize", normalize, "--by", by)
    assert report["format"] == "penultimate-pairs" and report["format_version"] == 1
    assert report["conventions"]["normalize"] == normalize and report["conventions"]["by"] == by
    compare(report, reference(T1, T3, "val", normalize, by))


def write_generated(path, seed, temperature, drop=None):
    """A float32 dump of 30 ImageNet classes (retrievers, snakes, poodles, boats, others) with
    correlated class means, 25 train rows per class; `drop` leaves one class without rows."""
    wnids = ["n02099267", "n02099429", "n02099601", "n02099712", "n02099849", "n01728572", "n01728920",
             "n01729322", "n01734418", "n01737021", "n02113712", "n02113799", "n04347754", "n02280649",
             "n02281406", "n03095699", "n04273569", "n03662601", "n02690373", "n01440764", "n01443537",
             "n01484850", "n01491361", "n01494475", "n02085620", "n02085782", "n02085936", "n07697537",
             "n09472597", "n03000134"]
    rng = np.random.default_rng(seed)
    C, D, per = len(wnids), 40, 25
    means = np.random.default_rng(99).normal(size=(C, D)) * (1 + 0.1 * temperature)
    labels = np.repeat(np.arange(C), per)
    if drop is not None:
        labels = labels[labels != drop]
    features = (means[labels] + rng.normal(scale=0.8, size=(labels.size, D))).astype(np.float32)
    weight = rng.normal(size=(C, D)).astype(np.float32)
    bias = np.zeros(C, dtype=np.float32)
    attributes = dict(model=f"gen-T{temperature}", role="student", dataset="generated", ls_alpha=0.0,
                      teacher_model="gen-teacher", teacher_ls_alpha=0.1, kd_temperature=float(temperature),
                      seed=seed, epoch=1, config_json="{}")
    splits = {"train": dict(features=features, labels=labels, sample_index=np.arange(labels.size))}
    return pw.write_dump(path, attributes=attributes, wnids=wnids, weight=weight, bias=bias, splits=splits)


def test_generated_dump_agrees_with_numpy(tmp_path):
    a = write_generated(tmp_path / "a.h5", 1, 1)
    b = write_generated(tmp_path / "b.h5", 2, 3, drop=7)
    report = pairs_json(a, b)
    ref = reference(a, b, "train", "centroid-scale", "lca-depth")
    compare(report, ref)
    assert report["conventions"]["split"] == "train"
    assert report["conventions"]["classes"] == 29
    excluded = report["conventions"]["classes_without_rows"]
    assert [e["classes"] for e in excluded] == [["n01729322"]]


# ---------------------------------------------------------------- bootstrap

B = 1000


def numpy_group_replicates(t1, t2, split, rng, paired=False):
    """Replicate centroids by multinomial resampling of each class's rows (scales fixed); paired:
    rows matched by sample_index get the same draw count in both models."""
    cents, draws = [], {}
    for model, path in enumerate((t1, t2)):
        x, y, ids = read(path, split)
        with h5py.File(path, "r") as f:
            sample = f[f"splits/{split}/sample_index"][...]
        C = len(ids)
        reps = np.zeros((B, C, x.shape[1]))
        for k in range(C):
            order = np.argsort(sample[y == k])
            rows = x[y == k][order]
            n = len(rows)
            if model == 1 and paired:
                w = draws[k]
            else:
                w = rng.multinomial(n, np.full(n, 1.0 / n), size=B).astype(np.float64)
                draws[k] = w
            reps[:, k, :] = (w @ rows) / n
        cents.append(reps)
    return cents


@pytest.mark.parametrize("paired", [False, True])
def test_bootstrap_agrees_with_numpy(paired):
    report = pairs_json(T1, T3, "--split", "val", "--bootstrap", str(B), "--seed", "5", "--normalize", "none",
                        *(["--paired"] if paired else []))
    boot = report["conventions"]["bootstrap"]
    assert boot == {"replicates": B, "seed": 5, "level": 0.95, "weights": "poisson", "paired": paired}
    _, _, ids = read(T1, "val")
    index = {w: i for i, w in enumerate(ids)}
    rng = np.random.default_rng(8)
    c1, c2 = numpy_group_replicates(T1, T3, "val", rng, paired)
    groups = {}
    for p in report["pairs"]:
        groups.setdefault(p["lca_depth"], []).append((index[p["a"]], index[p["b"]]))
    for g in report["groups"]:
        members = groups[g["value"]]
        i = np.array([m[0] for m in members])
        j = np.array([m[1] for m in members])
        d1 = np.linalg.norm(c1[:, i, :] - c1[:, j, :], axis=2)
        d2 = np.linalg.norm(c2[:, i, :] - c2[:, j, :], axis=2)
        reps = ((d2 - d1) / d1).mean(axis=1)
        lo, hi = np.quantile(reps, [0.025, 0.975])
        width = hi - lo
        for q, mine, theirs in ((0.025, g["lower"], lo), (0.975, g["upper"], hi)):
            idx = rng.integers(0, B, size=(300, B))
            se = np.quantile(reps[idx], q, axis=1).std()
            tolerance = 4 * np.sqrt(2) * se + 0.02 * width
            assert abs(mine - theirs) <= tolerance, (g, q, mine, theirs, tolerance)
        assert g["lower"] <= g["mean_change"] + 3 * width and g["upper"] >= g["mean_change"] - 3 * width


def test_bootstrap_same_seed_same_bytes():
    runs = []
    for seed in ("3", "3", "4"):
        out = subprocess.run([str(BIN / "eta"), "pairs", "--t1", str(T1), "--t2", str(T3), "--bootstrap", "100",
                              "--seed", seed, "--format", "csv"], capture_output=True, check=True)
        runs.append(out.stdout)
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
