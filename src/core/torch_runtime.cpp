#include "unict/core/torch_runtime.h"

#include <algorithm>
#include <thread>

#include <torch/torch.h>

#include "unict/core/compat.h"
#include "unict/core/error.h"
#include "unict/core/seed.h"

namespace unict::core {

std::string torch_runtime_description() {
  std::string text = std::string("LibTorch ") + compat::kTorchVersion;
  if (torch::cuda::is_available()) {
    const auto gpus = torch::cuda::device_count();
    text += " with CUDA, " + std::to_string(gpus) + (gpus == 1 ? " GPU" : " GPUs");
  } else {
    text += " (CPU only: no usable CUDA device)";
  }
  return text;
}

std::string resolve_device_name(std::string_view requested) {
  const bool cuda = torch::cuda::is_available();
  if (requested == "auto") return cuda ? "cuda" : "cpu";
  if (requested == "cpu") return "cpu";
  if (requested.rfind("cuda", 0) == 0) {
    if (!cuda) throw Error("a CUDA device was requested but none is usable here").key("run.device").value(std::string(requested)).expected("cpu or auto on this machine");
    if (requested.size() > 5) {
      const long index = std::stol(std::string(requested.substr(5)));
      if (index >= static_cast<long>(torch::cuda::device_count()))
        throw Error("no such CUDA device").key("run.device").value(std::string(requested)).expected("an index below " + std::to_string(torch::cuda::device_count()));
    }
    return std::string(requested);
  }
  throw Error("unknown device").key("run.device").value(std::string(requested)).expected("auto, cpu, cuda or cuda:<index>");
}

int configure_torch_threads(std::int64_t threads, int processes_per_node) {
  const unsigned share = std::thread::hardware_concurrency() / static_cast<unsigned>(std::max(1, processes_per_node));
  const auto count = static_cast<int>(threads > 0 ? threads : std::max(1u, share));
  at::set_num_threads(count);
  return count;
}

void seed_torch(std::uint64_t root_seed) {
  // torch::manual_seed seeds the CUDA generators too when CUDA is present.
  torch::manual_seed(derive_seed(root_seed, "torch"));
}

}  // namespace unict::core
