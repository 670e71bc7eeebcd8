#!/usr/bin/env bash
# The README's test command: installs what is missing, builds the `dev` preset (tests on, warnings
# as errors) and runs every test with ctest; then builds the LibTorch-free layers (core, io, data)
# and their tests again under AddressSanitizer + UndefinedBehaviorSanitizer (the `sanitize`
# preset) and runs those. In between, the rounding-sensitive tests run a second time under other
# kernels than any x86 machine's default (`dev-other-isa`: oneDNN capped at SSE4.1, ATen's
# unvectorised kernels), so that a bound that holds for one CPU's rounding only fails here.
#   sudo bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cmake --preset dev >/dev/null
cmake --build --preset dev
ctest --preset dev
ctest --preset dev-other-isa
cmake --preset sanitize >/dev/null
cmake --build --preset sanitize
ctest --preset sanitize
