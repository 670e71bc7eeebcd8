#!/usr/bin/env bash
# Build-time figures for docs/build.md, all with the dev preset's settings (tests included):
#  - a clean build with ccache off (the real compile cost) and with a warm ccache;
#  - rebuilds after touching one LibTorch-free .cpp and the LibTorch .cpp (ccache off);
#  - the LibTorch .cpp rebuild again without the shared precompiled header, for comparison.
#   bash scripts/bench/build_time.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=build/bench-build-time
seconds() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null
  end=$(date +%s%N)
  printf '%d.%d' $(((end - start) / 1000000000)) $(((end - start) / 100000000 % 10))
}
configure() {
  rm -rf "$dir"
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUNICT_BUILD_TESTS=ON -DUNICT_WERROR=ON "$@" >/dev/null
}
build() { cmake --build "$dir"; }

echo "machine: $(nproc) cores, $(uname -m), $(c++ --version | head -1), $(git rev-parse --short HEAD)"
configure
echo "clean build, ccache off:                             $(CCACHE_DISABLE=1 seconds build) s"
touch src/core/config_loader.cpp
echo "rebuild after touching src/core/config_loader.cpp:   $(CCACHE_DISABLE=1 seconds build) s"
touch src/core/torch_runtime.cpp
echo "rebuild after touching src/core/torch_runtime.cpp:   $(CCACHE_DISABLE=1 seconds build) s"
configure -DUNICT_TORCH_PCH=OFF
CCACHE_DISABLE=1 build >/dev/null
touch src/core/torch_runtime.cpp
echo "  the same without the LibTorch precompiled header:  $(CCACHE_DISABLE=1 seconds build) s"
configure
build >/dev/null  # fills the cache
configure
echo "clean build, warm ccache:                            $(seconds build) s"
rm -rf "$dir"
