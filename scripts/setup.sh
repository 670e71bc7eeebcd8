#!/usr/bin/env bash
# Installs the Debian 12 packages UniCT builds and tests with, and nothing else: no other download
# of any kind. Idempotent and silent when everything is already installed.
#   sudo bash scripts/setup.sh
set -euo pipefail

packages=(
  cmake ninja-build ccache g++ pkg-config  # build tools
  libtorch-dev                             # LibTorch 1.13 (CPU)
  libgloo-dev                              # the headers of Gloo, which LibTorch's c10d process group includes (distributed training)
  python3-torch                            # torchrun (/usr/bin/torchrun) for distributed launches; the PyTorch reference
  libopenblas0-openmp                      # BLAS for LibTorch and python3-torch: the default, the reference BLAS, took
                                           # 1.3 ms for a 300 x 118 x 64 matrix product, OpenBLAS 0.05 ms (docs/benchmarks.md)
  libinsighttoolkit5-dev                   # ITK: NIfTI reading and writing
  libyaml-cpp-dev                          # configs
  libspdlog-dev                            # logging
  libcli11-dev                             # the unict command line
  libsentencepiece-dev                     # report tokenizer
  nlohmann-json3-dev                       # JSON
  libzip-dev                               # .npz (zip) archives
  zlib1g-dev libdeflate-dev                # gzip-compressed NIfTI (libdeflate: fast single-member inflate)
  libplplot-dev plplot-driver-cairo        # figures: PLplot's C++ API, PNG through cairo
  libgtest-dev                             # tests
  python3-numpy python3-nibabel            # independent references in tests (NPY/NPZ, NIfTI)
  python3-torchvision                      # reference for the ResNet weight import (and its export script)
  python3-sklearn python3-scipy            # references for the classification and segmentation metrics
  python3-nltk                             # reference for BLEU and METEOR
  slurm-wlm munge                          # a real one-node SLURM that the sweep tests start (tests/cluster/local_slurm.sh)
  iproute2 util-linux                      # ip, unshare, nsenter: the tests' private network namespaces
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup.sh: this script installs Debian 12 packages and needs dpkg/apt; install the equivalents of: ${packages[*]}" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

# shellcheck disable=SC1091
[ -r /etc/os-release ] && . /etc/os-release
if [ "${ID:-}" != "debian" ]; then
  echo "setup.sh: expected Debian 12, found ${PRETTY_NAME:-an unknown system}; install the equivalents of: ${missing[*]}" >&2
  exit 1
fi
if [ "${VERSION_ID:-}" != "12" ]; then
  echo "setup.sh: warning: written for Debian 12, this is ${PRETTY_NAME}; trying anyway" >&2
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh: missing packages: ${missing[*]}; run as root: sudo bash scripts/setup.sh" >&2
  exit 1
fi

echo "setup.sh: installing ${missing[*]}" >&2
log=$(mktemp)
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  echo "setup.sh: apt-get failed; its last lines:" >&2
  tail -n 20 "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
echo "setup.sh: done" >&2
