#!/usr/bin/env bash
# The whole story from the committed fixtures: set up (apt packages, .venv, release build), then
# run the notebooks notebooks-export/reproduce_*.py end to end into out/ (git-ignored, so a run
# never changes the repository) and say where the tables and figures are.
#
#   bash scripts/demo.sh              set up, then run (a couple of minutes after the build)
#   PENULTIMATE_SKIP_SETUP=1 bash scripts/demo.sh   run only (tools already built)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${PENULTIMATE_SKIP_SETUP:-0}" != 1 ]; then
  echo "== setup (scripts/setup.sh: apt packages, .venv, swift build -c release)"
  bash scripts/setup.sh
fi

echo "== notebooks: Fixtures/minilab -> out/"
start=$SECONDS
bash scripts/check-notebooks.sh --out out
echo "== done in $((SECONDS - start)) s"
cat <<'TEXT'

Results (MiniLab fixtures; the committed copies are in notebooks-export/outputs/):
  out/RESULTS.md                          what came out, against the paper's pattern
  out/accuracy.md                         Top-1 / Top-5 table (val), out/accuracy-paper-comparison.md
  out/eta-ls0.1-T1-T3.md                  η table, LS teacher (fractions; -percent.md in percent)
  out/eta-ls0.0-T1-T3.md                  η table, plain teacher
  out/eta-paper-comparison.md             paper / ours, percent
  out/eta-sweep-ls0.1.md, -ls0.0.md       η for T2 = 2, 3, 64; out/eta-sweep-summary.md
  out/fig-teacher-*.png                   teachers w/o and w/ LS (qr-pca and Müller projections)
  out/fig-students-*-qr-pca.png           students, T = 1 / 3 x train/val x teacher w/o / w/ LS
  out/fig-eta-*.png, out/fig-accuracy.png η bars and accuracy against T
  out/geometry-summary.md, out/fig-geometry-*.png   class tightness (mean s/d, within/between) across T
  out/reproduce_*.txt                     what each notebook printed, with the commands it ran
TEXT
