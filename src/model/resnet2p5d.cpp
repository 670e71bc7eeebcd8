#include "unict/model/resnet2p5d.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/pooling.h>

#include "unict/core/error.h"
#include "unict/model/pretrained.h"

namespace unict::model {
namespace {

namespace F = torch::nn::functional;

torch::nn::Conv2d conv(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
}

// ImageNet statistics: a pretrained trunk expects its inputs normalised like ImageNet images.
constexpr float kMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kStd[3] = {0.229f, 0.224f, 0.225f};

}  // namespace

BasicBlock2dImpl::BasicBlock2dImpl(std::int64_t in, std::int64_t out, std::int64_t stride) {
  conv_a_ = register_module("conv_a", conv(in, out, 3, stride));
  norm_a_ = register_module("norm_a", BatchNorm(out));
  conv_b_ = register_module("conv_b", conv(out, out, 3, 1));
  norm_b_ = register_module("norm_b", BatchNorm(out));
  shortcut_ = register_module("shortcut", torch::nn::Sequential());
  if (stride != 1 || in != out) {
    shortcut_->push_back(conv(in, out, 1, stride));
    shortcut_->push_back(BatchNorm(out));
  }
}

at::Tensor BasicBlock2dImpl::forward(const at::Tensor& x) {
  auto y = F::relu(norm_a_(conv_a_(x)), F::ReLUFuncOptions().inplace(true));
  y = norm_b_(conv_b_(y));
  y += shortcut_->is_empty() ? x : shortcut_->forward(x);
  return F::relu(y, F::ReLUFuncOptions().inplace(true));
}

std::vector<std::int64_t> ResNet2dImpl::blocks_per_stage(std::int64_t depth) {
  if (depth == 18) return {2, 2, 2, 2};
  if (depth == 34) return {3, 4, 6, 3};
  throw Error("unsupported ResNet depth").key("encoder.resnet2p5d.depth").value(std::to_string(depth)).expected("18 or 34");
}

ResNet2dImpl::ResNet2dImpl(std::int64_t depth) {
  stem_conv_ = register_module("stem_conv", conv(3, 64, 7, 2));
  stem_norm_ = register_module("stem_norm", BatchNorm(64));
  const auto blocks = blocks_per_stage(depth);
  const auto widths = channels();
  for (std::size_t s = 0; s < blocks.size(); ++s) {
    torch::nn::Sequential stage;
    const auto in = widths[s], out = widths[s + 1];
    for (std::int64_t b = 0; b < blocks[s]; ++b) stage->push_back(BasicBlock2d(b == 0 ? in : out, out, b == 0 && s > 0 ? 2 : 1));
    stages_.push_back(register_module("stage" + std::to_string(s + 1), stage));
  }
}

std::vector<at::Tensor> ResNet2dImpl::forward(const at::Tensor& images) {
  std::vector<at::Tensor> maps;
  auto x = F::relu(stem_norm_(stem_conv_(images)), F::ReLUFuncOptions().inplace(true));
  maps.push_back(x);
  x = F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2).padding(1));
  for (auto& stage : stages_) {
    x = stage->forward(x);
    maps.push_back(x);
  }
  return maps;
}

Resnet2p5dImpl::Resnet2p5dImpl(const Resnet2p5dConfig& config) {
  trunk_ = register_module("trunk", ResNet2d(config.depth));
  if (!config.pretrained.empty()) load_torchvision_resnet(*trunk_, config.depth, config.pretrained);
}

void Resnet2p5dImpl::check_input_size(const std::vector<std::int64_t>& zyx) const {
  if (zyx.size() != 3 || zyx[0] % kSlicesPerGroup != 0)
    throw Error("resnet2p5d reads groups of 3 adjacent slices, so the number of slices must be a multiple of 3")
        .key("preprocess.size")
        .value(std::to_string(zyx.empty() ? 0 : zyx[0]) + " slices")
        .expected("a z size divisible by 3");
}

std::vector<at::Tensor> Resnet2p5dImpl::forward(const at::Tensor& ct) {
  const auto b = ct.size(0), z = ct.size(2), y = ct.size(3), x = ct.size(4);
  check_input_size({z, y, x});
  const auto groups = z / kSlicesPerGroup;
  // [B, 1, Z, Y, X] -> [B * G, 3, Y, X]: each group of 3 slices is one RGB image.
  auto images = ct.reshape({b * groups, kSlicesPerGroup, y, x});
  const auto mean = torch::tensor({kMean[0], kMean[1], kMean[2]}, ct.options()).view({1, 3, 1, 1});
  const auto std = torch::tensor({kStd[0], kStd[1], kStd[2]}, ct.options()).view({1, 3, 1, 1});
  images = (images - mean) / std;
  std::vector<at::Tensor> maps;
  for (const auto& m : trunk_->forward(images)) {
    // [B * G, C, h, w] -> [B, C, G, h, w]
    maps.push_back(m.view({b, groups, m.size(1), m.size(2), m.size(3)}).permute({0, 2, 1, 3, 4}).contiguous());
  }
  return maps;
}

void register_resnet2p5d(EncoderRegistry& registry) {
  registry.add("resnet2p5d", [](const EncoderConfig& config) { return std::make_shared<Resnet2p5dImpl>(config.options_as<Resnet2p5dConfig>()); });
}

}  // namespace unict::model
