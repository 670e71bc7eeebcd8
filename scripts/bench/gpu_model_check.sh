#!/usr/bin/env bash
# The model on a GPU machine (issue 4's GPU figures): builds the model-only tree (UNICT_MODEL_ONLY:
# core, model, model_bench; no ITK) against the LibTorch 2.x inside the machine's pip PyTorch,
# then runs model_bench on CUDA: the quick-start and paper-size training steps with peak memory,
# decoding speed, and the CUDA forward against the CPU forward of the same weights.
# Then the device-parameterised model tests (tests/model/device_test.cpp: CPU float32, CUDA float32
# and CUDA bf16 against the CPU), when GoogleTest's .deb is among them.
# yaml-cpp, spdlog, fmt and GoogleTest come from Debian 12 .deb files in DEBS_DIR, unpacked under /tmp
# (on Debian: apt-get download libyaml-cpp-dev libyaml-cpp0.7 libspdlog-dev libspdlog1.10 libfmt-dev libfmt9
# libgtest-dev).
#   bash scripts/bench/gpu_model_check.sh [DEBS_DIR] [LOG_DIR]
set -uo pipefail
cd "$(dirname "$0")/../.."
debs=${1:-.devdeps}
logs=${2:-build/gpu-check}
deps=/tmp/unict-deps
mkdir -p "$deps" "$logs"
for f in "$debs"/*.deb; do dpkg -x "$f" "$deps"; done
export LD_LIBRARY_PATH="$deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
export PATH="/usr/local/cuda/bin:$PATH"
export TORCH_CUDA_ARCH_LIST=9.0
torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda)'
echo "$(nproc) CPU cores; $(g++ --version | head -1); $(cmake --version | head -1)"

start=$(date +%s)
if ! cmake -S . -B build/gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DUNICT_MODEL_ONLY=ON \
     -DCMAKE_PREFIX_PATH="$torch_prefix;$deps/usr" -DCUDAToolkit_ROOT=/usr/local/cuda >"$logs/configure.log" 2>&1; then
  tail -40 "$logs/configure.log"
  exit 1
fi
if ! cmake --build build/gpu -j "$(nproc)" >"$logs/build.log" 2>&1; then
  grep -m 30 -B 2 -A 8 "error" "$logs/build.log"
  exit 1
fi
echo "configure + build: $(( $(date +%s) - start )) s"
grep -n "set_autocast_enabled\|set_autocast_dtype" "$torch_prefix/../../include/ATen/autocast_mode.h" | head -4

bench=build/gpu/scripts/bench/model_bench
status=0  # 1 when a CUDA forward differs from the CPU forward beyond model_bench's tolerance
echo; echo "== quick-start config, batch 2"
$bench --config configs/quickstart.yaml --input 48,64,64 --batch 2 --vocab 500 --text 100 --steps 10 --warmup 3 --device cuda --decode --compare-cpu || status=1
echo; echo "== paper-size config (resnet2p5d, 240 x 480 x 480), batch 1"
$bench --config configs/rexgroundingct/unict.yaml --input 240,480,480 --batch 1 --steps 5 --warmup 2 --device cuda --decode
echo; echo "== paper config at 48 x 128 x 128: CUDA against CPU"
$bench --config configs/rexgroundingct/unict.yaml --input 48,128,128 --batch 2 --steps 0 --device cuda --compare-cpu || status=1
if [ -x build/gpu/unict_device_tests ]; then
  echo; echo "== device tests (CPU and CUDA)"
  build/gpu/unict_device_tests || status=1
else
  echo; echo "== device tests not built (no libgtest-dev .deb in $debs)"; status=1
fi
exit $status
