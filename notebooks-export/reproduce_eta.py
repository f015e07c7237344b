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
# # The diffusion index η for the retrievers and the colubrid snakes
#
# Reproduces the paper's η table from `Fixtures/minilab` alone: students distilled at T1 = 1 and
# T2 = 3 from the teacher with label smoothing (α = 0.1), one row per target (the five retrievers
# and the five colubrid snakes of the paper's table), columns Train S1 | Train S2 | Val S1 | Val S2
# and the verdict "diffusion" = η(S1) < 0 and η(S2) > 0. For contrast the same table for the plain
# teacher (α = 0), and a sweep over T2 = 2, 3, 64 against T1 = 1 for both teachers.
#
# Conventions (all recorded in every output): S1 = the other four classes of the target's family,
# S2 = the five classes of the other family (`eta`'s presets, our reading of the paper);
# centroids of all rows of the split (60 train / 40 val per class in the fixtures); distances
# divided by each model's mean distance between all pairs of class centroids (`centroid-scale`).
# **Units:** `eta` prints fractions by default and percent with `--percent`; the paper's table is
# most likely in percent (it has values below −1), so the comparison with the paper is in percent.
#
# The data are simulated (MiniLab), not ImageNet: compare the *signs and pattern*, not magnitudes.

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reproduce_common import (ALPHAS, OUT, PAPER_ETA, TEMPERATURES, markdown_table, out, read_json, run, student,
                              write_text)

# %% [markdown]
# ## η(T1 = 1, T2 = 3), teacher with LS (α = 0.1) and without (α = 0)
#
# Each is written three times: a Markdown table in fractions (the tool's default), the same in
# percent, and JSON in percent (for the chart and the comparison below).

# %%
for alpha in ALPHAS:
    stem = f"eta-ls{alpha:.1f}-T1-T3"
    pair = ["--t1", student(alpha, 1), "--t2", student(alpha, 3), "--split", "all"]
    run("eta", *pair, "-o", out(f"{stem}.md"))
    run("eta", *pair, "--percent", "-o", out(f"{stem}-percent.md"))
    run("eta", *pair, "--percent", "--format", "json", "-o", out(f"{stem}-percent.json"))

# %%
for alpha in ALPHAS:
    print(f"### teacher α = {alpha}\n")
    print((OUT / f"eta-ls{alpha:.1f}-T1-T3.md").read_text())

# %% [markdown]
# ## Side by side with the paper (percent)
#
# Paper: ResNet-50 teacher (α = 0.1) → ResNet-18 students on ImageNet. Ours: MiniLab MLP students
# from the α = 0.1 teacher (and, in the last columns, the α = 0 teacher's verdicts).

# %%
def rows_by_target(alpha):
    report = read_json(f"eta-ls{alpha:.1f}-T1-T3-percent.json")
    assert report["conventions"]["unit"] == "percent"
    table = {}
    for row in report["rows"]:
        table.setdefault(row["target_name"], {})[row["split"]] = row
    return table


def cell(value):
    return "–" if value is None else f"{value:+.3f}"


ours = {alpha: rows_by_target(alpha) for alpha in ALPHAS}
rows = []
for name, paper in PAPER_ETA.items():
    ls, plain = ours[0.1][name], ours[0.0][name]
    values = [ls["train"]["eta_s1"], ls["train"]["eta_s2"], ls["val"]["eta_s1"], ls["val"]["eta_s2"]]
    rows.append([name] + [f"{p:+.3f} / {cell(v)}" for p, v in zip(paper, values)]
                + ["/".join("yes" if ls[s]["diffusion"] else "no" for s in ("train", "val")),
                   "/".join("yes" if plain[s]["diffusion"] else "no" for s in ("train", "val"))])
comparison = markdown_table(
    ["target", "Train S1", "Train S2", "Val S1", "Val S2", "diffusion α=0.1 (train/val)", "diffusion α=0 (train/val)"], rows,
    align="lrrrrll")
comparison += ("\nTable: η(T1 = 1, T2 = 3) in **percent**, each cell *paper / ours*. Paper: ResNet-50 teacher with "
               "α = 0.1 → ResNet-18 students, ImageNet (its unit is not stated; percent is our reading). Ours: MiniLab "
               "students of the α = 0.1 teacher, Fixtures/minilab (60 train / 40 val rows per class), normalization "
               "centroid-scale. Verdict: η(S1) < 0 and η(S2) > 0.\n")
write_text("eta-paper-comparison.md", comparison)

# %% [markdown]
# ## Sweep: T1 = 1 against T2 = 2, 3, 64
#
# `eta sweep` orders the students by their `kd_temperature` attribute, takes the lowest as T1.

# %%
for alpha in ALPHAS:
    models = [student(alpha, t) for t in TEMPERATURES]
    run("eta", "sweep", *models, "--split", "all", "-o", out(f"eta-sweep-ls{alpha:.1f}.md"))
    run("eta", "sweep", *models, "--split", "all", "--percent", "--format", "json",
        "-o", out(f"eta-sweep-ls{alpha:.1f}-percent.json"))
    print((OUT / f"eta-sweep-ls{alpha:.1f}.md").read_text())

# %% [markdown]
# ## Summary of the sweep: how many of the ten targets show diffusion, and mean η (percent)

# %%
summary = []
for alpha in ALPHAS:
    report = read_json(f"eta-sweep-ls{alpha:.1f}-percent.json")
    for t2 in sorted({row["t2"] for row in report["rows"]}):
        for split in ("train", "val"):
            group = [r for r in report["rows"] if r["t2"] == t2 and r["split"] == split]
            s1 = [r["eta_s1"] for r in group]
            s2 = [r["eta_s2"] for r in group]
            summary.append([f"{alpha}", f"{t2:g}", split, f"{sum(r['diffusion'] for r in group)}/{len(group)}",
                            f"{sum(x < 0 for x in s1)}/{len(s1)}", f"{sum(x > 0 for x in s2)}/{len(s2)}",
                            f"{sum(s1) / len(s1):+.3f}", f"{sum(s2) / len(s2):+.3f}"])
text = markdown_table(["teacher α", "T2", "split", "diffusion", "η(S1) < 0", "η(S2) > 0", "mean η(S1)", "mean η(S2)"],
                      summary, align="lrlrrrrr")
text += ("\nTable: η(T1 = 1, T2) over the ten targets (five retrievers, five colubrid snakes), Fixtures/minilab; "
         "unit: percent; mean = plain mean over the ten targets of the per-target η.\n")
write_text("eta-sweep-summary.md", text)

# %% [markdown]
# ## The η charts (paired bars η(S1), η(S2) per target, one panel per split)

# %%
for alpha in ALPHAS:
    stem = f"eta-ls{alpha:.1f}-T1-T3"
    run("plot", "--eta", out(f"{stem}-percent.json"),
        "--title", f"η(T1 = 1, T2 = 3), students of the teacher with α = {alpha} (MiniLab; percent)",
        "-o", out(f"fig-{stem}.png"))
