#include "unict/model/pretrained.h"

#include <algorithm>
#include <map>

#include <torch/torch.h>

#include "unict/core/error.h"
#ifndef UNICT_NO_WEIGHT_IMPORT
#include "unict/io/npy.h"
#include "unict/model/tensor_archive.h"
#endif
#include "unict/model/resnet2p5d.h"

namespace unict::model {
namespace {

#ifndef UNICT_NO_WEIGHT_IMPORT
std::string shape_text(c10::IntArrayRef shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}
#endif

void add_norm(std::vector<std::pair<std::string, std::string>>& map, const std::string& from, const std::string& to) {
  for (const char* field : {"weight", "bias", "running_mean", "running_var"}) map.emplace_back(from + "." + field, to + "." + field);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> torchvision_resnet_name_map(std::int64_t depth) {
  std::vector<std::pair<std::string, std::string>> map;
  map.emplace_back("conv1.weight", "stem_conv.weight");
  add_norm(map, "bn1", "stem_norm");
  const auto blocks = ResNet2dImpl::blocks_per_stage(depth);
  for (std::size_t s = 0; s < blocks.size(); ++s) {
    for (std::int64_t b = 0; b < blocks[s]; ++b) {
      const auto tv = "layer" + std::to_string(s + 1) + "." + std::to_string(b);
      const auto ours = "stage" + std::to_string(s + 1) + "." + std::to_string(b);
      map.emplace_back(tv + ".conv1.weight", ours + ".conv_a.weight");
      add_norm(map, tv + ".bn1", ours + ".norm_a");
      map.emplace_back(tv + ".conv2.weight", ours + ".conv_b.weight");
      add_norm(map, tv + ".bn2", ours + ".norm_b");
      if (b == 0 && s > 0) {  // the first block of stages 2-4 halves the size and widens
        map.emplace_back(tv + ".downsample.0.weight", ours + ".shortcut.0.weight");
        add_norm(map, tv + ".downsample.1", ours + ".shortcut.1");
      }
    }
  }
  return map;
}

#ifdef UNICT_NO_WEIGHT_IMPORT
void load_torchvision_resnet(ResNet2dImpl&, std::int64_t, const std::filesystem::path& file) {
  throw Error("this build cannot import weights (built with UNICT_MODEL_ONLY, without libzip)")
      .file(file.string())
      .key("encoder.resnet2p5d.pretrained")
      .hint("use a full build, or leave the key empty");
}
#else
void load_torchvision_resnet(ResNet2dImpl& trunk, std::int64_t depth, const std::filesystem::path& file) {
  const auto members = io::npz_members(file);  // an unreadable file fails here, naming it
  std::map<std::string, at::Tensor> ours;
  for (const auto& [name, tensor] : module_weights(trunk)) ours[name] = tensor;

  torch::NoGradGuard no_grad;
  for (const auto& [tv_name, our_name] : torchvision_resnet_name_map(depth)) {
    const auto target = ours.find(our_name);
    if (target == ours.end()) throw internal_error("the trunk has no tensor '" + our_name + "' (name map out of date)");
    const auto& dest = target->second;
    const bool present = std::find(members.begin(), members.end(), tv_name + ".npy") != members.end();
    if (!present)
      throw Error("missing tensor '" + tv_name + "'")
          .file(file.string())
          .expected("a torchvision ResNet-" + std::to_string(depth) + " export with " + shape_text(dest.sizes()))
          .hint("export with scripts/export_torchvision_resnet.py --depth " + std::to_string(depth));
    const auto array = io::read_npz_member(file, tv_name);
    if (array.dtype != io::DType::float32)
      throw Error("tensor '" + tv_name + "' has dtype " + std::string(io::dtype_name(array.dtype))).file(file.string()).expected("float32");
    if (c10::IntArrayRef(array.shape) != dest.sizes())
      throw Error("tensor '" + tv_name + "' has shape " + shape_text(array.shape))
          .file(file.string())
          .expected(shape_text(dest.sizes()) + " for ResNet-" + std::to_string(depth));
    const auto source = torch::from_blob(const_cast<float*>(array.data<float>()), array.shape, torch::kFloat32);
    dest.copy_(source);
  }
}
#endif

}  // namespace unict::model
