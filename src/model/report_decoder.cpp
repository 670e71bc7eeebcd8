#include "unict/model/report_decoder.h"

#include <torch/nn/modules/dropout.h>
#include <torch/torch.h>

#include "unict/core/error.h"
#include "unict/text/special_tokens.h"

namespace unict::model {
namespace {
torch::nn::LayerNorm layer_norm(std::int64_t dim) { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})); }
}  // namespace

DecoderBlockImpl::DecoderBlockImpl(std::int64_t dim, std::int64_t heads, std::int64_t ff_dim, double dropout) {
  attention_norm_ = register_module("attention_norm", layer_norm(dim));
  attention_ = register_module("attention", MultiHeadAttention(dim, heads, dropout));
  ffn_norm_ = register_module("ffn_norm", layer_norm(dim));
  ffn_ = register_module("ffn", FeedForward(dim, ff_dim, dropout));
  dropout_ = register_module("dropout", torch::nn::Dropout(dropout));
}

at::Tensor DecoderBlockImpl::forward(const at::Tensor& x, const at::Tensor& allowed) {
  auto y = x + dropout_(attention_->forward(attention_norm_(x), allowed).output);
  return y + dropout_(ffn_(ffn_norm_(y)));
}

std::pair<at::Tensor, at::Tensor> DecoderBlockImpl::keys_values(const at::Tensor& x) {
  const auto normed = attention_norm_(x);
  return {attention_->keys(normed), attention_->values(normed)};
}

at::Tensor DecoderBlockImpl::step(const at::Tensor& x, at::Tensor& keys, at::Tensor& values,
                                  const std::pair<at::Tensor, at::Tensor>& projections) {
  // The new position sees everything cached: the prefix and the text before it.
  auto y = x + dropout_(attention_->step(attention_norm_(x), keys, values, projections));
  return y + dropout_(ffn_(ffn_norm_(y)));
}

void DecoderCache::select(const at::Tensor& rows) {
  for (auto& k : keys) k = k.index_select(0, rows);
  for (auto& v : values) v = v.index_select(0, rows);
  if (findings_bias.defined()) findings_bias = findings_bias.index_select(0, rows);
}

ReportDecoderImpl::ReportDecoderImpl(const ReportDecoderConfig& config, std::int64_t latent_dim, std::int64_t token_channels,
                                     std::int64_t vocab_size, std::int64_t findings_dim)
    : max_tokens_(config.max_tokens), max_slice_tokens_(config.max_slice_tokens), vocab_size_(vocab_size) {
  const auto d = config.d_model;
  latent_proj_ = register_module("latent_proj", torch::nn::Linear(latent_dim, d));
  latent_type_ = register_module("latent_type", torch::nn::Embedding(1, d));
  slice_proj_ = register_module("slice_proj", torch::nn::Linear(token_channels, d));
  slice_positions_ = register_module("slice_positions", torch::nn::Embedding(config.max_slice_tokens, d));
  token_embedding_ = register_module("token_embedding", torch::nn::Embedding(vocab_size, d));
  text_positions_ = register_module("text_positions", torch::nn::Embedding(config.max_tokens, d));
  for (std::int64_t l = 0; l < config.layers; ++l)
    blocks_.push_back(register_module("block" + std::to_string(l), DecoderBlock(d, config.heads, config.ff_dim, config.dropout)));
  final_norm_ = register_module("final_norm", layer_norm(d));
  caption_head_ = register_module("caption_head", torch::nn::Linear(d, vocab_size));
  if (findings_dim > 0) findings_proj_ = register_module("findings_proj", torch::nn::Linear(findings_dim, d));
  dropout_ = register_module("dropout", torch::nn::Dropout(config.dropout));
}

at::Tensor ReportDecoderImpl::seq2seq_mask(std::int64_t prefix, std::int64_t text, const at::Device& device) {
  const auto n = prefix + text;
  auto allowed = torch::ones({n, n}, torch::TensorOptions().dtype(torch::kBool).device(device)).tril();
  allowed.slice(0, 0, prefix).slice(1, 0, prefix).fill_(true);  // the prefix sees the whole prefix
  allowed.slice(0, prefix).slice(1, 0, prefix).fill_(true);      // text sees the whole prefix
  return allowed;
}

at::Tensor ReportDecoderImpl::prefix(const at::Tensor& z_rep, const at::Tensor& slice_tokens) {
  const auto slices = slice_tokens.size(1);
  if (slices > max_slice_tokens_)
    throw Error("the encoder gives more slice tokens than the report decoder has positions for")
        .key("report_decoder.max_slice_tokens")
        .value(std::to_string(slices) + " slice tokens")
        .expected("at least " + std::to_string(slices));
  const auto positions = torch::arange(slices, torch::TensorOptions().dtype(torch::kLong).device(slice_tokens.device()));
  auto latent = latent_proj_(z_rep).unsqueeze(1) + latent_type_->weight.unsqueeze(0);  // [B, 1, d]
  auto slice = slice_proj_(slice_tokens) + slice_positions_(positions).unsqueeze(0);    // [B, S, d]
  return at::cat({latent, slice}, 1);
}

void ReportDecoderImpl::check_text_length(std::int64_t length) const {
  if (length > max_tokens_)
    throw internal_error("text of " + std::to_string(length) + " tokens exceeds report_decoder.max_tokens = " + std::to_string(max_tokens_));
}

at::Tensor ReportDecoderImpl::embed_text(const at::Tensor& text, std::int64_t first_position) {
  const auto length = text.size(1);
  check_text_length(first_position + length);
  const auto positions = torch::arange(first_position, first_position + length, torch::TensorOptions().dtype(torch::kLong).device(text.device()));
  return token_embedding_(text) + text_positions_(positions).unsqueeze(0);
}

at::Tensor ReportDecoderImpl::findings_bias(const at::Tensor& findings) {
  if (!findings_proj_) return {};
  if (!findings.defined()) throw internal_error("this report decoder reads findings, and none were given");
  return findings_proj_(findings).unsqueeze(1);
}

at::Tensor ReportDecoderImpl::forward(const at::Tensor& z_rep, const at::Tensor& slice_tokens, const at::Tensor& text,
                                      const at::Tensor& findings) {
  const auto pre = prefix(z_rep, slice_tokens);
  auto embedded = embed_text(text, 0);
  if (const auto bias = findings_bias(findings); bias.defined()) embedded = embedded + bias;
  auto x = dropout_(at::cat({pre, embedded}, 1));
  const auto allowed = seq2seq_mask(pre.size(1), text.size(1), x.device());
  for (auto& block : blocks_) x = block->forward(x, allowed);
  return caption_head_(final_norm_(x.slice(1, pre.size(1))));
}

DecoderCache ReportDecoderImpl::start(const at::Tensor& z_rep, const at::Tensor& slice_tokens, const at::Tensor& findings) {
  auto x = dropout_(prefix(z_rep, slice_tokens));
  const auto allowed = seq2seq_mask(x.size(1), 0, x.device());
  DecoderCache cache;
  if (const auto bias = findings_bias(findings); bias.defined()) cache.findings_bias = bias.squeeze(1);
  for (auto& block : blocks_) {
    auto [k, v] = block->keys_values(x);
    cache.keys.push_back(k);
    cache.projections.push_back(block->stacked_projections());
    cache.values.push_back(v);
    x = block->forward(x, allowed);
  }
  return cache;
}

at::Tensor ReportDecoderImpl::step(DecoderCache& cache, const at::Tensor& tokens) {
  check_text_length(cache.text_length + 1);
  auto embedded = token_embedding_(tokens) + text_positions_->weight[cache.text_length];  // [N, d]: embed_text for one position
  if (cache.findings_bias.defined()) embedded = embedded + cache.findings_bias;
  auto x = dropout_(embedded);
  for (std::size_t l = 0; l < blocks_.size(); ++l) x = blocks_[l]->step(x, cache.keys[l], cache.values[l], cache.projections[l]);
  ++cache.text_length;
  return caption_head_(final_norm_(x));
}

at::Tensor pad_token_rows(const std::vector<std::vector<std::int64_t>>& rows) {
  std::size_t longest = 0;
  for (const auto& r : rows) longest = std::max(longest, r.size());
  auto out = torch::full({static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(longest)}, text::kPadId, torch::kLong);
  auto a = out.accessor<std::int64_t, 2>();
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i].size(); ++j) a[static_cast<std::int64_t>(i)][static_cast<std::int64_t>(j)] = rows[i][j];
  return out;
}

}  // namespace unict::model
