#!/usr/bin/env bash
# Build the libFuzzer targets and run each for N seconds (default 30): `Fuzz/run.sh [seconds] [target...]`.
# Needs Swift 6.x on Linux (the toolchain ships libclang_rt.fuzzer) and python3 with h5py/numpy
# for the seeds. Findings land in Fuzz/artifacts/<target>/ (crash-*, timeout-*, oom-*); the run
# exits non-zero when a target finds one. Working corpora grow in Fuzz/work/<target>/.
# FUZZ_SEED=N fixes libFuzzer's seed (the test command's short run uses 1, so that CI starts from
# the same mutations everywhere; fork mode's timed jobs still vary); unset, each run explores anew.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-30}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzDump FuzzWordNet FuzzFastPath FuzzCentroids FuzzProjection FuzzHierarchy)

# One product per build: given several --product options, SwiftPM builds only the last.
for target in "${targets[@]}"; do
    swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
        --product "$target" 2>&1 | tail -n 2
done
bin="$(swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --show-bin-path)"

# The dump reader reads a file's strings in penultimate-probe first, as the tools do (see
# FeatureStore/StringProbe.swift); it is built plainly in the root package and named here.
(cd .. && swift build -c debug --product penultimate-probe 2>&1 | tail -n 1)
export PENULTIMATE_PROBE="$(cd .. && swift build -c debug --show-bin-path)/penultimate-probe"

{ [ -d work/seeds/fastpath ] && [ -d work/seeds/projection ] && [ -d work/seeds/hierarchy ]; } || python3 make_seeds.py work/seeds
# Leaks inside libhdf5's global caches are not findings; libFuzzer's own -timeout catches hangs.
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
# Swift's own crash backtracer and ASan fight over the crashing thread's stack; let ASan report.
export SWIFT_BACKTRACE=enable=no
# One allocation of 2 GiB or more (for an input of at most 32 KB) is a finding with its stack; a
# process over 3 GiB is one without. The same limits for the replays, the run and the triage.
limits=(-rss_limit_mb=3072 -malloc_limit_mb=2048)
status=0
for target in "${targets[@]}"; do
    case "$target" in
        FuzzDump) seeds=work/seeds/dump; max_len=32768; extra=() ;;
        FuzzWordNet) seeds=work/seeds/wordnet; max_len=4096; extra=(-dict=wordnet.dict) ;;
        FuzzFastPath) seeds=work/seeds/fastpath; max_len=1024; extra=() ;;
        FuzzCentroids) seeds=work/seeds/centroids; max_len=32768; extra=() ;;
        FuzzProjection) seeds=work/seeds/projection; max_len=32768; extra=() ;;
        FuzzHierarchy) seeds=work/seeds/hierarchy; max_len=4096; extra=() ;;
        *) echo "run.sh: unknown target $target" >&2; exit 64 ;;
    esac
    mkdir -p "work/$target" "artifacts/$target"
    # First, deterministically: every seed and every committed regression input once. These must
    # all pass before any random input is tried (the regressions are files the fuzzer once broke).
    replay=("$seeds")
    [ "$target" = FuzzDump ] && replay+=(regressions)
    if ! "$bin/$target" -runs=0 -timeout=20 "${limits[@]}" "${replay[@]}" \
            > "work/$target.replay.log" 2>&1; then
        echo "== $target: replaying ${replay[*]} failed:"
        grep -E '^(==[0-9]+==ERROR|SUMMARY| +#[0-9]+ 0x)' "work/$target.replay.log" | head -n 20 | cut -c1-220
        status=1
        continue
    fi
    echo "== $target: replayed ${replay[*]}: all pass"
    echo "== $target: ${seconds}s"
    rc=0
    # Fork mode keeps fuzzing after a finding (each is saved under artifacts/); libhdf5's own
    # bugs on corrupt files would otherwise end every run at the first one.
    [ -x "$bin/$target" ] || { echo "run.sh: $bin/$target was not built" >&2; exit 70; }
    "$bin/$target" "work/$target" "$seeds" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$seconds" -timeout=20 "${limits[@]}" -max_len="$max_len" \
        -seed="${FUZZ_SEED:-0}" -artifact_prefix="artifacts/$target/" -print_final_stats=1 "${extra[@]}" \
        > "work/$target.log" 2>&1 || rc=$?
    grep -E '^(==[0-9]+==ERROR|SUMMARY|INFO: fuzzed for|INFO: exiting|#[0-9]+: cov)' "work/$target.log" | tail -n 12 || true
    # Triage: a finding whose first frame outside the sanitizer, libFuzzer and libc runtimes is
    # in libhdf5 is upstream (libhdf5 1.10.8 on a corrupt file; see README) and moves to
    # artifacts/<target>/libhdf5/; any other finding is ours and fails the run.
    ours=0; upstream=0
    mkdir -p "artifacts/$target/libhdf5"
    # slow-unit-* are inputs that took long but ended (a looping heap is waited out by the
    # string probe): not findings.
    for finding in $(find "artifacts/$target" -maxdepth 1 -type f ! -name 'slow-unit-*'); do
        frame=$("$bin/$target" -timeout=5 "${limits[@]}" "$finding" 2>&1 \
            | grep -E '^ +#[0-9]+ 0x' \
            | grep -vE 'sanitizer|compiler-rt|fuzzer::|libc\.so|__interceptor|___interceptor|in (memcpy|memmove|memset)' \
            | head -n 1 || true)
        if [[ "$frame" == *libhdf5* ]]; then
            upstream=$((upstream + 1)); mv "$finding" "artifacts/$target/libhdf5/"
        else
            ours=$((ours + 1)); echo "   finding $finding: ${frame:-no stack}" | cut -c1-220
        fi
    done
    echo "== $target: exit $rc; $ours finding(s) of ours in Fuzz/artifacts/$target/, $upstream in libhdf5 (artifacts/$target/libhdf5/)"
    [ "$ours" -eq 0 ] || status=1
done
exit "$status"
