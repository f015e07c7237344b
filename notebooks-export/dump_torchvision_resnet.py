# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (PyTorch)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Dump a torchvision ResNet-18's penultimate features
#
# **This notebook is shown, not run, in CI.** It needs PyTorch, torchvision, a pretrained
# checkpoint and the ImageNet validation images, and our CI machines have none of these.
# It has never been executed as part of this repository, so it contains no outputs.
# Everything it calls from `penultimate_writer.py` is tested on numpy arrays in
# `Tests/Python/test_writer.py`. The runnable numpy-only example is `write_synthetic_dump.py`.
#
# What it does:
# 1. Loads torchvision's ResNet-18 with the `IMAGENET1K_V1` weights.
# 2. Takes a fixed subset of the ImageNet validation set. The folders are named by wnid,
#    which gives the standard class order.
# 3. Uses a forward hook on `model.avgpool` to get the 512-d penultimate activations. It
#    takes `model.fc` as the classifier (templates `W` of shape (1000, 512) and bias `b`).
# 4. Writes a format-v1 dump with `penultimate_writer.write_dump`.

# %%
from pathlib import Path

import numpy as np
import torch
import torchvision
from torch.utils.data import DataLoader, Subset
from torchvision.models import ResNet18_Weights

import penultimate_writer as pw  # run from notebooks-export/, or put it on sys.path

IMAGENET_VAL = Path("/data/imagenet/val")   # val/<wnid>/*.JPEG, e.g. val/n02099849/...
OUT = Path("resnet18_imagenet_val_subset.h5")
PER_CLASS = 10                               # 10 images per class: 10,000 rows
device = "cuda" if torch.cuda.is_available() else "cpu"

# %% [markdown]
# ## Model and classifier
#
# `classifier_of(model)` returns `model.fc.weight` and `model.fc.bias` as float32 numpy
# arrays. Row *k* of the weight is class *k*'s template (the nn.Linear layout).

# %%
weights = ResNet18_Weights.IMAGENET1K_V1
model = torchvision.models.resnet18(weights=weights).to(device).eval()
weight, bias = pw.classifier_of(model)
print(weight.shape, bias.shape)

# %% [markdown]
# ## Data: a fixed subset of ImageNet val, with sample indices
#
# `ImageFolder` sorts the wnid folder names, and that sorted order is the standard
# ImageNet-1k class index order (209 = n02099849, Chesapeake Bay retriever). So
# `dataset.classes` *is* the wnid list for the dump. The display names come from the
# checkpoint's metadata.
#
# `IndexedDataset` makes each item `(image, label, index)`. Wrapping it *before* taking the
# `Subset` keeps the index pointing into the full validation set, so it stays a stable
# sample id across runs and ranks.

# %%
dataset = torchvision.datasets.ImageFolder(IMAGENET_VAL, transform=weights.transforms())
wnids = dataset.classes
assert len(wnids) == 1000 and wnids[209] == "n02099849"
names = list(weights.meta["categories"])

targets = np.asarray(dataset.targets)
subset = np.concatenate([np.flatnonzero(targets == k)[:PER_CLASS] for k in range(1000)])
loader = DataLoader(Subset(pw.IndexedDataset(dataset), subset.tolist()), batch_size=256,
                    num_workers=8, pin_memory=True)

# %% [markdown]
# ## Collect features with a forward hook on `avgpool`
#
# `collect_penultimate` registers a hook on `model.avgpool` and flattens its (B, 512, 1, 1)
# output to (B, 512). It also records the logits, labels and sample indices. It removes the
# hook when it is done, even after an error.

# %%
val = pw.collect_penultimate(model, loader, module=model.avgpool, device=device)
print({k: v.shape for k, v in val.items()})
print("top-1 on the subset:", float((val["logits"].argmax(1) == val["labels"]).mean()))

# %% [markdown]
# ## Write the dump
#
# float16 halves the file size. The writer casts in numpy and refuses values that
# overflow float16. gzip with shuffle is the only compression that Debian's libhdf5
# 1.10.8 can read.

# %%
pw.write_dump(
    OUT,
    attributes=dict(model="resnet18", role="teacher", dataset="imagenet-val-subset",
                    ls_alpha=0.0, seed=0, epoch=90,
                    config_json=f'{{"weights": "{weights.name}", "per_class": {PER_CLASS}}}'),
    wnids=wnids, names=names, weight=weight, bias=bias,
    splits={"val": val}, feature_dtype="float16", compression="gzip")

# %% [markdown]
# ## Several GPUs (DistributedDataParallel)
#
# Run one process per GPU with `torchrun --nproc_per_node=N`. Each rank uses a
# `DistributedSampler(shuffle=False)` over the `IndexedDataset`, and
# `pw.dump_distributed("resnet18_val.h5", model=model, loaders={"val": loader}, attributes=...,
# wnids=wnids, names=names, feature_dtype="float16")` then does the rest:
# - each rank writes `resnet18_val.rank{r}.h5`;
# - all ranks wait at a barrier;
# - rank 0 writes the manifest `resnet18_val.h5`, whose splits are virtual datasets over
#   the shards.
#
# The sampler pads the last batch with repeated samples. Readers drop repeated
# `sample_index` values and report how many they dropped.

# %% [markdown]
# ## Rendered output
#
# None. This notebook has not been run here (see the first cell), and no outputs are
# stored. When you run it, `h5ls -r resnet18_imagenet_val_subset.h5` should list
# `/splits/val/features` as `{10000, 512}` and `/classifier/weight` as `{1000, 512}`.
