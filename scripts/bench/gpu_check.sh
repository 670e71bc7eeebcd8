#!/usr/bin/env bash
# Everything that trains, on a lent GPU machine, in one run of a few minutes (issue 17):
#  1. builds the whole tree without ITK (the cuda-no-itk preset's settings, tests on) against the
#     LibTorch 2.x inside the machine's pip PyTorch;
#  2. runs the device-parameterised tests (tests/model/device_test.cpp,
#     tests/train/device_training_test.cpp: CPU float32, CUDA float32 and CUDA bf16 against the CPU);
#  3. with 2 GPUs or more: 2 ranks of `unict train` through torchrun (NCCL, cuda:LOCAL_RANK) on the
#     main job's data, and checks that they end with the same weights;
#  4. the learning check on CUDA, fold 0 of the full model and of the control
#     (scripts/bench/learning_check.sh with FOLDS=0).
# The libraries Debian packages and the machine lacks come as .deb files in DEBS_DIR, unpacked under
# /tmp. Make them here with:
#   mkdir -p .devdeps && cd .devdeps && apt-get download libyaml-cpp-dev libyaml-cpp0.7 libspdlog-dev \
#     libspdlog1.10 libfmt-dev libfmt9 libgtest-dev libcli11-dev nlohmann-json3-dev libzip-dev libzip4 \
#     libdeflate-dev libdeflate0 libsentencepiece-dev libsentencepiece0 libplplot-dev libplplot17 \
#     libplplotcxx15 plplot-driver-cairo libcsirocsa0 libqhull-r8.0 libqsastime0 libltdl7 libgloo-dev
# (about 4 MB). Exit status 0 only when every step passed.
#   bash scripts/bench/gpu_check.sh [DEBS_DIR] [LOG_DIR]
set -uo pipefail
cd "$(dirname "$0")/../.."
debs=${1:-.devdeps}
logs=${2:-build/gpu-check}
deps=/tmp/unict-deps
mkdir -p "$deps" "$logs"
for f in "$debs"/*.deb; do dpkg -x "$f" "$deps"; done
export LD_LIBRARY_PATH="$deps/usr/lib/x86_64-linux-gnu:$deps/usr/lib:${LD_LIBRARY_PATH:-}"
export PKG_CONFIG_SYSROOT_DIR=$deps PKG_CONFIG_PATH="$deps/usr/lib/x86_64-linux-gnu/pkgconfig:$deps/usr/share/pkgconfig"
export PLPLOT_DRV_DIR=$(ls -d "$deps"/usr/lib/x86_64-linux-gnu/plplot*/drivers 2>/dev/null | head -1)
export PATH="/usr/local/cuda/bin:$PATH"
export TORCH_CUDA_ARCH_LIST=9.0
torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
gpus=$(nvidia-smi --query-gpu=name --format=csv,noheader | wc -l)
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, "NCCL", torch.cuda.nccl.version())'
echo "$(nproc) CPU cores; $gpus GPU(s); $(g++ --version | head -1); $(cmake --version | head -1)"
status=0

start=$(date +%s)
if ! cmake -S . -B build/gpu-full -G Ninja -DCMAKE_BUILD_TYPE=Release -DUNICT_WITH_ITK=OFF -DUNICT_BUILD_TESTS=ON \
     -DCMAKE_PREFIX_PATH="$torch_prefix;$deps/usr" -DCUDAToolkit_ROOT=/usr/local/cuda >"$logs/configure.log" 2>&1; then
  tail -40 "$logs/configure.log"
  exit 1
fi
if ! cmake --build build/gpu-full -j "$(nproc)" >"$logs/build.log" 2>&1; then
  grep -m 30 -B 2 -A 8 "error" "$logs/build.log"
  exit 1
fi
echo "configure + build: $(( $(date +%s) - start )) s"
unict=$(realpath build/gpu-full/unict)
"$unict" --version

echo; echo "== device tests (CPU and CUDA)"
for t in build/gpu-full/tests/model/unict_model_tests build/gpu-full/tests/train/unict_device_training_tests; do
  filter=$([ "$(basename "$t")" = unict_model_tests ] && echo '--gtest_filter=Devices/*' || echo '')
  "$t" $filter 2>&1 | tail -3 || status=1
done

data=$logs/data
rm -rf "$data"
"$unict" synth --out "$data/synthetic" --profile grid --patients 260 --seed 42 >/dev/null 2>&1
set_data=(--set "data.ctrate_root=$data/synthetic/ctrate" --set "data.rexgrounding_root=$data/synthetic/rexgroundingct"
          --set "data.radchestct_root=$data/synthetic/radchestct" --set "data.cache_dir=$data/cache")
"$unict" prepare --config configs/quickstart.yaml "${set_data[@]}" >/dev/null 2>&1 || status=1

if [ "$gpus" -ge 2 ]; then
  echo; echo "== 2 ranks on 2 GPUs (torchrun, NCCL)"
  start=$(date +%s)
  python3 -m torch.distributed.run --nnodes 1 --nproc_per_node 2 --master_addr 127.0.0.1 --master_port 29500 --no_python \
    "$unict" --log-level warn train --config configs/quickstart.yaml "${set_data[@]}" --set run.device=cuda \
    --set train.duration=300u --set train.val_every=150u -o "$logs/ddp" --force >"$logs/ddp.log" 2>&1 || { tail -30 "$logs/ddp.log"; status=1; }
  echo "$(( $(date +%s) - start )) s"
  python3 - "$logs/ddp/training.json" <<'PY' || status=1
import json, sys
t = json.load(open(sys.argv[1]))
print("world_size", t["world_size"], "stop", t["stop_reason"], "rank weight hashes", t["rank_weight_hashes"])
assert t["world_size"] == 2 and len(set(t["rank_weight_hashes"])) == 1
PY
  grep -o "time up to update 300: .*" "$logs/ddp/train.log" | tail -1
else
  echo; echo "== one GPU: no multi-GPU run"
fi

echo; echo "== learning check on CUDA, fold 0"
UNICT_BINARY=$unict FOLDS=0 bash scripts/bench/learning_check.sh "$logs/learning" --set run.device=cuda || status=1
exit $status
