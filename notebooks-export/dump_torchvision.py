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
# # Dump torchvision models' penultimate features
#
# This notebook runs in CI (`scripts/check-notebooks.sh` reruns it and compares its transcript
# and `outputs/dump_torchvision.json` with the committed ones). It needs PyTorch and
# torchvision (`scripts/requirements-torch.txt`), nothing else: no pretrained weights and no
# data set are downloaded. It builds ResNet-18, MobileNetV2 and ConvNeXt-T with random weights
# (`weights=None`), runs them on small synthetic images, and writes one format-v1 dump per model
# with `penultimate_writer`. With a trained checkpoint and a real `ImageFolder` the calls are
# the same.
#
# Where the penultimate features are: the **input of the final classifier `nn.Linear`**.
# `collect_penultimate` takes it with a forward pre-hook on the layer that `classifier_of`
# finds (`fc` in ResNets, `classifier[-1]` in MobileNetV2, EfficientNet, VGG and ConvNeXt,
# `heads.head` in ViT, `get_classifier()` in timm), and takes the layer's output as the logits.
# So `logits = features · Wᵀ + b` holds by construction; the notebook checks it in float64.
# A hook on `avgpool` would be wrong on ConvNeXt, which applies a LayerNorm after pooling;
# the last section shows it.

# %%
import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

import h5py
import numpy as np
import torch
import torchvision
from torch.utils.data import DataLoader, TensorDataset

import penultimate_writer as pw  # pip install ./notebooks-export, or run from notebooks-export/

# Deterministic: one thread, fixed seeds, deterministic kernels. What is printed below does not
# depend on the machine (shapes, names, pass/fail of the checks), so the transcript is compared
# byte for byte; the dumps themselves go to a temporary folder (PENULTIMATE_DUMPS keeps them).
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
torch.manual_seed(0)
OUT = Path(os.environ.get("PENULTIMATE_OUT") or Path(__file__).resolve().parent / "outputs")
OUT.mkdir(parents=True, exist_ok=True)
if os.environ.get("PENULTIMATE_DUMPS"):
    DUMPS = Path(os.environ["PENULTIMATE_DUMPS"])
    DUMPS.mkdir(parents=True, exist_ok=True)
else:
    DUMPS = Path(tempfile.mkdtemp(prefix="penultimate-torchvision-"))
    atexit.register(shutil.rmtree, DUMPS, ignore_errors=True)
print("penultimate_writer", pw.__version__, "| format version", pw.FORMAT_VERSION)

# %% [markdown]
# ## Classes and synthetic images
#
# Ten classes named by WordNet id: the paper's five retrievers and five colubrid snakes, so
# `eta`'s presets apply to these dumps. The images are 40 random 3 × 64 × 64 tensors with
# labels 0..9 (four per class). `IndexedDataset` makes every item `(image, label, index)`;
# the index becomes `sample_index`.

# %%
WNIDS = ["n02099267", "n02099429", "n02099601", "n02099712", "n02099849",
         "n01728572", "n01728920", "n01729322", "n01734418", "n01737021"]
NAMES = ["flat-coated retriever", "curly-coated retriever", "golden retriever", "Labrador retriever",
         "Chesapeake Bay retriever", "thunder snake", "ringneck snake", "hognose snake", "king snake",
         "water snake"]
generator = torch.Generator().manual_seed(1)
images = torch.randn(40, 3, 64, 64, generator=generator)
labels = torch.arange(40) % len(WNIDS)
dataset = pw.IndexedDataset(TensorDataset(images, labels))
loader = DataLoader(dataset, batch_size=16)
print("images:", tuple(images.shape), "| classes:", len(WNIDS))

# %% [markdown]
# ## Find the classifier, collect, write
#
# For each model: `classifier_of` names the final `nn.Linear`; `classifier_weights` gives its
# `W` (C × D) and `b`; `collect_penultimate` returns features, logits, labels, sample indices
# and `sample_count` (the data set's length, which the writer checks against the distinct rows
# it writes). The check below is elementwise: |logit − (f · W_k + b_k)| ≤ 1e-5 · (Σ_i |f_i W_ki| + |b_k|),
# a bound a float32 product meets and a wrong layer misses by orders of magnitude.

# %%
def check(features, logits, weight, bias, rtol=1e-5):
    """True when logits = features · Wᵀ + b to rtol of each logit's own scale (float64)."""
    f, w, b = (np.asarray(a, dtype=np.float64) for a in (features, weight, bias))
    scale = np.abs(f) @ np.abs(w).T + np.abs(b)
    return bool(np.all(np.abs(np.asarray(logits, dtype=np.float64) - (f @ w.T + b)) <= rtol * scale))


summary = {}
for name in ("resnet18", "mobilenet_v2", "convnext_tiny"):
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None, num_classes=len(WNIDS)).eval()
    layer = pw.classifier_of(model)
    layer_name = next(n for n, m in model.named_modules() if m is layer)
    weight, bias = pw.classifier_weights(model)
    val = pw.collect_penultimate(model, loader)
    path = pw.write_dump(DUMPS / f"{name}.h5",
                         attributes=dict(model=name, role="teacher", dataset="synthetic-64px", ls_alpha=0.0,
                                         seed=0, config_json=json.dumps({"weights": None, "images": 40})),
                         wnids=WNIDS, names=NAMES, weight=weight, bias=bias, splits={"val": val})
    with h5py.File(path, "r") as f:  # read back what was stored
        group = f["splits/val"]
        stored = {k: group[k][()] for k in ("features", "logits", "sample_index")}
        entry = {
            "classifier": layer_name,
            "features": list(group["features"].shape),
            "logits": list(group["logits"].shape),
            "classifier_weight": list(f["classifier/weight"].shape),
            "sample_count": int(group.attrs["sample_count"]),
            "distinct_samples": int(np.unique(stored["sample_index"]).size),
            "logits_equal_features_W_b": check(stored["features"], stored["logits"],
                                               f["classifier/weight"][()], f["classifier/bias"][()]),
        }
    summary[name] = entry
    print(f"{name:14} classifier = {layer_name:13} features {tuple(entry['features'])}  "
          f"W {tuple(entry['classifier_weight'])}  sample_count {entry['sample_count']}  "
          f"logits = features·Wᵀ + b: {entry['logits_equal_features_W_b']}")
    assert entry["logits_equal_features_W_b"] and entry["sample_count"] == entry["distinct_samples"] == 40

# %% [markdown]
# ## Why not a hook on `avgpool`
#
# ConvNeXt-T's classifier is `Sequential(LayerNorm2d, Flatten, Linear)`: the pooled features
# are normalised before the `Linear`. Features taken at `avgpool` do not reproduce the logits.

# %%
torch.manual_seed(0)
convnext = torchvision.models.convnext_tiny(weights=None, num_classes=len(WNIDS)).eval()
pooled = []
handle = convnext.avgpool.register_forward_hook(lambda _m, _i, out: pooled.append(out.flatten(1).detach()))
right = pw.collect_penultimate(convnext, loader)
handle.remove()
weight, bias = pw.classifier_weights(convnext)
wrong = torch.cat(pooled).numpy()
summary["convnext_tiny_avgpool_hook"] = {"logits_equal_features_W_b": check(wrong, right["logits"], weight, bias)}
print("convnext_tiny: avgpool features reproduce the logits:", summary["convnext_tiny_avgpool_hook"]["logits_equal_features_W_b"])
print("convnext_tiny: pre-hook features reproduce the logits:", check(right["features"], right["logits"], weight, bias))
assert not summary["convnext_tiny_avgpool_hook"]["logits_equal_features_W_b"]

(OUT / "dump_torchvision.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
print("wrote dump_torchvision.json")

# %% [markdown]
# ## Several GPUs (DistributedDataParallel)
#
# Run one process per GPU (`torchrun --nproc_per_node=N train.py`, or
# `torch.multiprocessing.spawn`), build each split's loader with a `DistributedSampler`
# (shuffled or not, `drop_last=False`) over an `IndexedDataset`, then on every rank:
#
# ```python
# pw.dump_distributed("r18_val.h5", model=ddp_model, loaders={"val": loader},
#                     attributes=..., wnids=wnids, names=names, feature_dtype="float16")
# ```
#
# - each rank writes `r18_val.rank{r}.h5` with `shard_rank`, `shard_count`, and per split
#   `sample_count` = `len(dataset)`; the sampler's padding rows (positions ≥ `len(dataset)`
#   of its padded index list) are not written, so every sample appears once;
# - after a barrier, rank 0 writes the manifest `r18_val.h5` (virtual datasets over the
#   shards) and checks that the shards hold exactly `sample_count` distinct samples;
# - an error on any rank is raised on every rank, so no rank waits forever.
#
# `Tests/Python/test_torch_ddp.py` runs this on two gloo ranks (spawn and torchrun) and checks
# that the shard set's rows equal a single-process dump's, and that `eta` (on the manifest, on
# the shards, and on per-shard `eta centroids` files) and `project` give the same numbers.
