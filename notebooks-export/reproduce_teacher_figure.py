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
# # The teachers' penultimate space: without and with label smoothing
#
# Reproduces the paper's teacher figure (after Müller et al. 2019) from `Fixtures/minilab` alone:
# the teacher trained with α = 0 ("w/o LS") next to the teacher trained with α = 0.1 ("w/ LS"),
# training and validation split, for two class sets:
#
# - miniature poodle, standard poodle, submarine (two semantically close classes and a far one);
# - cabbage butterfly, sulphur butterfly, submarine.
#
# Each set is drawn twice: with the paper's own projection (`--method qr-pca`, its Algorithm 1:
# QR basis of the three augmented templates' span, then a PCA fitted on the train split and applied
# unchanged to val) and with Müller et al.'s affine plane through the three templates
# (`--method muller`). Every plotted class uses its own bias (the paper's code took the biases of
# classes 0, 1, 2; we do not reproduce that).
#
# **Samples.** The paper plots the first 150 training and 50 validation images per class. The
# fixtures store only 60 training and 40 validation rows per class, so every stored row is
# plotted (60 train / 40 val per class). Centroids (stars) are means of all rows of the split.
#
# The data are simulated (MiniLab: MLPs trained on points whose class geometry follows WordNet),
# not ImageNet images. Run from anywhere with `python3 notebooks-export/reproduce_teacher_figure.py`
# after `swift build -c release`; outputs go to `notebooks-export/outputs/` (or `$PENULTIMATE_OUT`).

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reproduce_common import BUTTERFLIES, POODLES, out, run, teacher

# %% [markdown]
# ## Project each teacher onto each class set's plane

# %%
SETS = {"poodles": POODLES, "butterflies": BUTTERFLIES}
for method in ("qr-pca", "muller"):
    for set_name, classes in SETS.items():
        for alpha in (0.0, 0.1):
            run("project", teacher(alpha), "--classes", classes, "--method", method, "--split", "all",
                "-o", out(f"teacher-{set_name}-{method}-ls{alpha:.1f}.h5"))

# %% [markdown]
# ## The figures: one row, columns Training w/o LS | Training w/ LS | Validation w/o LS | Validation w/ LS
#
# Müller et al. and the paper: with LS the points of each class gather into tighter clusters, more
# equally spaced, and the relation between semantically close classes (the two poodles) is partly
# erased. In the MiniLab teachers the effect is mild: with LS the whole picture is about half the
# scale (each panel has its own axes) and the submarine cluster is narrower; the two poodles stay
# apart in both. Panel titles come from the files' own attributes.

# %%
for method in ("qr-pca", "muller"):
    for set_name in SETS:
        f = lambda alpha: out(f"teacher-{set_name}-{method}-ls{alpha:.1f}.h5")
        run("plot", f"{f(0.0)}:train", f"{f(0.1)}:train", f"{f(0.0)}:val", f"{f(0.1)}:val",
            "--grid", "1x4", "--title", f"Teachers (MiniLab, {method}): {set_name} + submarine, 60 train / 40 val rows per class",
            "-o", out(f"fig-teacher-{set_name}-{method}.png"))
