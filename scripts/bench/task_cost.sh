#!/usr/bin/env bash
# What each task costs a quick-start training update (issue 16): trains fold 0 of the main job's
# data set (configs/quickstart.yaml) for UPDATES updates as the full model, and as the
# classification-only, segmentation-only and report-only models, alternately, ROUNDS times, and
# prints each run's per-phase line from train.log (data wait, encoder, heads, losses, backward,
# optimiser; ms per update) and the full model's time over classification alone. Backward is one
# phase; what each head adds to it is the difference between the variants. Then the operators
# that take the time, for the full model and for classification alone: peer_bench's training step
# (the same as the trainer's, on random inputs of the quick-start size) under LibTorch's autograd
# profiler, self time per operator (scripts/bench/trace_ops.py). About 6 minutes on 2 cores with
# the defaults.
#   bash scripts/bench/task_cost.sh [ROUNDS] [UPDATES]        (defaults 2 and 200)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=quickstart_data.sh
source scripts/bench/quickstart_data.sh
rounds=${1:-2}
updates=${2:-200}
build=build/bench
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DUNICT_BUILD_TESTS=OFF -DUNICT_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target unict peer_bench >/dev/null
unict=$build/unict
out=$(mktemp -d /tmp/unict-task-cost.XXXXXX)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores; commit $(git rev-parse --short HEAD); $(date -u +%F); $updates updates a run"
quickstart_data "$unict" "$out"

# The single-task variants as configs/ablations/quickstart_suite.yaml sets them.
declare -A variant=(
  [full]=""
  [cls_only]="model.tasks=[cls] model.fusion=false model.scf=false model.cls_readout=token model.report_reads_cls=false loss.seg_weight=0 loss.rep_weight=0"
  [seg_only]="model.tasks=[seg] model.fusion=false model.cls_readout=token model.report_reads_cls=false model.seg_detection_gate=0 loss.cls_weight=0 loss.rep_weight=0 train.selection_metric=val.loss"
  [rep_only]="model.tasks=[rep] model.fusion=false model.scf=false model.cls_readout=token model.report_reads_cls=false loss.cls_weight=0 loss.seg_weight=0 train.selection_metric=val.loss"
)
declare -A total
for (( r = 1; r <= rounds; ++r )); do
  for name in full cls_only seg_only rep_only; do
    sets=()
    for kv in ${variant[$name]}; do sets+=(--set "$kv"); done
    "$unict" --log-level warn train --config configs/quickstart.yaml "${set_data[@]}" "${sets[@]}" \
      --set "train.duration=${updates}u" --set "train.val_every=${updates}u" --set "train.checkpoint_every=${updates}u" \
      -o "$out/run" --force >/dev/null 2>&1
    line=$(grep -o "time up to update $updates: .*" "$out/run/train.log" | tail -1 | cut -d: -f2-)
    printf 'round %d, %-8s %s\n' "$r" "$name" "$line"
    total[$name,$r]=$(grep -o 'total [0-9.]*' <<<"$line" | cut -d' ' -f2)
  done
  echo "round $r: full / cls_only = $(awk -v a="${total[full,$r]}" -v b="${total[cls_only,$r]}" 'BEGIN { printf "%.2f", a / b }')"
done

for name in full cls_only; do
  sets=()
  for kv in ${variant[$name]}; do sets+=(--set "$kv"); done
  "$unict" config show --config configs/quickstart.yaml "${sets[@]}" >"$out/$name.yaml"
  "$build/scripts/bench/peer_bench" train --config "$out/$name.yaml" --input 32,48,48 --batch 2 --vocab 300 --text 60 --threads 2 \
    --steps 10 --warmup 3 --profile "$out/$name.trace.json" >/dev/null
  echo
  echo "$name: operators of a training step (the mean of 10 profiled steps)"
  /usr/bin/python3 scripts/bench/trace_ops.py "$out/$name.trace.json" 12 10
done
