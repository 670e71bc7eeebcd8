// Small model settings for tests: the declared defaults of every model section, shrunk so a
// forward + backward pass takes well under a second on a 2-core CPU.
#pragma once

#include <torch/torch.h>

#include "unict/core/config_schema.h"
#include "unict/core/resolved_config.h"
#include "unict/model/model_config.h"
#include "unict/model/unict_model.h"
#include "unict/text/special_tokens.h"

namespace unict::test {

// The declared defaults, with `encoder` chosen (so its own keys' defaults are read).
inline model::ModelSettings declared_model_defaults(const std::string& encoder = "resnet2p5d") {
  auto schema = std::make_shared<core::Schema>();
  model::declare_model_sections(*schema);
  core::ResolvedConfig config(schema);
  config.set("encoder.name", encoder, "test");
  return model::read_model_settings(config);
}

inline model::ModelSettings tiny_settings(const std::string& encoder = "resnet3d") {
  auto s = declared_model_defaults(encoder);
  if (auto* r = std::get_if<model::Resnet3dConfig>(&s.encoder.options)) {
    r->stem_channels = 8;
    r->widths = {8, 16, 16};
    r->depths = {1, 1, 1};
    r->z_strides = {1, 2, 2};
    r->xy_strides = {2, 2, 2};
  }
  s.seg_decoder.channels = encoder == "resnet3d" ? std::vector<std::int64_t>{16, 8, 8} : std::vector<std::int64_t>{32, 16, 8, 8};
  s.model.embed_dim = 32;
  s.model.fusion_heads = 4;
  s.model.dropout = 0;
  s.report_decoder.d_model = 32;
  s.report_decoder.heads = 4;
  s.report_decoder.layers = 2;
  s.report_decoder.ff_dim = 64;
  s.report_decoder.dropout = 0;
  s.report_decoder.max_tokens = 24;
  s.report_decoder.max_slice_tokens = 64;
  s.decode.max_tokens = 24;
  return s;
}

inline model::ModelShape tiny_shape(std::vector<std::int64_t> input = {12, 32, 32}) {
  return {4, 40, std::move(input)};
}

// A CT batch and report tokens (BOS, random pieces, EOS, PAD) of the tiny shape.
struct TinyBatch {
  at::Tensor ct, tokens, labels, masks, has_mask;
};

inline TinyBatch tiny_batch(const model::ModelShape& shape, std::int64_t batch = 2, std::int64_t length = 10, std::uint64_t seed = 7) {
  torch::manual_seed(seed);
  TinyBatch b;
  std::vector<std::int64_t> ct{batch, 1};
  ct.insert(ct.end(), shape.input_size.begin(), shape.input_size.end());
  b.ct = torch::rand(ct);
  b.tokens = torch::randint(text::kEosId + 1, shape.vocab_size, {batch, length}, torch::kLong);
  b.tokens.select(1, 0).fill_(text::kBosId);
  b.tokens.select(1, length - 2).fill_(text::kEosId);
  b.tokens.select(1, length - 1).fill_(text::kPadId);
  b.labels = (torch::rand({batch, shape.classes}) > 0.5).to(torch::kFloat32);
  std::vector<std::int64_t> masks{batch, shape.classes};
  masks.insert(masks.end(), shape.input_size.begin(), shape.input_size.end());
  b.masks = (torch::rand(masks) > 0.9).to(torch::kFloat32);
  b.has_mask = torch::ones({batch}, torch::kBool);
  return b;
}

}  // namespace unict::test
