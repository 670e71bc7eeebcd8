// What LibTorch this binary runs with, and on which device. The interface is LibTorch-free so that
// callers (the CLI, the io layer's users) do not pay for LibTorch headers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace unict::core {

// "LibTorch 1.13.0 (CPU only)" or "LibTorch 2.4.1 with CUDA 12.4, 1 GPU".
std::string torch_runtime_description();

// The device a run.device setting means here: "auto" -> "cuda" when a GPU is usable, else "cpu".
// Throws Error when a CUDA device is asked for and none (or not that index) is available.
std::string resolve_device_name(std::string_view requested);

// Sets LibTorch's intra-op threads from run.threads (0 = the hardware threads shared out among the
// `processes_per_node` ranks of a distributed run on this node); LibTorch's own default can be a
// single thread. Returns the number set.
int configure_torch_threads(std::int64_t threads, int processes_per_node = 1);

// Seeds LibTorch's global generators (CPU and CUDA) from the root seed's "torch" stream.
void seed_torch(std::uint64_t root_seed);

}  // namespace unict::core
