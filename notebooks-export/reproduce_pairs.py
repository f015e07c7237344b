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
# # Diffusion over the whole taxonomy: every pair of classes
#
# η looks at ten hand-picked targets. `eta pairs` asks the same question of every pair of classes
# (a, b): the relative change r = (d₂ − d₁)/d₁ of their normalised centroid distance between the
# student distilled at T1 = 1 and the one at T2 = 3, grouped by how related the two classes are
# (the depth of their lowest common ancestor in WordNet: deeper = closer). The paper's claim
# predicts r < 0 for closely related pairs (deep LCA) and r > 0 for distant ones.
#
# Data: `Fixtures/minilab` (simulated; 40 classes → 780 pairs; 60 train / 40 val rows per class),
# students of the teacher with label smoothing (α = 0.1) and without (α = 0). Conventions (recorded
# in every output): distances divided by each model's mean distance between all pairs of class
# centroids (`centroid-scale`), so the pair-weighted mean of d₁·r is zero by construction: the
# question is *which* pairs move closer, not whether distances shrink overall. Intervals: 95%
# percentile bootstrap of each group's mean (1000 replicates, Poisson weights, seed 0).

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reproduce_common import ALPHAS, OUT, markdown_table, out, read_json, run, student, write_text

SPLITS = ("train", "val")

# %% [markdown]
# ## `eta pairs` for both teachers and both splits

# %%
for alpha in ALPHAS:
    for split in SPLITS:
        stem = f"pairs-ls{alpha:.1f}-T1-T3-{split}"
        models = ["--t1", student(alpha, 1), "--t2", student(alpha, 3), "--split", split]
        run("eta", "pairs", *models, "--bootstrap", "1000", "--seed", "0", "--format", "json", "-o", out(f"{stem}.json"))
        run("eta", "pairs", *models, "--bootstrap", "1000", "--seed", "0", "-o", out(f"{stem}.md"))

# %%
print((OUT / "pairs-ls0.1-T1-T3-val.md").read_text())

# %% [markdown]
# ## Summary: mean change per LCA depth, both teachers (val and train)
#
# Besides the groups, one number per run: Pearson's correlation between LCA depth and r over all
# 780 pairs (negative = the closer the classes, the more they converge), and the mean r of the
# "close" pairs (LCA depth ≥ 11: within a genus-like family of the fixtures, e.g. retrievers,
# colubrids, poodles) against the "distant" ones (LCA depth ≤ 8: no closer than vertebrate).


# %%
def pearson(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / (sxx * syy) ** 0.5


def mean(values):
    return sum(values) / len(values)


def interval(group):
    return f"{group['mean_change']:+.4f} [{group['lower']:+.4f}, {group['upper']:+.4f}]"


reports = {(a, s): read_json(f"pairs-ls{a:.1f}-T1-T3-{s}.json") for a in ALPHAS for s in SPLITS}
for report in reports.values():
    assert report["pair_count"] == 780 and len(report["pairs"]) == 780
    assert report["conventions"]["unit"] == "fraction" and report["conventions"]["by"] == "lca-depth"

rows = []
for split in SPLITS:
    depths = sorted({g["value"] for a in ALPHAS for g in reports[(a, split)]["groups"]})
    for depth in depths:
        groups = [next(g for g in reports[(alpha, split)]["groups"] if g["value"] == depth) for alpha in ALPHAS]
        assert groups[0]["pairs"] == groups[1]["pairs"]  # the same classes, so the same pairs
        rows.append([split, str(depth), str(groups[0]["pairs"])] + [interval(g) for g in groups])
table = markdown_table(["split", "LCA depth", "pairs", "mean r, teacher α = 0 [95% CI]", "mean r, teacher α = 0.1 [95% CI]"],
                       rows, align="lrrrr")
table += ("\nTable: relative change r = (d₂ − d₁)/d₁ of the centroid distance of every pair of classes between the students "
          "at T1 = 1 and T2 = 3 (Fixtures/minilab, 40 classes, 780 pairs), grouped by the depth of the pair's lowest common "
          "ancestor in WordNet (deeper = closer); normalization centroid-scale; unit: fraction; 95% percentile bootstrap "
          "intervals of the group mean (1000 replicates, seed 0).\n")
write_text("pairs-by-lca-depth.md", table)

summary = []
for alpha in ALPHAS:
    for split in SPLITS:
        pairs = reports[(alpha, split)]["pairs"]
        depth = [p["lca_depth"] for p in pairs]
        change = [p["change"] for p in pairs]
        close = [p["change"] for p in pairs if p["lca_depth"] >= 11]
        distant = [p["change"] for p in pairs if p["lca_depth"] <= 8]
        summary.append([f"{alpha}", split, f"{pearson(depth, change):+.3f}", f"{len(close)}", f"{mean(close):+.4f}",
                        f"{sum(c < 0 for c in close)}/{len(close)}", f"{len(distant)}", f"{mean(distant):+.4f}",
                        f"{sum(c > 0 for c in distant)}/{len(distant)}"])
text = markdown_table(["teacher α", "split", "corr(LCA depth, r)", "close pairs", "mean r (close)", "r < 0 (close)",
                       "distant pairs", "mean r (distant)", "r > 0 (distant)"], summary, align="llrrrrrrr")
text += ("\nTable: close = LCA depth ≥ 11, distant = LCA depth ≤ 8 (vertebrate or shallower); Pearson correlation over all "
         "780 pairs; T1 = 1 → T2 = 3; normalization centroid-scale; unit: fraction.\n")
write_text("pairs-summary.md", text)

# %% [markdown]
# ## The figure: mean change against LCA depth, one line per teacher (val)

# %%
for split in SPLITS:
    run("plot", "--pairs", out(f"pairs-ls0.0-T1-T3-{split}.json"), out(f"pairs-ls0.1-T1-T3-{split}.json"),
        "--title", f"Pairs of classes, T1 = 1 → T2 = 3 ({split}; MiniLab)", "-o", out(f"fig-pairs-{split}.png"))
