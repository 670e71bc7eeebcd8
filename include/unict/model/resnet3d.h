// resnet3d: a 3-D ResNet of basic blocks with configurable widths, depths and anisotropic strides,
// so that a small CPU model and a large GPU model come from one definition. Maps: the stem's and
// each stage's output.
#pragma once

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>

#include "unict/model/encoder.h"

namespace unict::model {

// A normalisation layer over `channels` of a 3-D map: "group" (groups of about 8 channels),
// "batch" or "instance" (affine).
torch::nn::AnyModule make_norm3d(const std::string& kind, std::int64_t channels);

class BasicBlock3dImpl : public torch::nn::Module {
 public:
  BasicBlock3dImpl(std::int64_t in, std::int64_t out, std::vector<std::int64_t> stride, const std::string& norm);
  at::Tensor forward(const at::Tensor& x);

 private:
  torch::nn::Conv3d conv_a_{nullptr}, conv_b_{nullptr};
  torch::nn::AnyModule norm_a_, norm_b_;
  torch::nn::Sequential shortcut_{nullptr};
};
TORCH_MODULE(BasicBlock3d);

class Resnet3dImpl : public BackboneImpl {
 public:
  explicit Resnet3dImpl(const Resnet3dConfig& config);
  std::vector<at::Tensor> forward(const at::Tensor& ct) override;
  std::vector<std::int64_t> map_channels() const override { return channels_; }
  void check_input_size(const std::vector<std::int64_t>& zyx) const override;

 private:
  torch::nn::Sequential stem_{nullptr};
  std::vector<torch::nn::Sequential> stages_;
  std::vector<std::int64_t> channels_;
  std::vector<std::int64_t> total_stride_;  // (z, y, x) of the deepest map
};

}  // namespace unict::model
