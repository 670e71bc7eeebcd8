#!/usr/bin/env bash
# The figures that the rounding-sensitive tests assert, measured under several instruction sets
# and data seeds, so that each bound can be kept far from their spread (docs/build.md, "Tests on
# every CPU"). oneDNN's and ATen's kernels are chosen by instruction set, and each choice sums in
# another order: ONEDNN_MAX_CPU_ISA caps oneDNN (SSE41 and AVX differ from every AVX2 machine's
# default; AVX512_CORE differs only where the CPU has AVX-512), ATEN_CPU_CAPABILITY picks ATen's
# vectorised kernels (default = none). Prints, per setting, the distributed equivalence figures
# (largest weight difference as a share of N * lr, largest relative loss difference) and the
# learning test's mean AUROCs (trained, control) and drawn masks, and per variant of the reference
# equality the largest relative differences from PyTorch and the ReLU inputs it found flipped.
#   bash scripts/bench/rounding_spread.sh                 (all settings, learning seed 5)
#   ONLY=reference bash scripts/bench/rounding_spread.sh  (the reference equality alone)
#   SEEDS="5 6 7" bash scripts/bench/rounding_spread.sh  (the learning test over several data seeds)
#   SETTINGS="ONEDNN_MAX_CPU_ISA=SSE41" ONLY=distributed bash scripts/bench/rounding_spread.sh
# Needs the dev build (cmake --build --preset dev). Run it alone on the machine: it times nothing,
# but two LibTorch processes at once slow each other several times (machine-notes.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=build/dev
read -r -a settings <<<"${SETTINGS:-default ONEDNN_MAX_CPU_ISA=SSE41 ONEDNN_MAX_CPU_ISA=AVX ONEDNN_MAX_CPU_ISA=AVX512_CORE ATEN_CPU_CAPABILITY=default ATEN_CPU_CAPABILITY=default,ONEDNN_MAX_CPU_ISA=SSE41}"
seeds=${SEEDS:-5}
only=${ONLY:-all}
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); avx512f: $(grep -qw avx512f /proc/cpuinfo && echo yes || echo no); commit $(git rev-parse --short HEAD); $(date -u +%F)"
for setting in "${settings[@]}"; do
  env_args=()
  [ "$setting" != default ] && IFS=, read -r -a env_args <<<"$setting"
  if [ "$only" = all ] || [ "$only" = distributed ]; then
    out=$(env "${env_args[@]}" "$build/tests/train/unict_distributed_tests" --gtest_filter='Distributed.TwoRanksOfOne*' 2>&1) || true
    status=$(grep -Eo '\[  (PASSED|FAILED)  \].*' <<<"$out" | head -1)
    echo "$setting | distributed | $(grep -E 'largest weight difference|^(one process|two ranks)' <<<"$out" | tr '\n' ';') $status"
  fi
  if [ "$only" = all ] || [ "$only" = reference ]; then
    out=$(env "${env_args[@]}" "$build/tests/model/unict_reference_tests" 2>&1) || true
    grep -E '^(largest relative|.*the other way:|     ReLU )|^\[ +(OK|FAILED) +\] Variants' <<<"$out" | sed "s/^/$setting | reference | /"
  fi
  if [ "$only" = all ] || [ "$only" = learning ]; then
    for seed in $seeds; do
      out=$(env "${env_args[@]}" UNICT_LEARNING_SEED="$seed" "$build/tests/cli/unict_learning_tests" 2>&1) || true
      status=$(grep -Eo '\[  (PASSED|FAILED)  \].*' <<<"$out" | head -1)
      echo "$setting | learning seed $seed | $(grep -E '^(mean|masks drawn|bronchial|bronchiectasis|pleural)' <<<"$out" | tr '\n' ';') $status"
    done
  fi
done
