#!/usr/bin/env bash
# Data-path benchmarks of issue 3, side by side in one run (figures go to docs/benchmarks.md):
#  1. prepare throughput: unict's engine vs a Python pipeline of the CT-CLIP kind (nibabel + torch
#     trilinear), same real-size synthetic .nii.gz files, same number of threads / processes;
#  2. cache read throughput vs memcpy of the same bytes;
#  3. peak memory of prepare and of the loader with N and 2N volumes.
# Needs python3-torch (apt-get install python3-torch) for the reference. Takes about 10 minutes.
#   bash scripts/bench/data_bench.sh [VOLUMES] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/../.."
volumes=${1:-4}
threads=${2:-2}
work=build/bench-data
build=build/bench

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DUNICT_BUILD_TESTS=OFF -DUNICT_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target unict prepare_bench cache_read_bench >/dev/null
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; commit $(git rev-parse --short HEAD); $(date -u +%F)"

if [ ! -f "$work/synthetic/synthetic_truth.json" ]; then
  "$build/unict" synth --out "$work/synthetic" --patients $((2 * volumes)) --max-scans 1 --size 300x512x512 --radchestct 0 \
    --lesion-probability 0 --seed 7 --threads "$threads" >/dev/null 2>&1
fi
mapfile -t files < <(find "$work/synthetic/ctrate/dataset" -path '*_fixed/*' -name '*.nii.gz' | sort)
first=("${files[@]:0:$volumes}")
echo "input: ${#first[@]} synthetic CT-RATE v2 volumes, $(du -ch "${first[@]}" | tail -1 | cut -f1) of .nii.gz, shapes about 300 x 512 x 512 int16"

echo
echo "== 1. prepare throughput (to 1.5 x 0.75 x 0.75 mm, 240 x 480 x 480), $threads threads / processes"
echo "   files read once beforehand (page cache warm for both); the two run alternately, twice each"
cat "${first[@]}" > /dev/null
rm -f "$work/cpp.txt" "$work/py.txt"
for round in 1 2; do
  rm -rf "$work/cache" "$work/reference"
  "$build/scripts/bench/prepare_bench" "$work/cache" "$threads" "${first[@]}" 2>/dev/null | tee -a "$work/cpp.txt"
  /usr/bin/python3 scripts/bench/prepare_reference.py "$work/reference" "$threads" "${first[@]}" | tee -a "$work/py.txt"
done
best() { grep -o '= [0-9.]*' "$1" | tr -d '= ' | sort -g | tail -1; }
cpp=$(best "$work/cpp.txt")
py=$(best "$work/py.txt")
rm -f "$work/cpp.txt" "$work/py.txt"
echo "best of two: unict $cpp, Python $py volumes/s; ratio $(python3 -c "print(round($cpp / $py, 2))")x"

echo
echo "== 2. cache read throughput"
"$build/scripts/bench/cache_read_bench" "$(ls -d "$work"/cache/bench-*)" 3 2>/dev/null

echo
echo "== 3. peak memory (maximum resident set size)"
for n in "$volumes" "$((2 * volumes))"; do
  rm -rf "$work/cache-$n"
  /usr/bin/time -v "$build/scripts/bench/prepare_bench" "$work/cache-$n" "$threads" "${files[@]:0:$n}" > /dev/null 2> "$work/prepare-$n.txt"
  /usr/bin/time -v "$build/scripts/bench/cache_read_bench" "$(ls -d "$work"/cache-$n/bench-*)" loader > /dev/null 2> "$work/loader-$n.txt"
  prepare=$(awk '/Maximum resident/ {print $6}' "$work/prepare-$n.txt")
  loader=$(awk '/Maximum resident/ {print $6}' "$work/loader-$n.txt")
  echo "$n volumes: prepare $((prepare / 1024)) MiB, loader $((loader / 1024)) MiB"
  rm -rf "$work/cache-$n"
done
