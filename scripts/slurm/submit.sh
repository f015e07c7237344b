#!/usr/bin/env bash
# Submits the centroid job array (one `eta centroids` pass per dump or shard) and the merge that
# depends on it. Prints the two job ids; the results land in OUT (see merge.sbatch).
#
#   scripts/slurm/submit.sh -o OUT [options] FILE_OR_GLOB...
#   scripts/slurm/submit.sh -o OUT [options] --list LIST     # LIST: one dump or shard path a line
#
# Give every shard of every student of one teacher at once (e.g. 'runs/*/student_T*.rank*.h5',
# quoted or not): the merge groups the centroid files by their kd_temperature attribute, and `eta`
# refuses to sum files that describe different models (so submit each teacher's students apart).
#
# Options:
#   -o, --out DIR        run folder (created): inputs.txt, logs/, status/, centroids/, results;
#                        reusing one clears its old statuses, centroid files and results
#   -l, --list FILE      read the dump paths from FILE instead of arguments
#   --splits "S ..."     splits to average (default "train val")
#   --normalize MODE     none, unit or centroid-scale (default)
#   --eta-options "..."  extra options for the merge's eta, e.g. "--percent --targets all"
#   --bin DIR            folder holding eta and plot (default: this checkout's .build/release if
#                        built, else whatever PATH finds on the compute nodes)
#   --max-parallel N     run at most N array tasks at once (--array=...%N)
#   --wait               wait for the merge and exit with its status
#   -- ARGS...           any further arguments go to both sbatch calls (e.g. --partition=cpu)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0; }
die() { echo "submit: $*" >&2; exit "${code:-64}"; }
value() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (see --help)"; }

out="" list="" splits="train val" normalize="centroid-scale" options="" bin="" parallel="" wait=0
inputs=() sbatch_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -o|--out) value "$@"; out="$2"; shift 2 ;;
    -l|--list) value "$@"; list="$2"; shift 2 ;;
    --splits) value "$@"; splits="$2"; shift 2 ;;
    --normalize) value "$@"; normalize="$2"; shift 2 ;;
    --eta-options) [ $# -ge 2 ] || die "$1 needs a value"; options="$2"; shift 2 ;;
    --bin) value "$@"; bin="$2"; shift 2 ;;
    --max-parallel) value "$@"; parallel="$2"; shift 2 ;;
    --wait) wait=1; shift ;;
    -h|--help) usage ;;
    --) shift; sbatch_args=("$@"); break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) inputs+=("$1"); shift ;;
  esac
done
[ -n "$out" ] || die "missing -o OUT (see --help)"
command -v sbatch >/dev/null || { code=69; die "sbatch not found: run this on a Slurm login node"; }

# The dump list, absolute paths in a stable order: array index i is line i + 1.
paths=()
if [ -n "$list" ]; then
  [ ${#inputs[@]} -eq 0 ] || die "give --list or files, not both"
  [ -r "$list" ] || { code=66; die "$list: cannot read"; }
  while IFS= read -r line || [ -n "$line" ]; do
    [ -n "$line" ] && [ "${line:0:1}" != "#" ] && paths+=("$line")
  done < "$list"
else
  for pattern in "${inputs[@]}"; do
    # An unquoted glob arrives expanded; a quoted one is expanded here (sorted by the shell),
    # without splitting names at spaces.
    # shellcheck disable=SC2206
    saved_ifs="$IFS"; IFS=""
    matches=($pattern)
    IFS="$saved_ifs"
    [ -e "${matches[0]}" ] || { code=66; die "$pattern: no such file"; }
    paths+=("${matches[@]}")
  done
fi
[ ${#paths[@]} -gt 0 ] || die "no dump given (see --help)"
mkdir -p "$out/logs" "$out/status" "$out/centroids"
out="$(cd "$out" && pwd)"
# A folder used before: its statuses, centroid files and results must not pass for this run's
# (a task that never starts would otherwise leave an old "0" and an old file for the merge).
rm -f "$out"/status/* "$out"/centroids/*.h5 "$out"/eta-sweep.md "$out"/eta-sweep.json "$out"/eta.png
: > "$out/inputs.txt.tmp"
for p in "${paths[@]}"; do
  [ -f "$p" ] || { code=66; die "$p: no such file"; }
  case "$p" in *$'\n'*) die "$p: a newline in a file name cannot go in the list" ;; esac
  printf '%s\n' "$(cd "$(dirname "$p")" && pwd)/$(basename "$p")" >> "$out/inputs.txt.tmp"
done
[ "$(sort "$out/inputs.txt.tmp" | uniq -d | wc -l)" = 0 ] || { code=64; die "a file is listed twice"; }
# A manifest NAME.h5 and its shards NAME.rank*.h5 (a glob such as 'NAME*.h5' catches both) hold
# the same rows: summing both would count every row twice.
while IFS= read -r p; do
  case "$p" in
    *.rank[0-9]*.h5)
      manifest="${p%.rank[0-9]*.h5}.h5"
      if grep -qxF "$manifest" "$out/inputs.txt.tmp"; then
        code=64; die "$manifest looks like the manifest of $p, which is also listed; give the shards or the manifest, not both"
      fi ;;
  esac
done < "$out/inputs.txt.tmp"
mv "$out/inputs.txt.tmp" "$out/inputs.txt"
count=${#paths[@]}

if [ -z "$bin" ] && [ -x "$here/../../.build/release/eta" ]; then bin="$here/../../.build/release"; fi
[ -z "$bin" ] || bin="$(cd "$bin" && pwd)"

export ETA_OUT="$out" ETA_SPLITS="$splits" ETA_NORMALIZE="$normalize" ETA_OPTIONS="$options" \
       ETA_LOGS="$out/logs" PENULTIMATE_BIN="$bin"
array="0-$((count - 1))${parallel:+%$parallel}"
array_job="$(sbatch --parsable --export=ALL --array="$array" --output="$out/logs/centroids.%a.log" \
             --chdir="$out" "${sbatch_args[@]}" "$here/centroids.sbatch")"
array_job="${array_job%%;*}"
merge_args=(--parsable --export=ALL --dependency="afterany:$array_job" --output="$out/logs/merge.log"
            --chdir="$out" "${sbatch_args[@]}")
[ "$wait" = 0 ] || merge_args+=(--wait)
echo "submit: $count files; centroid array job $array_job ($array), logs in $out/logs" >&2
if [ "$wait" = 0 ]; then
  merge_job="$(sbatch "${merge_args[@]}" "$here/merge.sbatch")"
  echo "submit: merge job ${merge_job%%;*} after it; results in $out" >&2
  echo "$array_job ${merge_job%%;*}"
else
  status=0
  sbatch "${merge_args[@]}" "$here/merge.sbatch" || status=$?
  echo "submit: merge finished with status $status; see $out/logs/merge.log" >&2
  exit "$status"
fi
