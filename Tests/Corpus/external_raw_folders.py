"""Files and numpy cross-checks for the external-raw-folder tests (P10, ExternalRawFolderTests).

    external_raw_folders.py setup ROOT
        ROOT/left/twin.h5, ROOT/right/twin.h5: dumps whose train features live in external raw
        storage named by the SAME relative name (raw/twin.bin) beside each, with DIFFERENT bytes;
        ROOT/left_inline.h5, ROOT/right_inline.h5: the same dumps with the features inside (the
        reference); ROOT/shards/s0/run.rank0.h5, ROOT/shards/s1/run.rank1.h5: a two-shard set of the
        left dump, each shard's features in raw/shard.bin beside it; ROOT/work/raw/{twin,shard}.bin:
        decoys with other bytes in the working folder the tools run in (a reader resolving relative
        names against the working folder reads them). Left is kd_temperature 1, right 3, students.
    external_raw_folders.py centroids CENTROIDS.h5 DUMP.h5
        The centroid file's sums and counts equal numpy's, computed from DUMP's external raw file
        read directly (relative to DUMP's folder) and its labels. Exit 1 with the difference.
    external_raw_folders.py same A.h5 B.h5
        Every dataset of A equals B's (projection files of a dump and of its inline copy).
"""
import sys
from pathlib import Path

import h5py
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_corpus as mc  # noqa: E402

KEY = "splits/train/features"
OFFSET = 32


def features(side: str) -> np.ndarray:
    x = mc.base()["datasets"][KEY]
    if side == "left":
        return x
    noise = np.random.default_rng(mc.SEED + 20).normal(scale=0.8, size=x.shape)
    return (x + noise).astype(np.float32)


def spec_for(x, temperature, rows=None, shard=None):
    spec = mc.base()
    d = spec["datasets"]
    d[KEY] = x
    d["splits/train/logits"] = (x @ d["classifier/weight"].T + d["classifier/bias"]).astype(np.float32)
    if rows is not None:
        for name in ("labels", "sample_index", "logits", "features"):
            d[f"splits/train/{name}"] = d[f"splits/train/{name}"][rows]
        for name in ("features", "labels", "sample_index", "logits"):
            d[f"splits/val/{name}"] = d[f"splits/val/{name}"][shard[0]::shard[1]]
    spec["attrs"].update(role="student", kd_temperature=np.float64(temperature), teacher_ls_alpha=np.float64(0.1))
    if shard is not None:
        spec["attrs"].update(shard_rank=np.int64(shard[0]), shard_count=np.int64(shard[1]))
    return spec


def write(path: Path, spec: dict, raw: str | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    x = spec["datasets"][KEY]
    if raw is None:
        mc.write_spec(path, spec)
        return
    del spec["datasets"][KEY]
    mc.write_spec(path, spec)
    part = path.parent / raw
    part.parent.mkdir(parents=True, exist_ok=True)
    part.write_bytes(b"\x5a" * OFFSET + x.astype("<f4").tobytes())
    with h5py.File(path, "a", libver=mc.LIBVER) as f:
        mc._low_level_features(f, KEY, x, h5py.h5t.IEEE_F32LE, None, external=[(raw.encode(), OFFSET, x.nbytes)])


def setup(root: Path) -> None:
    for side, t in (("left", 1), ("right", 3)):
        write(root / side / "twin.h5", spec_for(features(side), t), "raw/twin.bin")
        write(root / f"{side}_inline.h5", spec_for(features(side), t), None)
    left = features("left")
    n = left.shape[0]
    for rank in range(2):
        rows = np.arange(rank, n, 2)
        write(root / "shards" / f"s{rank}" / f"run.rank{rank}.h5", spec_for(left, 1, rows, (rank, 2)), "raw/shard.bin")
    decoy = (features("right") * 3 - 7).astype("<f4").tobytes()
    for name in ("twin.bin", "shard.bin"):
        (root / "work" / "raw").mkdir(parents=True, exist_ok=True)
        (root / "work" / "raw" / name).write_bytes(b"\0" * OFFSET + decoy)


def centroids(centroid_path: Path, dump: Path) -> int:
    with h5py.File(dump, "r") as f:
        ds = f[KEY]
        plist = ds.id.get_create_plist()
        assert plist.get_external_count() == 1, "the dump's features are not in external raw storage"
        name, offset, _ = plist.get_external(0)
        labels = f["splits/train/labels"][()]
        shape = ds.shape
    raw = np.fromfile(dump.parent / name.decode(), dtype="<f4", offset=offset, count=int(np.prod(shape))).reshape(shape)
    sums = np.zeros((mc.C, shape[1]))
    np.add.at(sums, labels, raw.astype(np.float64))
    counts = np.bincount(labels, minlength=mc.C)
    with h5py.File(centroid_path, "r") as f:
        got_sums, got_counts = f["sums"][()], f["counts"][()]
    if not np.array_equal(got_counts, counts):
        print(f"{centroid_path}: counts {got_counts.tolist()} != numpy {counts.tolist()}")
        return 1
    if not np.allclose(got_sums, sums, rtol=1e-12, atol=1e-9):
        print(f"{centroid_path}: sums differ from numpy's by up to {np.abs(got_sums - sums).max()}")
        return 1
    print("ok")
    return 0


def same(a: Path, b: Path) -> int:
    found = []
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                if name not in fb or not np.array_equal(obj[()], fb[name][()]):
                    found.append(name)
        fa.visititems(visit)
    if found:
        print(f"{a} and {b} differ in {found}")
        return 1
    print("ok")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[1] == "setup":
        setup(Path(argv[2]))
        return 0
    if len(argv) == 4 and argv[1] == "centroids":
        return centroids(Path(argv[2]), Path(argv[3]))
    if len(argv) == 4 and argv[1] == "same":
        return same(Path(argv[2]), Path(argv[3]))
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
