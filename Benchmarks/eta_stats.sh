#!/usr/bin/env bash
# Side-by-side timings of eta's statistics on the ImageNet-size pair (issue #12), each run under
# /usr/bin/time -v, ROUNDS rounds interleaved; prints one line per run (wall s, peak RSS MiB) and
# the load average after each round. The two --targets all rows run in the first round only
# (ALL_ROUNDS=1: every round): eta's takes minutes, numpy's tens of minutes (NUMPY_ALL=0 skips it).
#   bash Benchmarks/eta_stats.sh [ROUNDS]   (needs: python3 Benchmarks/make_dumps.py Benchmarks/data --eta-pair,
#                                             swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
D=Benchmarks/data; E=.build/release/eta
T1=$D/eta-T1-1281167x512-f32.h5; T3=$D/eta-T3-1281167x512-f32.h5
PY=${PYTHON:-.venv/bin/python3}
run() {  # label, command...
    local label=$1; shift
    local log; log=$(mktemp)
    /usr/bin/time -v "$@" > /dev/null 2> "$log" || { echo "$label FAILED"; tail -3 "$log"; rm -f "$log"; return; }
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
    rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$log")
    printf '%-40s %8.2f s %6s MiB   load %s\n' "$label" "$wall" "$rss" "$(cut -d' ' -f1 /proc/loadavg)"
    rm -f "$log"
}
SETS=$(mktemp --suffix=.json); OUT=$(mktemp -d); trap 'rm -rf "$SETS" "$OUT"' EXIT
# The S1/S2 members of every target, for the numpy --targets all baseline (not timed).
"$E" --t1 "$T1" --t2 "$T3" --split train --targets all --list-members --format json > "$SETS" 2>/dev/null
echo "# $(date -u +%FT%TZ) $(uname -n) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) (family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | xargs) model $(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2 | xargs)), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# OpenBLAS core eta runs: $(OPENBLAS_VERBOSE=2 "$E" --t1 Fixtures/minilab/student-ls0.1-T1.h5 --t2 Fixtures/minilab/student-ls0.1-T3.h5 --bootstrap 2 2>&1 >/dev/null | grep -m1 '^Core:' || echo '?')"
for r in $(seq "$ROUNDS"); do
    run "cat both" cat "$T1" "$T3"
    run "eta ten targets (train)" "$E" --t1 "$T1" --t2 "$T3" --split train
    run "eta ten targets --bootstrap 1000" "$E" --t1 "$T1" --t2 "$T3" --split train --bootstrap 1000 --seed 1
    run "eta ten targets --bootstrap 1000 --paired" "$E" --t1 "$T1" --t2 "$T3" --split train --bootstrap 1000 --seed 1 --paired
    run "numpy matrix-product bootstrap 1000" "$PY" Benchmarks/baselines/numpy_bootstrap.py "$T1" "$T3" -B 1000 --seed 1
    run "cat one" cat "$T1"
    run "eta centroids (one dump)" "$E" centroids "$T1" --split train -o "$OUT"/centroids.h5
    run "geometry (one dump)" .build/release/geometry "$T1" --split train -o "$OUT"/geometry.md
    run "eta pairs (no bootstrap)" "$E" pairs --t1 "$T1" --t2 "$T3" --split train -o "$OUT"/pairs.md
    if [ "$r" = 1 ] || [ "${ALL_ROUNDS:-0}" = 1 ]; then  # minutes (numpy: tens of minutes): first round only unless ALL_ROUNDS=1
        run "eta --targets all --bootstrap 1000" "$E" --t1 "$T1" --t2 "$T3" --split train --targets all --bootstrap 1000 --seed 1
        [ "${NUMPY_ALL:-1}" = 0 ] || run "numpy --targets all bootstrap 1000" "$PY" Benchmarks/baselines/numpy_bootstrap_all.py "$T1" "$T3" "$SETS" -B 1000 --seed 1
    fi
    echo "# load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
