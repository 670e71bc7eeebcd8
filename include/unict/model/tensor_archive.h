// Named tensors as an .npz archive that NumPy (and so plain PyTorch) reads without LibTorch: one
// .npy member per tensor, under its name ("encoder.backbone.stem.0.weight.npy"). What
// `unict model export` writes, and what the PyTorch reference (scripts/reference/) loads by name.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace torch::nn {
class Module;
}

namespace unict::model {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// Every parameter and buffer of `module`, under its state-dict name, in registration order.
NamedTensors module_weights(const torch::nn::Module& module);

// Writes the tensors (moved to the CPU; bool, int64, float32 or float64) atomically. A name given
// twice, or another dtype, is an internal Error.
void write_tensor_archive(const std::filesystem::path& file, const NamedTensors& tensors);

}  // namespace unict::model
