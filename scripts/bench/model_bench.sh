#!/usr/bin/env bash
# Model benchmarks of issue 4 on this machine's CPU (figures go to docs/benchmarks.md):
#  1. the quick-start config: training step (forward + backward + AdamW) time and peak memory,
#     decoding speed (greedy, beam 3);
#  2. the paper-size config (resnet2p5d, 240 x 480 x 480, batch 1): forward time and peak memory
#     (a training step needs more than this machine's 24 GiB; see docs/benchmarks.md), decoding.
# GPU figures come from scripts/bench/gpu_model_check.sh on a GPU machine. Takes about 5 minutes.
#   bash scripts/bench/model_bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
build=build/bench
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DUNICT_BUILD_TESTS=OFF -DUNICT_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target model_bench >/dev/null
bench="$build/scripts/bench/model_bench"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; commit $(git rev-parse --short HEAD); $(date -u +%F)"

echo; echo "== quick-start config (configs/quickstart.yaml), batch 1, 100-token reports"
"$bench" --config configs/quickstart.yaml --input 48,64,64 --batch 1 --vocab 500 --text 100 --steps 5 --warmup 1 --decode

echo; echo "== paper-size config (configs/rexgroundingct/unict.yaml), batch 1, on the CPU"
"$bench" --config configs/rexgroundingct/unict.yaml --set run.device=cpu --input 240,480,480 --batch 1 --steps 1 --warmup 0 \
  --forward-only --decode
