#include "unict/model/resnet3d.h"

#include <algorithm>
#include <numeric>

#include <torch/nn/functional/activation.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/instancenorm.h>
#include <torch/nn/modules/normalization.h>

#include "unict/core/error.h"
#include "unict/model/batch_norm.h"

namespace unict::model {
namespace {

namespace F = torch::nn::functional;

torch::nn::Conv3d conv3d(std::int64_t in, std::int64_t out, std::vector<std::int64_t> kernel, std::vector<std::int64_t> stride) {
  std::vector<std::int64_t> padding;
  for (auto k : kernel) padding.push_back(k / 2);
  return torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, kernel).stride(stride).padding(padding).bias(false));
}

}  // namespace

torch::nn::AnyModule make_norm3d(const std::string& kind, std::int64_t channels) {
  if (kind == "batch") return torch::nn::AnyModule(BatchNorm(channels));
  if (kind == "instance") return torch::nn::AnyModule(torch::nn::InstanceNorm3d(torch::nn::InstanceNorm3dOptions(channels).affine(true)));
  if (kind == "group") {
    // Groups of 8 channels where possible (GroupNorm's usual 32 groups suit wider maps than a CPU model has).
    const auto groups = std::gcd(channels, std::max<std::int64_t>(1, channels / 8));
    return torch::nn::AnyModule(torch::nn::GroupNorm(groups, channels));
  }
  throw internal_error("unknown normalisation '" + kind + "'");
}

BasicBlock3dImpl::BasicBlock3dImpl(std::int64_t in, std::int64_t out, std::vector<std::int64_t> stride, const std::string& norm) {
  conv_a_ = register_module("conv_a", conv3d(in, out, {3, 3, 3}, stride));
  norm_a_ = make_norm3d(norm, out);
  register_module("norm_a", norm_a_.ptr());
  conv_b_ = register_module("conv_b", conv3d(out, out, {3, 3, 3}, {1, 1, 1}));
  norm_b_ = make_norm3d(norm, out);
  register_module("norm_b", norm_b_.ptr());
  shortcut_ = register_module("shortcut", torch::nn::Sequential());
  const bool strided = std::any_of(stride.begin(), stride.end(), [](auto s) { return s != 1; });
  if (strided || in != out) {
    shortcut_->push_back(conv3d(in, out, {1, 1, 1}, stride));
    shortcut_->push_back(make_norm3d(norm, out));
  }
}

at::Tensor BasicBlock3dImpl::forward(const at::Tensor& x) {
  auto y = F::relu(norm_a_.forward(conv_a_(x)), F::ReLUFuncOptions().inplace(true));
  y = norm_b_.forward(conv_b_(y));
  y += shortcut_->is_empty() ? x : shortcut_->forward(x);
  return F::relu(y, F::ReLUFuncOptions().inplace(true));
}

Resnet3dImpl::Resnet3dImpl(const Resnet3dConfig& config) {
  const auto& stem_stride = config.stem_stride;
  std::vector<std::int64_t> kernel;
  for (auto s : stem_stride) kernel.push_back(s > 1 ? 2 * s + 1 : 3);  // wide enough to see every input voxel
  stem_ = register_module("stem", torch::nn::Sequential(conv3d(1, config.stem_channels, kernel, stem_stride),
                                                        make_norm3d(config.norm, config.stem_channels),
                                                        torch::nn::ReLU(torch::nn::ReLUOptions().inplace(true))));
  channels_.push_back(config.stem_channels);
  total_stride_ = stem_stride;
  for (std::size_t s = 0; s < config.widths.size(); ++s) {
    const std::vector<std::int64_t> stride{config.z_strides.at(s), config.xy_strides.at(s), config.xy_strides.at(s)};
    torch::nn::Sequential stage;
    for (std::int64_t b = 0; b < config.depths.at(s); ++b)
      stage->push_back(BasicBlock3d(b == 0 ? channels_.back() : config.widths[s], config.widths[s],
                                    b == 0 ? stride : std::vector<std::int64_t>{1, 1, 1}, config.norm));
    stages_.push_back(register_module("stage" + std::to_string(s + 1), stage));
    channels_.push_back(config.widths[s]);
    for (int d = 0; d < 3; ++d) total_stride_[d] *= stride[d];
  }
}

void Resnet3dImpl::check_input_size(const std::vector<std::int64_t>& zyx) const {
  static const char* axes[] = {"z", "y", "x"};
  for (int d = 0; d < 3; ++d)
    if (zyx.at(d) < total_stride_[d])
      throw Error(std::string("the input is smaller along ") + axes[d] + " than resnet3d's total stride " + std::to_string(total_stride_[d]))
          .key("preprocess.size")
          .value(std::to_string(zyx[d]))
          .expected("at least the product of encoder.resnet3d stem and stage strides");
}

std::vector<at::Tensor> Resnet3dImpl::forward(const at::Tensor& ct) {
  check_input_size({ct.size(2), ct.size(3), ct.size(4)});
  std::vector<at::Tensor> maps;
  auto x = stem_->forward(ct);
  maps.push_back(x);
  for (auto& stage : stages_) {
    x = stage->forward(x);
    maps.push_back(x);
  }
  return maps;
}

void register_resnet3d(EncoderRegistry& registry) {
  registry.add("resnet3d", [](const EncoderConfig& config) { return std::make_shared<Resnet3dImpl>(config.options_as<Resnet3dConfig>()); });
}

}  // namespace unict::model
