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
# # Accuracy of the teachers and of the students distilled at T = 1, 2, 3, 64
#
# Reproduces the paper's accuracy table from `Fixtures/minilab` alone: rows teacher, T = 1, 2, 3,
# 64; columns the teacher's α (0.0, 0.1); cells Top-1 / Top-5 in percent. The fixtures store
# logits for the **validation split only** (40 rows per class, 1600 rows), so the table is on val
# (the paper's is ImageNet val, 50 000 images). Then the accuracy chart (accuracy against T, one
# line per teacher α, the teachers as flat reference lines), and a side-by-side comparison with the
# paper's published numbers.
#
# The paper's pattern: KD from the LS teacher loses more accuracy as T grows (T = 3: 66.57 vs
# 69.57 Top-1). MiniLab is a small simulation: compare the direction, not the values.

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reproduce_common import (ALPHAS, OUT, PAPER_ACCURACY, TEMPERATURES, markdown_table, out, read_json, run,
                              student, teacher, write_text)

# %% [markdown]
# ## The table (Markdown) and the same data as JSON

# %%
dumps = [teacher(a) for a in ALPHAS] + [student(a, t) for a in ALPHAS for t in TEMPERATURES]
run("accuracy", *dumps, "--split", "val", "-o", out("accuracy.md"))
run("accuracy", *dumps, "--split", "val", "--format", "json", "-o", out("accuracy.json"))
print((OUT / "accuracy.md").read_text())

# %% [markdown]
# ## Side by side with the paper (Top-1 / Top-5, percent)

# %%
report = read_json("accuracy.json")
ours = {}
for row in report["rows"]:
    key = "teacher" if row["role"] == "teacher" else f"T = {row['kd_temperature']:g}"
    alpha = row["ls_alpha"] if row["role"] == "teacher" else row["teacher_ls_alpha"]
    ours[(key, alpha)] = (row["top1"], row["top5"])

labels = ["teacher"] + [f"T = {t}" for t in TEMPERATURES]
rows = []
for label in labels:
    cells = [label]
    for alpha in ALPHAS:
        paper, mine = PAPER_ACCURACY[(label, alpha)], ours[(label, alpha)]
        cells += [f"{paper[0]:.2f} / {paper[1]:.2f}", f"{mine[0]:.2f} / {mine[1]:.2f}"]
    rows.append(cells)
text = markdown_table(["", "paper α = 0.0", "ours α = 0.0", "paper α = 0.1", "ours α = 0.1"], rows)
text += ("\nTable: Top-1 / Top-5 accuracy in **percent**. Paper: ResNet-50 teacher → ResNet-18 students (KD loss "
         "only), ImageNet val. Ours: MiniLab MLPs, Fixtures/minilab, val split (40 rows per class, 1600 rows). "
         "α is the teacher's label smoothing.\n")
write_text("accuracy-paper-comparison.md", text)

# %% [markdown]
# ## How much Top-1 the students lose from T = 1 to higher T, per teacher α (percentage points)

# %%
rows = []
for t in TEMPERATURES[1:]:
    cells = [f"T = 1 → {t}"]
    for source in (PAPER_ACCURACY, ours):
        for alpha in ALPHAS:
            cells.append(f"{source[(f'T = {t}', alpha)][0] - source[('T = 1', alpha)][0]:+.2f}")
    rows.append(cells)
text = markdown_table(["change of Top-1", "paper α = 0.0", "paper α = 0.1", "ours α = 0.0", "ours α = 0.1"], rows)
text += "\nTable: Top-1 at T minus Top-1 at T = 1, percentage points (negative = the student got worse).\n"
write_text("accuracy-change-with-T.md", text)

# %% [markdown]
# ## The accuracy chart (Top-1 and Top-5 panels)

# %%
run("plot", "--accuracy", out("accuracy.json"), "--top5",
    "--title", "Students' accuracy against T (MiniLab, val, percent)", "-o", out("fig-accuracy.png"))
