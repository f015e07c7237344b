"""scripts/slurm/make_sharded_dumps.py: the sharded dumps the Slurm workflow test runs on."""
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "slurm" / "make_sharded_dumps.py"


def generate(tmp_path, *args):
    out = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), *args],
                         check=True, capture_output=True, text=True).stdout.split()
    return [Path(p) for p in out]


def test_every_sample_in_exactly_one_shard_and_shards_uneven(tmp_path):
    paths = generate(tmp_path, "--world", "3", "--temperatures", "1,3", "--train", "301", "--val", "121")
    assert [p.name for p in paths] == [f"student_T{t}.rank{r}.h5" for t in (1, 3) for r in range(3)]
    for t in (1, 3):
        shards = [h5py.File(tmp_path / f"student_T{t}.rank{r}.h5", "r") for r in range(3)]
        try:
            for f, rank in zip(shards, range(3)):
                assert f.attrs["shard_rank"] == rank and f.attrs["shard_count"] == 3
                assert f.attrs["kd_temperature"] == t and f.attrs["role"] == "student"
            for split, size in (("train", 301), ("val", 121)):
                indices = [f[f"splits/{split}/sample_index"][()] for f in shards]
                # DistributedSampler's order without padding: rank r holds r, r + 3, ...
                for rank, idx in enumerate(indices):
                    assert np.array_equal(idx, np.arange(rank, size, 3))
                assert sorted(len(i) for i in indices) != [size // 3] * 3  # uneven
                assert np.array_equal(np.sort(np.concatenate(indices)), np.arange(size))
                labels = np.concatenate([f[f"splits/{split}/labels"][()] for f in shards])
                assert np.array_equal(labels, np.concatenate(indices) % 12)
        finally:
            for f in shards:
                f.close()


def test_classes_are_the_preset_families_and_deterministic(tmp_path):
    a = generate(tmp_path / "a", "--world", "2", "--temperatures", "2")
    b = generate(tmp_path / "b", "--world", "2", "--temperatures", "2")
    with h5py.File(a[0], "r") as f, h5py.File(b[0], "r") as g:
        wnids = [w.decode() for w in f["classes/wnid"][()]]
        assert wnids[:5] == ["n02099267", "n02099429", "n02099601", "n02099712", "n02099849"]
        assert wnids[5:10] == ["n01728572", "n01728920", "n01729322", "n01734418", "n01737021"]
        assert np.array_equal(f["splits/train/features"][()], g["splits/train/features"][()])
        assert f["splits/train/features"].dtype == np.float32
