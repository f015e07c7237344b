"""Write the two CUB-style student dumps that the --hierarchy tests run on.

Usage (from the package root): .venv/bin/python3 Fixtures/hierarchies/make_cub_fixture.py [OUTDIR]
(default OUTDIR: Fixtures/hierarchies). Writes cub-T1.h5 and cub-T3.h5: 18 classes, the species of
cub-style.txt in file order, stored by name only ("Laysan Albatross": matched to the file's
Laysan_Albatross by name, in any case with spaces or underscores), D = 8, 12 train and 6 val rows
per class, float32, sample_index 0..N-1 per split in both (the same "images").

Simulated, not CUB: a class mean is the sum of an offset per order (scale 6), family (3), genus
(1.5) and species (1.2), so classes of one genus lie near each other; each row adds N(0, 1) noise.
The T3 student keeps every offset but shrinks the species' by half, so congeners draw together
(eta over same:genus < 0). numpy's seeded Generator (PCG64) makes the same bytes on every run.
"""
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "notebooks-export"))
from penultimate_writer import write_dump  # noqa: E402


def species_paths(path=HERE / "cub-style.txt"):
    """(species, genus, family, order) for every leaf of the hierarchy file, in file order."""
    parent = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            child, up = line.split("\t")
            parent[child] = up
    inner = set(parent.values())
    leaves = [c for c in parent if c not in inner]
    return [(s, parent[s], parent[parent[s]], parent[parent[parent[s]]]) for s in leaves]


def write(outdir):
    paths = species_paths()
    names = [s.replace("_", " ") for s, *_ in paths]
    dim, train_rows, val_rows = 8, 12, 6
    structure = np.random.default_rng(14)
    offsets = {}
    def offset(key, scale):
        if key not in offsets:
            offsets[key] = structure.normal(0.0, scale, dim)
        return offsets[key]
    base = np.stack([offset(("o", o), 6.0) + offset(("f", f), 3.0) + offset(("g", g), 1.5) for _, g, f, o in paths])
    own = np.stack([offset(("s", s), 1.2) for s, *_ in paths])
    weight = structure.normal(0.0, 0.5, (len(paths), dim)).astype(np.float32)
    bias = np.zeros(len(paths), np.float32)
    written = []
    for temperature, shrink, seed in ((1.0, 1.0, 1), (3.0, 0.5, 3)):
        noise = np.random.default_rng(seed)
        means = base + shrink * own
        splits = {}
        for split, rows in (("train", train_rows), ("val", val_rows)):
            labels = np.repeat(np.arange(len(paths), dtype=np.int64), rows)
            features = (means[labels] + noise.normal(0.0, 1.0, (labels.size, dim))).astype(np.float32)
            splits[split] = dict(features=features, labels=labels,
                                 sample_index=np.arange(labels.size, dtype=np.int64))
        attributes = dict(model="cub-mlp", role="student", dataset="cub-style (simulated)", ls_alpha=0.0,
                          teacher_model="cub-teacher", teacher_ls_alpha=0.1, kd_temperature=temperature)
        path = Path(outdir) / f"cub-T{int(temperature)}.h5"
        write_dump(path, attributes=attributes, names=names, weight=weight, bias=bias, splits=splits)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write(sys.argv[1] if len(sys.argv) > 1 else HERE):
        print(path, path.stat().st_size, "bytes")
