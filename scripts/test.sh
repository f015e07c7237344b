#!/usr/bin/env bash
# The whole test suite: Swift unit and end-to-end tests (real HDF5 files, real PNGs, numpy
# cross-checks, the bad-input corpus), the Python writer's tests, and a rerun of the exported
# notebooks that fails if any committed table or figure changes.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

# The tests run in parallel threads of one process that also starts children (python3 with h5py,
# the string probe). libhdf5 locks every open file with flock, and a child started while another
# test held a file open inherits that lock, so the test's own reopen can fail with EAGAIN. No two
# processes of the suite ever share a file on purpose, so locking is off for the tests (libhdf5
# >= 1.10.7 and h5py both read this variable); the tools keep it on.
export HDF5_USE_FILE_LOCKING=FALSE
# The PyTorch tests (the writer's torch helpers, DDP dumps, the torchvision notebook) fail instead
# of skipping when torch is missing: setup.sh installs it.
export PENULTIMATE_REQUIRE_TORCH="${PENULTIMATE_REQUIRE_TORCH:-1}"

echo "== swift test"
# Passing tests are summarised by the closing line; everything else (failures, issues) is shown.
mkdir -p .build
status=0
swift test >.build/swift-test.log 2>&1 || status=$?
grep -vE '^\[[0-9]+/[0-9]+\] |^(􀟈|✔) |^Test Suite .* (started|passed)|^Test Case .* (started|passed)' .build/swift-test.log || true
grep -E '^. Test run with [0-9]+ tests? ' .build/swift-test.log || true   # the closing line
[ "$status" -eq 0 ] || { echo "swift test failed (exit $status); full log: .build/swift-test.log"; exit "$status"; }

# The Slurm job-array workflow (scripts/slurm/) on a one-node Slurm started and stopped here; it
# installs slurm-wlm and munge, so only as root. PENULTIMATE_SKIP_SLURM=1 skips it.
if [ "${PENULTIMATE_SKIP_SLURM:-0}" = 0 ] && [ "$(id -u)" = 0 ]; then
  echo "== slurm: the job-array workflow on a one-node Slurm"
  bash scripts/slurm-test.sh
elif [ "${PENULTIMATE_SKIP_SLURM:-0}" = 0 ]; then
  echo "== slurm: skipped (needs root to install and run slurmd)"
fi

echo "== python tests (writer, corpus generator, notebook format)"
python3 -m pytest -q Tests/Python

# The one rerun of the notebooks (reproduce_*.py, and dump_torchvision.py with PyTorch): no pytest
# test reruns them again. It uses the tools setup.sh just built.
echo "== notebooks: rerun from Fixtures/ and compare with the committed outputs"
PENULTIMATE_BIN="${PENULTIMATE_BIN:-.build/${PENULTIMATE_CONFIGURATION:-release}}" bash scripts/check-notebooks.sh

if [ -f Fuzz/run.sh ] && [ "${PENULTIMATE_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzz: a short run of each target"
  FUZZ_SEED="${FUZZ_SEED:-1}" bash Fuzz/run.sh "${PENULTIMATE_FUZZ_SECONDS:-20}"
fi
echo "== all tests passed"
