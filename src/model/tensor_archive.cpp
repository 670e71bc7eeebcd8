#include "unict/model/tensor_archive.h"

#include <cstring>
#include <set>

#include <torch/nn/module.h>

#include "unict/core/error.h"
#include "unict/io/npy.h"

namespace unict::model {
namespace {

io::DType array_dtype(const at::Tensor& t, const std::string& name) {
  switch (t.scalar_type()) {
    case at::kBool: return io::DType::boolean;
    case at::kLong: return io::DType::int64;
    case at::kFloat: return io::DType::float32;
    case at::kDouble: return io::DType::float64;
    default: throw internal_error("tensor '" + name + "' has dtype " + std::string(c10::toString(t.scalar_type())) + ", which the archive does not store");
  }
}

io::NdArray to_array(const at::Tensor& tensor, const std::string& name) {
  const auto t = tensor.detach().to(at::kCPU).contiguous();
  auto array = io::NdArray::uninitialized(array_dtype(t, name), t.sizes().vec());
  std::memcpy(array.bytes.data(), t.data_ptr(), array.bytes.size());
  return array;
}

}  // namespace

NamedTensors module_weights(const torch::nn::Module& module) {
  NamedTensors out;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) out.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers(/*recurse=*/true)) out.emplace_back(b.key(), b.value());
  return out;
}

void write_tensor_archive(const std::filesystem::path& file, const NamedTensors& tensors) {
  std::set<std::string> seen;
  std::vector<io::NdArray> arrays;
  arrays.reserve(tensors.size());  // the entries point into it
  std::vector<io::NpzEntry> entries;
  for (const auto& [name, tensor] : tensors) {
    if (!seen.insert(name).second) throw internal_error("tensor '" + name + "' is named twice in one archive");
    arrays.push_back(to_array(tensor, name));
    entries.push_back({name, &arrays.back()});
  }
  io::write_npz(file, entries, /*compress=*/false);
}

}  // namespace unict::model
