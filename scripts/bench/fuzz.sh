#!/usr/bin/env bash
# Runs one libFuzzer target for a while and prints its executions per second and coverage.
#   bash scripts/bench/fuzz.sh TARGET SECONDS      e.g. bash scripts/bench/fuzz.sh npy 600
#   TARGET: npy npz csv json jsonl rexgrounding radchestct ctrate_metadata config cache_item nifti
# Builds the fuzz preset first (clang-14, -fsanitize=fuzzer,address,undefined; no LibTorch, no ITK).
# The run starts from the seed corpus in tests/fuzz/corpus/TARGET and keeps what it finds in
# build/fuzz/corpus/TARGET (the committed corpus is not touched). A crash, a leak, an undefined
# behaviour or an exception other than unict::Error stops it: the input is written to
# build/fuzz/artifacts/TARGET/ and the script exits 1. Fix the parser, then copy the input into
# tests/fuzz/corpus/TARGET/ as crash-<what>, where ctest replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/../.."

target=${1:?usage: fuzz.sh TARGET SECONDS}
seconds=${2:?usage: fuzz.sh TARGET SECONDS}
[[ -d tests/fuzz/corpus/$target ]] || { echo "fuzz.sh: no target '$target' (tests/fuzz/corpus/ lists them)" >&2; exit 2; }
# Debian's clang-14, and libFuzzer's runtime, which libclang-rt-14-dev carries.
if ! command -v clang++-14 >/dev/null || [[ ! -e "$(clang-14 -print-runtime-dir)/libclang_rt.fuzzer-x86_64.a" ]]; then
  if [[ $(id -u) -ne 0 ]]; then echo "fuzz.sh: clang-14 or libFuzzer is missing: apt-get install clang-14 libclang-rt-14-dev (as root)" >&2; exit 2; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends clang-14 libclang-rt-14-dev >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends clang-14 libclang-rt-14-dev >/dev/null; }
fi

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "fuzz_$target" >/dev/null

work=build/fuzz/corpus/$target artifacts=build/fuzz/artifacts/$target
mkdir -p "$work" "$artifacts"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# One process, the corpus merged in: libFuzzer prints "#N ... cov: C ft: F ... exec/s: E" lines.
"build/fuzz/tests/fuzz/fuzz_$target" "$work" "tests/fuzz/corpus/$target" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$artifacts/" -max_len=65536 -timeout=10 -rss_limit_mb=2048 >"$log" 2>&1 || status=$?

last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
runs=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}' || true)
speed=$(grep -E '^stat::average_exec_per_sec:' "$log" | awk '{print $2}' || true)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
echo "fuzz $target: ${seconds} s, ${runs:-?} executions, ${speed:-?} exec/s, coverage: ${cov:-?} edges (cov), ${ft:-?} features (ft), corpus $(find "$work" -type f | wc -l) inputs"
if [[ $status -ne 0 ]]; then
  grep -E 'ERROR|SUMMARY|terminate|deadly|Test unit written' "$log" | head -n 20 >&2
  echo "fuzz.sh: $target failed (exit $status); the input is in $artifacts/" >&2
  exit 1
fi
