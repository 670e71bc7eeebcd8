// resnet2p5d: a 2D ResNet-18 / 34 (torchvision's layout, so ImageNet weights load) applied to
// groups of 3 adjacent slices, the CT-Net / CT-Scroll reading of a CT volume. Each group is an
// RGB image; the trunk's maps of all groups are stacked back along z, so a map is
// [B, C, Z / 3, h, w]: one slice token per group of 3 slices.
#pragma once

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>

#include "unict/model/batch_norm.h"
#include "unict/model/encoder.h"

namespace unict::model {

inline constexpr std::int64_t kSlicesPerGroup = 3;

class BasicBlock2dImpl : public torch::nn::Module {
 public:
  BasicBlock2dImpl(std::int64_t in, std::int64_t out, std::int64_t stride);
  at::Tensor forward(const at::Tensor& x);

 private:
  torch::nn::Conv2d conv_a_{nullptr}, conv_b_{nullptr};
  BatchNorm norm_a_{nullptr}, norm_b_{nullptr};
  torch::nn::Sequential shortcut_{nullptr};  // empty when the block keeps shape
};
TORCH_MODULE(BasicBlock2d);

// The 2D trunk: [N, 3, H, W] -> 5 maps: stem (stride 2, 64 channels), stages 1-4 (strides 4 to
// 32, 64 to 512 channels). Parameter names: stem_conv, stem_norm, stage<i>.<j>.{conv_a, norm_a,
// conv_b, norm_b, shortcut.0, shortcut.1}.
class ResNet2dImpl : public torch::nn::Module {
 public:
  explicit ResNet2dImpl(std::int64_t depth);
  std::vector<at::Tensor> forward(const at::Tensor& images);
  static std::vector<std::int64_t> blocks_per_stage(std::int64_t depth);  // 18: 2 2 2 2, 34: 3 4 6 3
  static std::vector<std::int64_t> channels() { return {64, 64, 128, 256, 512}; }

 private:
  torch::nn::Conv2d stem_conv_{nullptr};
  BatchNorm stem_norm_{nullptr};
  std::vector<torch::nn::Sequential> stages_;
};
TORCH_MODULE(ResNet2d);

class Resnet2p5dImpl : public BackboneImpl {
 public:
  explicit Resnet2p5dImpl(const Resnet2p5dConfig& config);
  std::vector<at::Tensor> forward(const at::Tensor& ct) override;
  std::vector<std::int64_t> map_channels() const override { return ResNet2d::Impl::channels(); }
  void check_input_size(const std::vector<std::int64_t>& zyx) const override;
  ResNet2d& trunk() { return trunk_; }

 private:
  ResNet2d trunk_{nullptr};
};

}  // namespace unict::model
