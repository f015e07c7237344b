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
.venv/bin/python3 -m pip install -q --disable-pip-version-check -r scripts/requirements.txt
# PyTorch (CPU use) for the writer's torch tests and the torchvision notebook: from PyPI, with the
# CUDA runtime wheels it pulls (about 3 GB the first time; the PyTorch CPU index is not reachable).
# PENULTIMATE_SKIP_TORCH=1 skips it (those tests then skip, unless PENULTIMATE_REQUIRE_TORCH=1).
if [ "${PENULTIMATE_SKIP_TORCH:-0}" != 1 ]; then
  .venv/bin/python3 -m pip install -q --disable-pip-version-check -r scripts/requirements-torch.txt
fi

swift build -q -c "${PENULTIMATE_CONFIGURATION:-release}"
