# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Write a synthetic dump with numpy only
#
# This notebook runs top to bottom with plain `python3` (CI runs it too). It needs numpy,
# h5py and Debian's `hdf5-tools`; PyTorch is not needed. It writes a small format-v1 dump
# with `penultimate_writer.write_dump`, a set of two DDP-style shards with a manifest, and
# then checks the files with libhdf5 1.10.8's `h5ls` and `h5dump`. Those are the same
# library version the Swift tools link against.
#
# Set `PENULTIMATE_OUT` to keep the files. Otherwise they go to a temporary folder.

# %%
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import h5py
import numpy as np

try:
    HERE = Path(__file__).resolve().parent
except NameError:  # inside Jupyter: the notebook's folder is the working directory
    HERE = Path.cwd()
sys.path.insert(0, str(HERE))
import penultimate_writer as pw

OUT = Path(os.environ.get("PENULTIMATE_OUT") or tempfile.mkdtemp(prefix="penultimate-synthetic-"))
OUT.mkdir(parents=True, exist_ok=True)
print("writer:", pw.WRITER, "| h5py", h5py.version.version, "(HDF5", h5py.version.hdf5_version + ")")
print("output folder:", OUT)

# %% [markdown]
# ## A toy classifier and its penultimate features
#
# There are four classes, with two retrievers and two snakes. The wnids are real WordNet 3.0
# noun synsets, so the Taxonomy tools can resolve them. The features are Gaussian blobs
# around scaled classifier templates. The logits come from the nn.Linear layout,
# `features @ weight.T + bias`.

# %%
rng = np.random.default_rng(0)
wnids = ["n02099601", "n02099849", "n01728572", "n01728920"]
names = ["golden retriever", "Chesapeake Bay retriever", "thunder snake", "ringneck snake"]
C, D = len(wnids), 16
weight = rng.normal(size=(C, D)).astype(np.float32)
bias = rng.normal(scale=0.1, size=C).astype(np.float32)


def rows(per_class, start):
    labels = np.repeat(np.arange(C), per_class)
    features = (2 * weight[labels] + rng.normal(scale=0.7, size=(labels.size, D))).astype(np.float32)
    return dict(features=features, labels=labels, sample_index=np.arange(start, start + labels.size),
                logits=features @ weight.T + bias)


splits = {"train": rows(50, 0), "val": rows(10, 200)}
attributes = dict(model="toy-linear", role="teacher", dataset="synthetic-blobs", ls_alpha=0.1,
                  seed=0, epoch=1, config_json='{"per_class": {"train": 50, "val": 10}}')
for name, s in splits.items():
    accuracy = (s["logits"].argmax(1) == s["labels"]).mean()
    print(f"{name}: {len(s['labels'])} rows, top-1 accuracy of the toy classifier {accuracy:.3f}")

# %% [markdown]
# ## One file: float16 features, gzip + shuffle
#
# The writer converts float32 to float16 in numpy. It never lets libhdf5 do that conversion,
# which gets some values wrong. It creates the file with `libver=("earliest", "v110")` so
# that libhdf5 1.10.8 can read it.

# %%
dump = pw.write_dump(OUT / "synthetic.h5", attributes=attributes, wnids=wnids, names=names,
                     weight=weight, bias=bias, splits=splits, feature_dtype="float16",
                     compression="gzip")
with h5py.File(dump, "r") as f:
    stored = f["splits/train/features"][()]
    assert stored.dtype == np.float16
    assert np.array_equal(stored, splits["train"]["features"].astype(np.float16))
    print({k: (v.item() if hasattr(v, "item") else v) for k, v in f.attrs.items()})

# %% [markdown]
# ## Check it with libhdf5 1.10.8
#
# `h5ls -r` must list every dataset, and `h5dump` must print the labels we wrote.

# %%
listing = subprocess.run(["h5ls", "-r", str(dump)], capture_output=True, text=True, check=True)
print(listing.stdout)
for path in ("/classes/wnid", "/classifier/weight", "/classifier/bias", "/splits/train/features",
             "/splits/train/labels", "/splits/val/logits"):
    assert path in listing.stdout, path
labels = subprocess.run(["h5dump", "-d", "/splits/val/labels", "-y", "-w", "0", str(dump)],
                        capture_output=True, text=True, check=True).stdout
values = [int(v) for v in labels.split("DATA {", 1)[1].split("}", 1)[0].replace(",", " ").split()]
assert values == splits["val"]["labels"].tolist()
print("h5dump /splits/val/labels:", values[:12], "...")

# %% [markdown]
# ## Two shards and a manifest, as DistributedDataParallel would write them
#
# Take 41 validation samples on 2 ranks. `DistributedSampler` pads the set to 42 by
# repeating sample 0, so rank 1's last row repeats it. Each rank writes `NAME.rank{r}.h5`.
# Rank 0 then writes `NAME.h5`, whose splits are virtual datasets over the shards, with
# relative paths. Readers drop the repeated row, keeping the first. (`collect_penultimate`
# drops padding rows before they are written; this shard set keeps one to show the rule.)
# Each split records `sample_count` = 41, the data set's length, in every shard.

# %%
val = rows(11, 0)
keep = np.arange(41)
order = np.concatenate([keep, keep[:1]])  # padded to 42
shard_paths = []
for rank in range(2):
    mine = order[rank::2]                 # DistributedSampler's interleaving
    part = {k: v[mine] for k, v in val.items()}
    part["sample_index"] = mine
    part["sample_count"] = keep.size      # len(dataset), the same in every shard
    shard_paths.append(pw.write_shard(pw.shard_path(OUT / "synthetic_ddp", rank), rank=rank, count=2,
                                      attributes=attributes, wnids=wnids, weight=weight, bias=bias,
                                      splits={"val": part}))
manifest = pw.write_manifest(OUT / "synthetic_ddp.h5", shard_paths)
with h5py.File(manifest, "r") as f:
    index = f["splits/val/sample_index"][()]
    print("manifest shards:", list(f.attrs["manifest_shards"]))
    print("rows:", index.size, "| distinct samples:", np.unique(index).size)
    assert index.size == 42 and np.unique(index).size == 41
listing = subprocess.run(["h5ls", "-r", str(manifest)], capture_output=True, text=True, check=True)
assert "/splits/val/features" in listing.stdout
print(listing.stdout)
print("done: files in", OUT)
