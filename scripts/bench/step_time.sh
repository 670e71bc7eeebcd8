#!/usr/bin/env bash
# Where a quick-start training update goes, and what the allocator setting of src/core/malloc_tuning.cpp
# buys: trains fold 0 of the main job's data set (configs/quickstart.yaml) for 200 updates, with
# glibc malloc's default thresholds (UNICT_DEFAULT_MALLOC=1) and with UniCT's, alternately, ROUNDS
# times each, and prints each run's per-phase timing line from train.log. About 4 minutes on 2 cores.
#   bash scripts/bench/step_time.sh [ROUNDS]        (default 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=quickstart_data.sh
source scripts/bench/quickstart_data.sh
rounds=${1:-2}
cmake --preset release >/dev/null && cmake --build --preset release >/dev/null
unict=build/release/unict
out=$(mktemp -d /tmp/unict-step-time.XXXXXX)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores; commit $(git rev-parse --short HEAD); $(date -u +%F)"
quickstart_data "$unict" "$out"
for (( r = 1; r <= rounds; ++r )); do
  for setting in default unict; do
    default=$([[ $setting == default ]] && echo 1 || echo 0)
    UNICT_DEFAULT_MALLOC=$default "$unict" --log-level warn train --config configs/quickstart.yaml "${set_data[@]}" \
      --set train.duration=200u --set train.val_every=200u --set train.checkpoint_every=200u -o "$out/run" --force >/dev/null 2>&1
    printf 'round %d, %-7s malloc: %s\n' "$r" "$setting" "$(grep -o 'time up to update 200: .*' "$out/run/train.log" | tail -1 | cut -d: -f2-)"
  done
done
