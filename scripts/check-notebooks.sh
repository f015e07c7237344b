#!/usr/bin/env bash
# Reruns the notebooks notebooks-export/reproduce_*.py from Fixtures/ with the built tools and
# checks their outputs (tables, JSON, projection files, PNGs, each notebook's printed transcript)
# byte for byte against the committed ones in notebooks-export/outputs/.
#
#   bash scripts/check-notebooks.sh            rerun into a temporary folder, compare; exit 1 on any
#                                              difference, naming the files (what CI runs)
#   bash scripts/check-notebooks.sh --update   regenerate notebooks-export/outputs/
#   bash scripts/check-notebooks.sh --out DIR  run into DIR (e.g. out/), compare nothing
#
# Needs the release tools (swift build -c release) or PENULTIMATE_BIN=FOLDER, and python3 (the
# notebooks use the standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=check; target=""
case "${1:-}" in
  "") ;;
  --update) mode=update ;;
  --out) mode=out; target="${2:?--out needs a folder}" ;;
  -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--update | --out DIR]" >&2; exit 64 ;;
esac

bin="${PENULTIMATE_BIN:-.build/release}"
for tool in project plot eta accuracy geometry; do
  [ -x "$bin/$tool" ] || { echo "check-notebooks: $bin/$tool not found; build first: swift build -c release" >&2; exit 1; }
done
python=python3; [ -x .venv/bin/python3 ] && python=.venv/bin/python3

# In dependency order; reproduce_results.py reads the others' outputs.
notebooks=(reproduce_teacher_figure reproduce_student_figure reproduce_eta reproduce_accuracy reproduce_pairs reproduce_results reproduce_geometry)
committed=notebooks-export/outputs

# dump_torchvision.py needs PyTorch and torchvision (scripts/requirements-torch.txt). Without them it
# is left out of the rerun and of the comparison, unless PENULTIMATE_REQUIRE_TORCH is set (CI).
exclude=()
if "$python" -c "import torch, torchvision" 2>/dev/null || [ "${PENULTIMATE_REQUIRE_TORCH:-0}" != 0 ]; then
  notebooks+=(dump_torchvision)
elif [ "$mode" = update ]; then
  echo "check-notebooks: --update needs PyTorch for dump_torchvision.py (pip install -r scripts/requirements-torch.txt)" >&2
  exit 1
else
  echo "check-notebooks: PyTorch not installed: dump_torchvision.py not rerun" >&2
  exclude=(-x "dump_torchvision.*")
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
case "$mode" in
  out) mkdir -p "$target"; dest="$(cd "$target" && pwd)"; find "$dest" -mindepth 1 -delete ;;
  *) dest="$tmp/outputs"; mkdir -p "$dest" ;;
esac

for nb in "${notebooks[@]}"; do
  start=$EPOCHREALTIME
  # The transcript (what the notebook prints) is one of the rendered outputs.
  if ! PENULTIMATE_BIN="$bin" PENULTIMATE_OUT="$dest" "$python" "notebooks-export/$nb.py" >"$dest/$nb.txt" 2>"$tmp/$nb.err"; then
    cat "$tmp/$nb.err" >&2
    echo "check-notebooks: notebooks-export/$nb.py failed" >&2
    exit 1
  fi
  awk -v n="$nb" -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%-26s %6.1f s\n", n, b - a }' >&2
done

case "$mode" in
  update)
    rm -rf "$committed"
    cp -r "$dest" "$committed"
    echo "updated $committed/ ($(ls "$committed" | wc -l) files)"
    ;;
  out)
    echo "outputs in $target/ ($(ls "$dest" | wc -l) files)"
    ;;
  check)
    if diff -rq "${exclude[@]}" "$committed" "$dest" >"$tmp/diff.txt"; then
      echo "notebooks: all $(ls "$dest" | wc -l) outputs identical to $committed/"
    else
      echo "notebooks: outputs differ from $committed/ (rerun: bash scripts/check-notebooks.sh --update, then review git diff):" >&2
      sed -e "s|$dest|<rerun>|g" "$tmp/diff.txt" >&2
      exit 1
    fi
    ;;
esac
