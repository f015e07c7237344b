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
# # The students' penultimate space: KD at T = 1 and T = 3 from teachers without and with LS
#
# Reproduces the paper's student figure grid from `Fixtures/minilab` alone: 2 rows (students
# distilled at T = 1 and T = 3) × 4 columns (Training w/o LS, Training w/ LS, Validation w/o LS,
# Validation w/ LS). **"w/o LS" / "w/ LS" refers to the teacher's α** (0 or 0.1); the students
# themselves are trained with the KD loss only (no hard labels, no LS of their own).
#
# Projection: the paper's Algorithm 1 (`project --method qr-pca`): QR basis of the three augmented
# templates' span, then one PCA per model fitted on its training points plus the three training
# centroids; the validation points go through the same PCA, so axes differ between models but not
# between a model's train and val panels. Each plotted class uses its own bias.
#
# **Samples.** The paper plots the first 150 training and 50 validation images per class; the
# fixtures store 60 training and 40 validation rows per class, and all of them are plotted
# (equivalent to `--per-class 60` / `--per-class 40`). Stars are the centroids of all rows.
#
# Class sets: miniature poodle, standard poodle, submarine (the paper's main figure) and cabbage
# butterfly, sulphur butterfly, submarine (its alternative set). The paper's reading: under the LS
# teacher, distillation at higher T pulls the semantically close pair's clusters together
# (information about their relation that LS erased in the teacher is not recovered), and the
# val clusters spread.

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reproduce_common import BUTTERFLIES, POODLES, out, run, student

# %% [markdown]
# ## Project the four students of each set (T = 1, 3; teacher α = 0, 0.1)

# %%
SETS = {"poodles": POODLES, "butterflies": BUTTERFLIES}
for set_name, classes in SETS.items():
    for temperature in (1, 3):
        for alpha in (0.0, 0.1):
            run("project", student(alpha, temperature), "--classes", classes, "--method", "qr-pca",
                "--split", "all", "-o", out(f"student-{set_name}-qr-pca-ls{alpha:.1f}-T{temperature}.h5"))

# %% [markdown]
# ## The grids
#
# The panel order is row by row; `plot` labels the columns ("Training w/o LS", ...) and the rows
# ("T = 1", "T = 3") from the files' attributes (`source_teacher_ls_alpha`, `source_kd_temperature`).

# %%
for set_name in SETS:
    panels = []
    for temperature in (1, 3):
        f = lambda alpha: out(f"student-{set_name}-qr-pca-ls{alpha:.1f}-T{temperature}.h5")
        panels += [f"{f(0.0)}:train", f"{f(0.1)}:train", f"{f(0.0)}:val", f"{f(0.1)}:val"]
    run("plot", *panels, "--grid", "2x4",
        "--title", f"Students (MiniLab, qr-pca): {set_name} + submarine, 60 train / 40 val rows per class",
        "-o", out(f"fig-students-{set_name}-qr-pca.png"))
