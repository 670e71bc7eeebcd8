#include "unict/model/encoder.h"

#include <algorithm>

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include "unict/core/error.h"
#include "unict/core/join.h"
#include "unict/model/encoder_specs.h"

namespace unict::model {

EncoderRegistry::EncoderRegistry() {
  register_resnet2p5d(*this);
  register_resnet3d(*this);
  // The config accepts exactly the encoders built here (encoder_specs.h).
  auto specs = encoder_names();
  std::sort(specs.begin(), specs.end());
  if (specs != names()) throw internal_error("the registered backbones and encoder_specs.cpp name different encoders");
}

EncoderRegistry& EncoderRegistry::instance() {
  static EncoderRegistry registry;
  return registry;
}

void EncoderRegistry::add(const std::string& name, BackboneFactory factory) {
  if (!factories_.emplace(name, std::move(factory)).second) throw internal_error("encoder '" + name + "' is registered twice");
}

std::vector<std::string> EncoderRegistry::names() const {
  std::vector<std::string> names;
  for (const auto& [name, factory] : factories_) names.push_back(name);
  return names;
}

std::shared_ptr<BackboneImpl> EncoderRegistry::make(const EncoderConfig& config) const {
  const auto found = factories_.find(config.name);
  if (found == factories_.end()) {
    throw Error("unknown encoder").key("encoder.name").value(config.name).expected("one of: " + core::join(names()));
  }
  return found->second(config);
}

VisualEncoderImpl::VisualEncoderImpl(const EncoderConfig& config, std::int64_t embed_dim, double dropout) {
  backbone_ = register_module("backbone", EncoderRegistry::instance().make(config));
  const auto maps = backbone_->map_channels();
  if (config.pooled_maps > static_cast<std::int64_t>(maps.size()))
    throw Error("more maps to pool than the encoder has")
        .key("encoder.pooled_maps")
        .value(std::to_string(config.pooled_maps))
        .expected("at most " + std::to_string(maps.size()) + ", the maps of this " + config.name);
  std::int64_t channels = 0;
  for (std::int64_t k = 0; k < config.pooled_maps; ++k) {
    const auto map_channels = maps[maps.size() - 1 - static_cast<std::size_t>(k)];
    pooling_.push_back(register_module("pool" + std::to_string(k), FeaturePooling(config.pooling, map_channels)));
    channels += map_channels;
  }
  embed_ = register_module("embed", torch::nn::Sequential(torch::nn::Linear(channels, embed_dim), torch::nn::GELU(),
                                                          torch::nn::Dropout(dropout), torch::nn::Linear(embed_dim, embed_dim)));
}

EncoderOutput VisualEncoderImpl::forward(const at::Tensor& ct) {
  EncoderOutput out;
  out.maps = backbone_->forward(ct);
  auto deepest = pooling_.front()->slices_and_whole(out.maps.back());
  out.slice_tokens = deepest.slices;  // [B, z, C]
  std::vector<at::Tensor> pooled{deepest.whole};
  for (std::size_t k = 1; k < pooling_.size(); ++k) pooled.push_back(pooling_[k]->whole(out.maps[out.maps.size() - 1 - k]));
  out.embedded = embed_->forward(pooled.size() == 1 ? pooled.front() : at::cat(pooled, 1));
  return out;
}

}  // namespace unict::model
