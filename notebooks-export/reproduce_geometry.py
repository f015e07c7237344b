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
# # Class geometry of the teachers (with and without LS) and of their students across T
#
# The paper shows what label smoothing does to a teacher's penultimate layer (tight, equidistant
# clusters) only as projections onto three classes. `geometry` measures it over every class, in one
# pass per dump and split: per class the spread s = sqrt(mean ||x - c||^2), the distance d to the
# nearest other class centroid and s/d; per model the mean of s/d over the 40 classes and the
# within-class to between-class variance ratio (trace form, weighted by rows). Lower is tighter.
#
# Inputs: `Fixtures/minilab` (MiniLab MLPs on simulated WordNet-structured data: 60 train / 40 val
# rows per class). One seed: a demonstration of the measurement, not a finding about ImageNet.

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reproduce_common import ALPHAS, OUT, TEMPERATURES, markdown_table, out, read_json, run, student, teacher, write_text

# %% [markdown]
# ## Every model, both splits: the tables (Markdown) and the JSON

# %%
dumps = [teacher(a) for a in ALPHAS] + [student(a, t) for a in ALPHAS for t in TEMPERATURES]
run("geometry", *dumps, "-o", out("geometry.md"))
run("geometry", *dumps, "--format", "json", "-o", out("geometry.json"))
report = read_json("geometry.json")
print(f"{len(report['models'])} model × split entries; conventions:")
for key, value in sorted(report["conventions"].items()):
    print(f"  {key}: {value}")

# %% [markdown]
# ## The figures: mean s/d and within/between, teacher then students by T, one line per teacher α

# %%
for split in ("train", "val"):
    run("plot", "--geometry", out("geometry.json"), "--split", split, "-o", out(f"fig-geometry-{split}.png"))

# %% [markdown]
# ## Summary table: teacher and students, per teacher α and split

# %%
values = {}
for m in report["models"]:
    row = "teacher" if m["role"] == "teacher" else f"T = {m['kd_temperature']:g}"
    alpha = m["ls_alpha"] if m["role"] == "teacher" else m["teacher_ls_alpha"]
    values[(m["split"], row, alpha)] = (m["summary"]["mean_ratio"], m["summary"]["within_between"])

labels = ["teacher"] + [f"T = {t}" for t in TEMPERATURES]
rows = []
for split in ("train", "val"):
    for label in labels:
        cells = [split, label]
        for alpha in ALPHAS:
            ratio, wb = values[(split, label, alpha)]
            cells += [f"{ratio:.4f}", f"{wb:.4f}"]
        rows.append(cells)
text = markdown_table(["split", "model", "mean s/d, α = 0.0", "within/between, α = 0.0",
                       "mean s/d, α = 0.1", "within/between, α = 0.1"], rows, align="llrrrr")
text += ("\nTable: class geometry of the MiniLab teachers (α = their label smoothing) and of the students "
         "distilled from each at T (α = their teacher's). mean s/d: mean over the 40 classes of spread / "
         "nearest-centroid distance; within/between: trace form, weighted by rows. Lower is tighter. "
         "Fixtures/minilab, one seed.\n")
write_text("geometry-summary.md", text)

# %% [markdown]
# ## What came out (computed from the numbers above, whichever way they went)

# %%
def direction(a, b):
    return "lower (tighter)" if b < a else "higher (looser)" if b > a else "equal"


for split in ("train", "val"):
    r0, w0 = values[(split, "teacher", 0.0)]
    r1, w1 = values[(split, "teacher", 0.1)]
    print(f"{split}: LS teacher vs plain teacher: mean s/d {r1:.4f} vs {r0:.4f} ({direction(r0, r1)}), "
          f"within/between {w1:.4f} vs {w0:.4f} ({direction(w0, w1)})")
    for alpha in ALPHAS:
        ratios = [values[(split, f"T = {t}", alpha)][0] for t in TEMPERATURES]
        wbs = [values[(split, f"T = {t}", alpha)][1] for t in TEMPERATURES]
        teacher_ratio = values[(split, "teacher", alpha)][0]
        print(f"{split}: students of the α = {alpha} teacher, T = {', '.join(map(str, TEMPERATURES))}: "
              f"mean s/d {', '.join(f'{v:.4f}' for v in ratios)} (teacher {teacher_ratio:.4f}); "
              f"within/between {', '.join(f'{v:.4f}' for v in wbs)}")
        above = sum(r > teacher_ratio for r in ratios)
        print(f"{split}:   T = 1 → 64: mean s/d {direction(ratios[0], ratios[-1])}, "
              f"within/between {direction(wbs[0], wbs[-1])}; "
              f"{above} of {len(ratios)} students have a higher (looser) mean s/d than their teacher")
