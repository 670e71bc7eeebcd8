#!/usr/bin/env bash
# Evaluation benchmark of issue 5 (figures go to docs/benchmarks.md): classification metrics with
# 1000 bootstrap resamples on 10,000 cases x 10 classes, report metrics and clinical efficacy on
# 10,000 synthetic report pairs. One thread.
#   bash scripts/bench/metrics_bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
build=build/bench
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DUNICT_BUILD_TESTS=OFF -DUNICT_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target metrics_bench >/dev/null
echo "machine: $(nproc) cores; commit $(git rev-parse --short HEAD); $(date -u +%F)"
"$build/scripts/bench/metrics_bench" 10000 1000 10000
