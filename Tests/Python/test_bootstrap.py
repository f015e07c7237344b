"""eta's Poisson bootstrap against an independent numpy bootstrap (classic multinomial resampling of
each class's rows, written with numpy only), on the committed fixtures, and its reproducibility.

Agreement rule: the two procedures estimate the same sampling distribution (Poisson(1) weights and
multinomial resampling agree to O(1/n)); each interval end is a Monte-Carlo estimate of a 2.5% or
97.5% quantile from B = 2000 replicates. Its standard error is estimated from numpy's own replicates
(a bootstrap of the replicate values); the ends must agree within 4 standard errors of the
difference (√2 · se), plus 2% of the interval width for the O(1/n) difference between the two
weightings. A wrong resampling rule (e.g. pooled classes, unscaled weights, one model resampled
only) moves an end by many standard errors.
"""
import json
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("PENULTIMATE_BIN") or ROOT / ".build" / "debug")
T1 = ROOT / "Fixtures" / "minilab" / "student-ls0.1-T1.h5"
T2 = ROOT / "Fixtures" / "minilab" / "student-ls0.1-T3.h5"
B = 2000


def eta_json(*extra):
    out = subprocess.run([str(BIN / "eta"), "--t1", str(T1), "--t2", str(T2), "--split", "val",
                          "--targets", "n02099601", "--normalize", "none", "--list-members",
                          "--format", "json", *extra], capture_output=True, check=True, text=True)
    return json.loads(out.stdout)


def class_rows(path, split):
    with h5py.File(path, "r") as f:
        x = f[f"splits/{split}/features"][...].astype(np.float64)
        y = f[f"splits/{split}/labels"][...]
        ids = [w.decode() for w in f["classes/wnid"][...]]
    return {k: x[y == k] for k in np.unique(y)}, ids


def numpy_bootstrap(rows1, rows2, target, members, rng, paired):
    """η replicates by multinomial resampling of each class's rows (B × n weight matrix times rows)."""
    classes = [target] + members
    cents = {}
    for model, rows in (("1", rows1), ("2", rows2)):
        for k in classes:
            n = len(rows[k])
            if model == "2" and paired:
                w = cents[("w", k)]
            else:
                w = rng.multinomial(n, np.full(n, 1.0 / n), size=B).astype(np.float64)
                cents[("w", k)] = w
            cents[(model, k)] = (w @ rows[k]) / n            # B × D replicate centroids
    d1 = np.stack([np.linalg.norm(cents[("1", target)] - cents[("1", k)], axis=1) for k in members])
    d2 = np.stack([np.linalg.norm(cents[("2", target)] - cents[("2", k)], axis=1) for k in members])
    return ((d2 - d1) / d1).mean(axis=0)


def quantile_se(values, q, rng):
    idx = rng.integers(0, len(values), size=(300, len(values)))
    return np.quantile(values[idx], q, axis=1).std()


@pytest.mark.parametrize("paired", [False, True])
def test_intervals_agree_with_numpy(paired):
    report = eta_json("--bootstrap", str(B), "--seed", "11", *(["--paired"] if paired else []))
    assert report["conventions"]["bootstrap"]["paired"] is paired
    assert report["conventions"]["bootstrap"]["weights"] == "poisson"
    row = report["rows"][0]
    rows1, ids = class_rows(T1, "val")
    rows2, _ = class_rows(T2, "val")
    index = {w: i for i, w in enumerate(ids)}
    target = index[row["target"]]
    rng = np.random.default_rng(5)
    for key in ("s1", "s2"):
        members = [index[m] for m in row[key]]
        reps = numpy_bootstrap(rows1, rows2, target, members, rng, paired)
        lo, hi = np.quantile(reps, [0.025, 0.975])
        ours = row[f"ci_{key}"]
        width = hi - lo
        for q, mine, theirs in ((0.025, ours[0], lo), (0.975, ours[1], hi)):
            tolerance = 4 * np.sqrt(2) * quantile_se(reps, q, rng) + 0.02 * width
            assert abs(mine - theirs) <= tolerance, (key, q, mine, theirs, tolerance)


def test_same_seed_same_bytes_and_seed_matters(tmp_path):
    runs = []
    for seed in ("3", "3", "4"):
        out = subprocess.run([str(BIN / "eta"), "--t1", str(T1), "--t2", str(T2), "--bootstrap", "300",
                              "--seed", seed, "--format", "csv"], capture_output=True, check=True)
        runs.append(out.stdout)
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_blas_kernel_matches_the_reference():
    """The kernels eta runs (OpenBLAS, with the core it names for this CPU) against Analysis's pure
    Swift reference kernel (PENULTIMATE_MATRIX_KERNEL=reference): every interval of every target
    under `--targets all`, both splits, within 1e-9 (the products agree to 1e-12 of their
    magnitudes; a percentile end is one replicate's η, or two interpolated)."""
    def run(env):
        out = subprocess.run([str(BIN / "eta"), "--t1", str(T1), "--t2", str(T2), "--targets", "all",
                              "--bootstrap", "200", "--seed", "2", "--format", "json"],
                             capture_output=True, check=True, text=True, env={**os.environ, **env})
        return json.loads(out.stdout)["rows"]
    blas = run({})
    reference = run({"PENULTIMATE_MATRIX_KERNEL": "reference"})
    assert len(blas) == len(reference) > 10
    for a, b in zip(blas, reference):
        assert a["target"] == b["target"]
        for key in ("ci_s1", "ci_s2"):
            assert np.allclose(a[key], b[key], rtol=0, atol=1e-9), (a["target"], key, a[key], b[key])
