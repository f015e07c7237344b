#!/usr/bin/env bash
# Tunes the mini-lab's simulated data: trains with the given knobs (minilab tune), then reads η
# of each student at T = 2, 3, 64 against its T = 1 sibling with eta (retrievers and snakes,
# centroid-scale, train and val). What used to be an opt-in test with its own η code.
#
#   bash scripts/minilab-tune.sh DIR [minilab tune options: --epochs N --noise X --seed N ...]
#
# Needs the built tools (swift build -c release, or PENULTIMATE_BIN=FOLDER).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:?usage: $0 DIR [minilab tune options]}"; shift
bin="${PENULTIMATE_BIN:-.build/release}"
for tool in minilab eta; do
  [ -x "$bin/$tool" ] || { echo "minilab-tune: $bin/$tool not found; build first: swift build -c release" >&2; exit 1; }
done

"$bin/minilab" tune -o "$dir" "$@"
for alpha in 0.0 0.1; do
  for t in 2 3 64; do
    echo "== student of the α = $alpha teacher: η of T = $t against T = 1"
    "$bin/eta" --t1 "$dir/student-ls$alpha-T1.h5" --t2 "$dir/student-ls$alpha-T$t.h5"
  done
done
