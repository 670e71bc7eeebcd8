// The visual encoder Φ_enc: a backbone chosen by name from a registry, followed by what every
// backbone shares: slice tokens (the deepest map pooled over its in-plane axes) and the embedded
// CT (the encoder.pooled_maps deepest maps pooled, concatenated, + FFN). Pooling is
// encoder.pooling (feature_pooling.h); global average pooling of the deepest map is the paper's.
//
// A backbone is added with one call, no switch to edit:
//   EncoderRegistry::instance().add("resnet2p5d", [](const EncoderConfig& c) { ... });
// and its config side in encoder_specs.cpp (the registry checks both name the same encoders).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>

#include "unict/model/feature_pooling.h"
#include "unict/model/model_config.h"

namespace unict::model {

// Maps a CT batch [B, 1, Z, Y, X] to feature maps [B, C_k, z_k, y_k, x_k], shallowest first; each
// map is at most as large as the one before it. The segmentation decoder's skips are all but the
// deepest map.
class BackboneImpl : public torch::nn::Module {
 public:
  virtual std::vector<at::Tensor> forward(const at::Tensor& ct) = 0;
  virtual std::vector<std::int64_t> map_channels() const = 0;
  // Throws a user Error naming the config key when the backbone cannot read inputs of this size.
  virtual void check_input_size(const std::vector<std::int64_t>& zyx) const = 0;
};

using BackboneFactory = std::function<std::shared_ptr<BackboneImpl>(const EncoderConfig&)>;

class EncoderRegistry {
 public:
  static EncoderRegistry& instance();
  void add(const std::string& name, BackboneFactory factory);
  // Throws a user Error (key encoder.name) listing the registered names when `config.name` is unknown.
  std::shared_ptr<BackboneImpl> make(const EncoderConfig& config) const;
  std::vector<std::string> names() const;

 private:
  EncoderRegistry();
  std::map<std::string, BackboneFactory> factories_;
};

// Registers the built-in backbones (each lives in its own file).
void register_resnet2p5d(EncoderRegistry& registry);
void register_resnet3d(EncoderRegistry& registry);

struct EncoderOutput {
  std::vector<at::Tensor> maps;  // shallowest first
  at::Tensor slice_tokens;       // [B, S, C_deepest], one per slice (group) of the deepest map
  at::Tensor embedded;           // [B, embed_dim]
};

class VisualEncoderImpl : public torch::nn::Module {
 public:
  VisualEncoderImpl(const EncoderConfig& config, std::int64_t embed_dim, double dropout);
  EncoderOutput forward(const at::Tensor& ct);

  const std::shared_ptr<BackboneImpl>& backbone() const { return backbone_; }
  std::vector<std::int64_t> map_channels() const { return backbone_->map_channels(); }
  std::int64_t token_channels() const { return backbone_->map_channels().back(); }

 private:
  std::shared_ptr<BackboneImpl> backbone_;
  std::vector<FeaturePooling> pooling_;  // deepest map first
  torch::nn::Sequential embed_{nullptr};
};
TORCH_MODULE(VisualEncoder);

}  // namespace unict::model
