#!/usr/bin/env bash
# UniCT against its peer, the PyTorch reference of scripts/reference/ (Debian's python3-torch, the
# same 1.13 kernels as our LibTorch), side by side in one run with the same threads: the training
# step and the forward pass at the quick-start size and at a mid size (resnet2p5d, 63 x 128 x 128),
# greedy and beam decoding in tokens/s, and the data path (torch.utils.data.DataLoader over our
# cache with the same augmentation, against our loader). Each measurement alternates the two
# sides ROUNDS times; the table gives the median over rounds of each run's median, and the ratio.
# The PyTorch training step is also run with glibc malloc set as `unict` sets it
# (src/core/malloc_tuning.cpp), to show how much of the difference is the allocator.
# Figures go to docs/benchmarks.md. About 15 minutes on 2 cores at ROUNDS=3.
# Needs Debian's python3-torch (scripts/setup.sh installs it, with python3-torchvision).
#   bash scripts/bench/peer_bench.sh [ROUNDS] [ONLY]    (ONLY: a pattern; only the measurements whose
#                                                       label matches it, e.g. "decoding")
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
only=${2:-}
threads=${UNICT_BENCH_THREADS:-2}
build=build/bench
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DUNICT_BUILD_TESTS=OFF -DUNICT_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target unict peer_bench >/dev/null
unict="$build/unict"
ours="$build/scripts/bench/peer_bench"
peer=(/usr/bin/python3 scripts/reference/peer_bench.py)
tuned_malloc="glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824"
out=$(mktemp -d /tmp/unict-peer-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores; $threads threads each side; commit $(git rev-parse --short HEAD); $(date -u +%F)"
echo "PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'); rounds: $rounds"

"$unict" config show --config configs/quickstart.yaml >"$out/quickstart.yaml"
"$unict" config show --config configs/quickstart.yaml --set encoder.name=resnet2p5d --set "preprocess.size=[63, 128, 128]" >"$out/mid.yaml"
"$unict" synth --out "$out/data" --profile grid --patients 100 --seed 42 >/dev/null 2>&1
"$unict" prepare --config configs/quickstart.yaml --set "data.ctrate_root=$out/data/ctrate" \
  --set "data.rexgrounding_root=$out/data/rexgroundingct" --set "data.cache_dir=$out/cache" >/dev/null 2>&1
cache=$(ls -d "$out"/cache/rexgroundingct-*)

results="$out/results.jsonl"
# measure LABEL ARGS...: ROUNDS alternating runs of both sides (and of tuned PyTorch when LABEL ends in +malloc).
measure() {
  local label=$1; shift
  [[ -z $only || $label =~ $only ]] || return 0
  for (( r = 1; r <= rounds; ++r )); do
    printf '{"label": "%s", "round": %d, "result": %s}\n' "$label" "$r" "$("$ours" "$@")" >>"$results"
    printf '{"label": "%s", "round": %d, "result": %s}\n' "$label" "$r" "$("${peer[@]}" "$@")" >>"$results"
    if [[ $label == *+malloc ]]; then
      printf '{"label": "%s", "round": %d, "tuned": true, "result": %s}\n' "$label" "$r" \
        "$(GLIBC_TUNABLES=$tuned_malloc "${peer[@]}" "$@")" >>"$results"
    fi
  done
  echo "measured: $label"
}

quick=(--config "$out/quickstart.yaml" --input 32,48,48 --batch 2 --vocab 300 --text 60 --threads "$threads")
mid=(--config "$out/mid.yaml" --input 63,128,128 --batch 2 --vocab 300 --text 60 --threads "$threads")
measure "training step, quick start (resnet3d 32 x 48 x 48, batch 2)+malloc" train "${quick[@]}" --steps 10 --warmup 3
measure "training step, mid size (resnet2p5d 63 x 128 x 128, batch 2)+malloc" train "${mid[@]}" --steps 3 --warmup 1
measure "forward, quick start" forward "${quick[@]}" --steps 10 --warmup 3
measure "forward, mid size" forward "${mid[@]}" --steps 3 --warmup 1
measure "greedy decoding, quick start (tokens/s)" decode "${quick[@]}" --method greedy --steps 3 --warmup 1
measure "beam-3 decoding, quick start (tokens/s)" decode "${quick[@]}" --method beam --steps 3 --warmup 1
measure "loader, quick-start cache, augmented, 1 worker (volumes/s)" loader --cache "$cache" --batch 2 --workers 1 --epochs 3 --threads "$threads"
measure "loader, quick-start cache, no augmentation, 1 worker (volumes/s)" loader --cache "$cache" --batch 2 --workers 1 --epochs 3 --threads "$threads" --no-augment
# In the consumer's thread: without the DataLoader's worker process and its shared-memory transfer.
measure "loader, quick-start cache, augmented, no worker (volumes/s)" loader --cache "$cache" --batch 2 --workers 0 --epochs 3 --threads "$threads"

/usr/bin/python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
labels = list(dict.fromkeys(r["label"] for r in rows))
print()
print("| measurement | UniCT | PyTorch reference | UniCT / PyTorch (time) | PyTorch with UniCT's malloc settings |")
print("|---|---|---|---|---|")
for label in labels:
    def of(side, tuned=False):
        return [r["result"] for r in rows if r["label"] == label and r["result"]["side"] == side and r.get("tuned", False) == tuned]
    ours, peer, tuned = of("unict"), of("pytorch"), of("pytorch", True)
    rate = "tokens_per_s" if "tokens_per_s" in ours[0] else "volumes_per_s" if "volumes_per_s" in ours[0] else None
    m = lambda rs: statistics.median(x["median_s"] for x in rs)  # noqa: E731
    cell = lambda rs: f"{m(rs):.4f} s" + (f" ({statistics.median(x[rate] for x in rs):.1f}/s)" if rate else "")  # noqa: E731
    runs = lambda rs: ", ".join(f"{x['median_s']:.4f}" for x in rs)  # noqa: E731
    extra = f"{cell(tuned)} (x{m(ours) / m(tuned):.2f})" if tuned else ""
    print(f"| {label.replace('+malloc', '')} | {cell(ours)} | {cell(peer)} | **{m(ours) / m(peer):.2f}** | {extra} |")
    print(f"|   runs (median s) | {runs(ours)} | {runs(peer)} | | {runs(tuned)} |")
PY
