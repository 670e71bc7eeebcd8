// The segmentation side: SCF (z_seg scales and shifts every encoder map channel-wise, FiLM-style)
// and the U-Net decoder (deepest map upwards, one skip per shallower encoder map, one logit
// channel per class; probabilities are the sigmoid of the logits).
#pragma once

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "unict/model/model_config.h"

namespace unict::model {

class SegmentationModulationImpl : public torch::nn::Module {
 public:
  SegmentationModulationImpl(std::int64_t latent_dim, const std::vector<std::int64_t>& map_channels);
  // map_k * (1 + gamma_k(z_seg)) + beta_k(z_seg), for every map.
  std::vector<at::Tensor> forward(const std::vector<at::Tensor>& maps, const at::Tensor& z_seg);

 private:
  std::vector<torch::nn::Linear> film_;
};
TORCH_MODULE(SegmentationModulation);

class SegDecoderImpl : public torch::nn::Module {
 public:
  // `map_channels`: the encoder's maps, shallowest first; `config.channels`: one per decoder
  // stage, deepest first (map_channels.size() - 1 of them).
  SegDecoderImpl(const std::vector<std::int64_t>& map_channels, const SegDecoderConfig& config, std::int64_t classes);
  // Logits [B, classes, output_size...].
  at::Tensor forward(const std::vector<at::Tensor>& maps, const std::vector<std::int64_t>& output_size);

 private:
  std::vector<torch::nn::Sequential> stages_;
  torch::nn::Conv3d classifier_{nullptr};
};
TORCH_MODULE(SegDecoder);

}  // namespace unict::model
