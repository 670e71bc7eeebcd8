#!/usr/bin/env bash
# Distributed data parallel on this machine (issue 17): the quick-start model (configs/quickstart.yaml)
# on the main job's data, a global batch of 2 x BATCH, trained for UPDATES updates as
#   1 rank  x 2 threads x batch 2 BATCH   (one process, the baseline)
#   1 rank  x 1 thread  x batch BATCH     (one rank's compute alone: what DDP adds is the rest)
#   2 ranks x 1 thread  x batch BATCH     (Gloo on loopback, all-reduce overlapped with backward)
#   2 ranks x 1 thread  x batch BATCH     (overlap off: every all-reduce after backward)
# alternately, ROUNDS times. Prints each run's per-phase line of train.log (ms per update; in the
# 2-rank runs "communication" is what rank 0 waited for the others: the loss counts before forward,
# the all-reduce left after backward and the loss sums), and the share of the update spent so.
# Ranks run in a private network namespace (unshare --net, as root), so they listen on nothing
# outside it. About 8 minutes on 2 cores with the defaults.
#   bash scripts/bench/ddp_bench.sh [ROUNDS] [UPDATES] [BATCH]        (defaults 2, 100 and 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=quickstart_data.sh
source scripts/bench/quickstart_data.sh
rounds=${1:-2}
updates=${2:-100}
batch=${3:-2}
build=build/bench
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DUNICT_BUILD_TESTS=OFF -DUNICT_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target unict >/dev/null
unict=$(realpath "$build/unict")
out=$(mktemp -d /tmp/unict-ddp-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores; commit $(git rev-parse --short HEAD); $(date -u +%F); $updates updates a run, global batch $((2 * batch))"
quickstart_data "$unict" "$out"
common=(--config configs/quickstart.yaml "${set_data[@]}" --set "train.duration=${updates}u" --set "train.val_every=${updates}u"
        --set "train.checkpoint_every=${updates}u" --set train.log_every=50 --set loader.workers=1)

# The per-phase line of a run's train.log, and its total.
phases() { grep -o "time up to update $updates: .*" "$1/train.log" | tail -1 | cut -d: -f2-; }
total_of() { grep -o 'total [0-9.]*' <<<"$1" | cut -d' ' -f2; }
communication_of() { grep -o 'communication [0-9.]*' <<<"$1" | cut -d' ' -f2; }

# Two ranks with the variables torchrun sets, in their own network namespace.
two_ranks() {
  local run=$1 overlap=$2 script=$out/ranks.sh r
  {
    echo "ip link set lo up || exit 90"
    for r in 0 1; do
      echo "(RANK=$r LOCAL_RANK=$r WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 \\"
      echo "  '$unict' --log-level warn train ${common[*]@Q} --set train.batch_size=$batch --set run.threads=1 \\"
      echo "  --set distributed.overlap=$overlap -o '$run' --force >'$out/rank$r.log' 2>&1) &"
    done
    echo "wait"
  } >"$script"
  unshare --net sh "$script" || { cat "$out/rank0.log" "$out/rank1.log" >&2; exit 1; }
}

for (( round = 1; round <= rounds; ++round )); do
  "$unict" --log-level warn train "${common[@]}" --set train.batch_size=$((2 * batch)) --set run.threads=2 -o "$out/one" --force >/dev/null 2>&1
  one=$(phases "$out/one")
  "$unict" --log-level warn train "${common[@]}" --set train.batch_size="$batch" --set run.threads=1 -o "$out/alone" --force >/dev/null 2>&1
  alone=$(phases "$out/alone")
  two_ranks "$out/two" true
  two=$(phases "$out/two")
  two_ranks "$out/plain" false
  plain=$(phases "$out/plain")
  printf 'round %d, 1 rank x 2 threads x batch %d:  %s\n' "$round" $((2 * batch)) "$one"
  printf 'round %d, 1 rank x 1 thread x batch %d:   %s\n' "$round" "$batch" "$alone"
  printf 'round %d, 2 ranks, overlap:               %s\n' "$round" "$two"
  printf 'round %d, 2 ranks, no overlap:            %s\n' "$round" "$plain"
  awk -v a="$(total_of "$one")" -v s="$(total_of "$alone")" -v b="$(total_of "$two")" -v c="$(total_of "$plain")" \
      -v cb="$(communication_of "$two")" -v cc="$(communication_of "$plain")" -v round="$round" 'BEGIN {
    printf "round %d: 2 ranks / 1 rank x 2 threads = %.2f (overlap), %.2f (no overlap); 2 ranks / one rank alone = %.2f; communication %.0f %% of the update with overlap, %.0f %% without\n",
           round, b / a, c / a, b / s, 100 * cb / b, 100 * cc / c }'
done
