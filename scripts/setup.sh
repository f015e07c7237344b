#!/usr/bin/env bash
# Installs everything penultimate needs on Debian 12, then builds it. Idempotent: safe to rerun.
# Needs: a Swift 6.x toolchain on PATH (swift.org's Debian 12 build); root or sudo for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(
  pkg-config
  libhdf5-dev hdf5-tools        # the dump format (libhdf5 1.10.8) and h5dump/h5repack for users
  libpng-dev libcairo2-dev      # figures: drawing through Cairo, PNG through libpng
  fonts-dejavu-core fonts-liberation2
  wordnet-base                  # WordNet 3.0 noun database for S1/S2 selection
  libopenblas-dev               # matrix products of the mini-lab's training
  python3 python3-venv          # numpy/h5py cross-checks in the tests
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# A private Python environment for the independent numerical references (numpy, h5py).
if [ ! -x .venv/bin/python3 ]; then
  python3 -m venv .venv
fi
# pip unpacks wheels in a scratch folder inside the project, not /tmp (which may be a small tmpfs),
# and keeps no cache (a second copy of every wheel that a fresh machine never reuses).
pip_install() {
  mkdir -p .build/pip-scratch
  TMPDIR="$PWD/.build/pip-scratch" .venv/bin/python3 -m pip install -q --disable-pip-version-check --no-cache-dir "$@"
  rm -rf .build/pip-scratch
}
# Whether every `name==version` pin of a requirements file is installed already.
pins_installed() {
  .venv/bin/python3 - "$1" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
for line in open(sys.argv[1]):
    pin = line.split("#")[0].strip()
    if "==" not in pin:
        continue
    name, wanted = (part.strip() for part in pin.split("=="))
    try:
        if version(name) != wanted:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
}
pins_installed scripts/requirements.txt || pip_install -r scripts/requirements.txt
# PyTorch (CPU use) for the writer's torch tests and the torchvision notebook: from PyPI, with the
# CUDA runtime wheels it needs (the PyTorch CPU index is not reachable), from a lock file without
# dependency resolution (it leaves out triton). When the disk cannot hold them, say so before pip
# fills it. PENULTIMATE_SKIP_TORCH=1 skips it (those tests then skip, unless
# PENULTIMATE_REQUIRE_TORCH=1).
if [ "${PENULTIMATE_SKIP_TORCH:-0}" != 1 ] && ! pins_installed scripts/requirements-torch.txt; then
  mkdir -p .build
  need_kib=$((8 * 1024 * 1024))
  have_kib=$(df -Pk .build | awk 'NR == 2 { print $4 }')
  if [ "$have_kib" -lt "$need_kib" ]; then
    echo "setup.sh: $PWD: $((have_kib / 1024)) MiB free, but torch and torchvision from PyPI need about 8 GiB while installing (2.8 GB of wheels, then a 4.7 GB venv); free space, or set PENULTIMATE_SKIP_TORCH=1 to skip the PyTorch tests" >&2
    exit 1
  fi
  pip_install --no-deps -r scripts/requirements-torch.txt
fi

swift build -q -c "${PENULTIMATE_CONFIGURATION:-release}"
