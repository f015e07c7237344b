#!/usr/bin/env bash
# Runs the Slurm job-array workflow (scripts/slurm/) on a real one-node Slurm started here, as root:
#  1. installs Debian's slurm-wlm and munge if missing (the only change it leaves behind);
#  2. starts a private munged, slurmctld and slurmd whose configuration, key, sockets, state,
#     spool and logs all live in one temporary folder, on free ports (nothing in /etc is read or
#     written, and a Slurm or munge already running here is left alone);
#  3. writes a sharded dump (3 ranks of uneven size, students at T = 1, 2, 3, the retriever and
#     snake classes), submits the centroid array and the merge with scripts/slurm/submit.sh, waits,
#     and checks that the merged η equals, bit for bit, `eta` run directly on the shard files;
#  4. submits again with one shard corrupt, and once with one array task cancelled before it ran,
#     and checks that the merge fails with one line naming that shard and writes no table;
#  5. stops the daemons it started (by PID), removes the temporary folder.
# A trap does step 5 on any failure or interrupt. Every wait has a timeout.
#
#   bash scripts/slurm-test.sh        (root; the tools built: swift build -c release, or PENULTIMATE_BIN)
#   PENULTIMATE_SLURM_KEEP=1 ...      keep the temporary folder for a look (daemons are still stopped)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

say() { echo "slurm-test: $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (to install packages and run slurmd); skip with PENULTIMATE_SKIP_SLURM=1"
bin="${PENULTIMATE_BIN:-$repo/.build/${PENULTIMATE_CONFIGURATION:-release}}"
bin="$(cd "$bin" && pwd)"
for tool in eta plot; do
  [ -x "$bin/$tool" ] || fail "$bin/$tool not found; build first: swift build -c release"
done
python=python3; [ -x .venv/bin/python3 ] && python="$repo/.venv/bin/python3"
"$python" -c 'import h5py, numpy' 2>/dev/null || fail "$python lacks numpy/h5py (run scripts/setup.sh)"

# --- 1. packages ------------------------------------------------------------------------------
missing=()
for p in slurm-wlm munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq || fail "apt-get update failed (PENULTIMATE_SKIP_SLURM=1 skips this test)"
  timeout 600 apt-get install -y -qq "${missing[@]}" >/dev/null || fail "apt-get install ${missing[*]} failed (PENULTIMATE_SKIP_SLURM=1 skips this test)"
fi
for cmd in munged mungekey slurmctld slurmd slurmstepd sbatch squeue scontrol scancel setpriv; do
  command -v "$cmd" >/dev/null || fail "$cmd not found after installing slurm-wlm and munge"
done
id munge >/dev/null 2>&1 || fail "no user munge (the munge package creates it)"

# --- 2. a private cluster ---------------------------------------------------------------------
tmp="$(mktemp -d /tmp/penultimate-slurm.XXXXXX)"
chmod 755 "$tmp"            # munged (user munge) must reach its socket folder
pids=()                     # daemons started here, stopped in reverse order
stepds_before="$(pgrep -x slurmstepd | sort || true)"   # another Slurm's job steps, left alone
export SLURM_CONF="$tmp/slurm.conf"
# Every process started for this run (daemons, slurmstepd, job steps) carries this variable, so
# the cleanup can find stragglers that detached from their parents, and only those.
marker="PENULTIMATE_SLURM_TEST=$tmp"

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  if [ ${#pids[@]} -gt 1 ] && kill -0 "${pids[1]}" 2>/dev/null; then
    # Our own cluster (SLURM_CONF): every job on it is one of ours. At most ~15 s.
    timeout 5 scancel --quiet --user=root >/dev/null 2>&1
    local deadline=$((SECONDS + 10))
    while [ $SECONDS -lt $deadline ] && [ -n "$(timeout 2 squeue -h 2>/dev/null)" ]; do sleep 0.5; done
  fi
  local i pid
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid="${pids[$i]}"
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null && say "killed $pid, which ignored SIGTERM"
    wait "$pid" 2>/dev/null
  done
  # Detached children (slurmstepd, job scripts) that outlived slurmd: by marker, by PID.
  for pid in $(grep -lsz -F -x "$marker" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); do
    [ "$pid" = $$ ] || { kill -KILL "$pid" 2>/dev/null && say "killed straggler $pid ($(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null))"; }
  done
  # slurmstepd's of our jobs end as zombies that init reaps a moment later: wait (at most 10 s)
  # until no slurmstepd is left that was not there before, so the machine is as we found it.
  local deadline=$((SECONDS + 10))
  while [ $SECONDS -lt $deadline ] && [ "$(pgrep -x slurmstepd | sort)" != "$stepds_before" ]; do sleep 0.5; done
  if [ "${PENULTIMATE_SLURM_KEEP:-0}" = 1 ]; then say "kept $tmp"; else rm -rf "$tmp"; fi
  [ "$status" = 0 ] || say "failed (exit $status); daemons stopped"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Prints the last lines of a log, for failures.
show() { [ -f "$1" ] && { echo "---- $1 (last lines)"; tail -n "${2:-15}" "$1"; echo "----"; } >&2 || true; }

free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# munge: its own key, socket and log in the temporary folder.
mkdir -m 700 "$tmp/munge"; mkdir -m 755 "$tmp/munge-run"
chown munge:munge "$tmp/munge" "$tmp/munge-run"
as_munge() { setpriv --reuid=munge --regid=munge --init-groups "$@"; }
as_munge mungekey --create --keyfile="$tmp/munge/munge.key" || fail "mungekey failed"
socket="$tmp/munge-run/munge.socket"
env "$marker" setpriv --reuid=munge --regid=munge --init-groups \
  munged --foreground --socket="$socket" --key-file="$tmp/munge/munge.key" \
  --log-file="$tmp/munge/munged.log" --pid-file="$tmp/munge/munged.pid" --seed-file="$tmp/munge/munged.seed" \
  >"$tmp/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$socket" ] && break; kill -0 "${pids[0]}" 2>/dev/null || break; sleep 0.2; done
munge -S "$socket" -n 2>/dev/null | unmunge -S "$socket" >/dev/null 2>&1 \
  || { show "$tmp/munged.out"; fail "munged did not start"; }

node="$(hostname -s)"
hardware="$(slurmd -C | head -n 1)"          # NodeName=... CPUs=... RealMemory=...
case "$hardware" in NodeName=*CPUs=*RealMemory=*) ;; *) fail "slurmd -C printed '$hardware'" ;; esac
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/log"
ctld_port="$(free_port)"; slurmd_port="$(free_port)"
while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port="$(free_port)"; done
: > "$tmp/plugstack.conf"
cat > "$SLURM_CONF" <<EOF
# A one-node cluster for scripts/slurm-test.sh; everything under $tmp.
ClusterName=penultimate-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
PlugStackConfig=$tmp/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MinJobAge=600
$hardware NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
env "$marker" slurmctld -D -i -f "$SLURM_CONF" >"$tmp/log/slurmctld.out" 2>&1 &
pids+=($!)
env "$marker" slurmd -D -f "$SLURM_CONF" >"$tmp/log/slurmd.out" 2>&1 &
pids+=($!)
ready=0
deadline=$((SECONDS + 30))
while [ $SECONDS -lt $deadline ]; do
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { show "$tmp/log/slurmctld.log"; show "$tmp/log/slurmd.log"; fail "a daemon exited at start"; }; done
  state="$(timeout 2 sinfo -h -n "$node" -o %t 2>/dev/null || true)"
  case "$state" in idle*|mix*|alloc*) ready=1; break ;; esac
  sleep 0.5
done
[ "$ready" = 1 ] || { show "$tmp/log/slurmctld.log"; show "$tmp/log/slurmd.log"; fail "node $node not idle after 30 s (state '$state')"; }
say "one-node Slurm up on $node (munged ${pids[0]}, slurmctld ${pids[1]}, slurmd ${pids[2]})"

# --- 3. the workflow on a sharded dump --------------------------------------------------------
data="$tmp/data"
"$python" scripts/slurm/make_sharded_dumps.py "$data" --world 3 --temperatures 1,2,3 --train 301 --val 121 >/dev/null
[ "${PENULTIMATE_SLURM_TEST_FAIL:-}" != after-start ] || fail "simulated failure (PENULTIMATE_SLURM_TEST_FAIL=after-start)"

# These run in this shell, not in $(...), so that a failure or a signal stops the test at once.
# submit RUN ARGS... [-- SBATCH_OPTIONS...]: submit.sh into folder RUN; sets array_job, merge_job.
submit() {
  local run="$1" ids extra=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do extra+=("$1"); shift; done
  [ $# -eq 0 ] || shift
  ids="$(env "$marker" bash scripts/slurm/submit.sh -o "$run" --bin "$bin" "${extra[@]}" -- --time=5 --mem=500M "$@")" \
    || fail "submit.sh failed"
  read -r array_job merge_job <<<"$ids"
  [ -n "$merge_job" ] || fail "submit.sh printed no job ids"
}

# wait_merge RUN: waits (at most 120 s) for $merge_job to end; sets merge_code to its exit code.
wait_merge() {
  local state="" deadline=$((SECONDS + 120))
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "${pids[1]}" 2>/dev/null && kill -0 "${pids[2]}" 2>/dev/null \
      || { show "$tmp/log/slurmctld.log"; show "$tmp/log/slurmd.log"; fail "slurmctld or slurmd died while job $merge_job was waiting"; }
    state="$(timeout 2 scontrol -o show job "$merge_job" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 || true)"
    case "$state" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;; esac
    sleep 0.5
  done
  case "$state" in
    COMPLETED|FAILED) ;;
    *) timeout 5 squeue >&2 || true; show "$1/logs/merge.log"; fail "merge job $merge_job (after array $array_job) ended as '$state' or not within 120 s" ;;
  esac
  merge_code="$(timeout 5 scontrol -o show job "$merge_job" | grep -o ' ExitCode=[0-9]*' | cut -d= -f2)"
}

start=$SECONDS
submit "$tmp/run1" "$data/*.h5"
wait_merge "$tmp/run1"
[ "$merge_code" = 0 ] || { show "$tmp/run1/logs/merge.log"; show "$tmp/run1/logs/centroids.0.log"; fail "merge exited $merge_code on the good dump"; }
for f in eta-sweep.md eta-sweep.json; do [ -s "$tmp/run1/$f" ] || fail "merge left no $f"; done
say "good dump: 9 shards x 2 splits merged in $((SECONDS - start)) s"

# A manifest caught by the same glob as its shards would count every row twice: refused at once.
mkdir "$tmp/with-manifest"
cp "$data"/student_T1.rank*.h5 "$tmp/with-manifest/"; cp "$data/student_T1.rank0.h5" "$tmp/with-manifest/student_T1.h5"
code=0; bash scripts/slurm/submit.sh -o "$tmp/run-manifest" --bin "$bin" "$tmp/with-manifest/*.h5" 2>"$tmp/manifest.err" || code=$?
[ "$code" = 64 ] && grep -q "student_T1.h5 looks like the manifest of" "$tmp/manifest.err" \
  || { cat "$tmp/manifest.err" >&2; fail "submit.sh accepted a manifest with its shards (exit $code)"; }

# The merged η must equal eta run directly on the shard files, T1 = 1 against each T2.
for t2 in 2 3; do
  "$bin/eta" --t1 "$data"/student_T1.rank*.h5 --t2 "$data"/student_T"$t2".rank*.h5 --split train,val \
    --format json -o "$tmp/direct_T$t2.json" || fail "eta on the shard files (T2 = $t2) failed"
done
# Compares the rows of MERGED with those of the DIRECT reports: same keys, the same numbers to the
# bit. (These shards are small, so both ways add the rows in the same order; on large files read
# by several workers the order, and so the last bits, may differ unless the pass sums per shard.)
compare() { "$python" - "$@" <<'EOF'

import json, sys
merged = json.load(open(sys.argv[1]))["rows"]
direct = [row for path in sys.argv[2:] for row in json.load(open(path))["rows"]]
key = lambda r: (r["split"], r["target"], r["t2"])
numbers = lambda r: {k: v for k, v in r.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
m, d = {key(r): r for r in merged}, {key(r): r for r in direct}
if sorted(m) != sorted(d) or not m:
    sys.exit(f"rows differ: merged {sorted(m)[:3]}..., direct {sorted(d)[:3]}...")
worst, unequal, compared = 0.0, 0, 0
for k in m:
    a, b = numbers(m[k]), numbers(d[k])
    if a.keys() != b.keys():
        sys.exit(f"{k}: fields differ: {sorted(a)} vs {sorted(b)}")
    for f in a:
        compared += 1
        if a[f] != b[f]:
            unequal += 1
            worst = max(worst, abs(a[f] - b[f]) / max(abs(b[f]), 1e-300))
print(f"slurm-test: {len(m)} rows, {compared} numbers: {compared - unequal} bitwise equal, "
      f"max relative difference {worst:.3g}", file=sys.stderr)
if unequal:
    sys.exit("the merged centroid files must give the same bits as the shard files read together")
EOF
}
compare "$tmp/run1/eta-sweep.json" "$tmp/direct_T2.json" "$tmp/direct_T3.json" || fail "merged and direct η differ"

# Two temperatures from a list file (any order, comments allowed): the merge also draws the chart.
{ echo "# T = 3 and T = 1, ranks shuffled"; ls "$data"/student_T3.rank*.h5 "$data"/student_T1.rank*.h5 | sort -r; } > "$tmp/list.txt"
# (and submit.sh --wait, which returns the merge's status).
# In the background, so that a signal to this script is handled at once (bash defers traps while
# a foreground command runs); the marker lets the cleanup end it.
env "$marker" timeout 180 bash scripts/slurm/submit.sh -o "$tmp/run-list" --bin "$bin" --list "$tmp/list.txt" --wait \
  -- --time=5 --mem=500M >/dev/null &
code=0; wait $! || code=$?
[ "$code" = 0 ] || { show "$tmp/run-list/logs/merge.log"; fail "submit.sh --wait exited $code on the list of two students"; }
[ "$(head -c 8 "$tmp/run-list/eta.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "the merge drew no eta.png"
compare "$tmp/run-list/eta-sweep.json" "$tmp/direct_T3.json" || fail "merged (list) and direct η differ"
say "list of 6 shards of two students: table and chart"

# --- 4. one corrupt shard: the merge must fail naming it, and write no table -------------------
bad="$tmp/data-bad"
cp -r "$data" "$bad"
victim="$bad/student_T2.rank1.h5"
truncate -s 4000 "$victim"
submit "$tmp/run2" "$bad/*.h5"
wait_merge "$tmp/run2"
code=$merge_code
log="$tmp/run2/logs/merge.log"
[ "$code" != 0 ] || { show "$log"; fail "merge exited 0 with a corrupt shard"; }
[ "$(grep -c . "$log")" = 1 ] || { show "$log"; fail "the merge's log is not one line"; }
grep -q -F "$victim" "$log" || { show "$log"; fail "the merge's error does not name $victim"; }
for f in eta-sweep.md eta-sweep.json eta.png; do [ ! -e "$tmp/run2/$f" ] || fail "the failed merge left $f"; done
say "corrupt shard: merge exit $code: $(cat "$log")"

# --- 5. a task that never ran (cancelled, as a time or memory limit would end it) ----------------
submit "$tmp/run3" "$data/*.h5" -- --hold
timeout 10 scancel "${array_job}_4" || fail "scancel ${array_job}_4 failed"
timeout 10 scontrol release "$array_job" "$merge_job" || fail "scontrol release failed"
wait_merge "$tmp/run3"
code=$merge_code
log="$tmp/run3/logs/merge.log"
[ "$code" != 0 ] && [ "$(grep -c . "$log")" = 1 ] && grep -q "task 4 ($data/student_T2.rank1.h5) left no status" "$log" \
  || { show "$log"; fail "the merge did not report the cancelled task 4 (exit $code)"; }
[ ! -e "$tmp/run3/eta-sweep.json" ] || fail "the merge wrote a table without task 4"
say "cancelled task: merge exit $code: $(cat "$log")"
say "passed in $SECONDS s"
