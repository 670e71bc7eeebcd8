// The report decoder: a pre-norm Transformer over one sequence [prefix; text] with a
// sequence-to-sequence mask. The prefix (z_rep, then the slice tokens) sees the whole prefix and
// no text; each text position sees the prefix and the text up to itself. Positions are learned,
// separately for slice tokens and text. A caption head maps each text position to next-token
// logits. A decoder built with findings (model.report_reads_cls) also adds a projection of a
// volume's findings [B, F] to every text position: conditioning that each step reads directly,
// without first learning to attend to it.
//
// Decoding runs incrementally: start() computes the prefix once and caches every layer's keys and
// values; step() feeds one token per sequence. Because the prefix never sees text, the cached
// prefix is exactly what a full forward computes.
#pragma once

#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "unict/model/attention.h"
#include "unict/model/model_config.h"

namespace unict::model {

class DecoderBlockImpl : public torch::nn::Module {
 public:
  DecoderBlockImpl(std::int64_t dim, std::int64_t heads, std::int64_t ff_dim, double dropout);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& allowed);
  // One new position per sequence: x [N, D] (2-D: the linear layers then take one matrix product
  // each); appends its keys / values to `keys` / `values`.
  at::Tensor step(const at::Tensor& x, at::Tensor& keys, at::Tensor& values, const std::pair<at::Tensor, at::Tensor>& projections);
  // The attention's stacked q, k, v projections, for step() (MultiHeadAttention::stacked_projections).
  std::pair<at::Tensor, at::Tensor> stacked_projections() const { return attention_->stacked_projections(); }
  // Keys and values of a whole (prefix) sequence, for the cache.
  std::pair<at::Tensor, at::Tensor> keys_values(const at::Tensor& x);

 private:
  torch::nn::LayerNorm attention_norm_{nullptr}, ffn_norm_{nullptr};
  MultiHeadAttention attention_{nullptr};
  FeedForward ffn_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};
TORCH_MODULE(DecoderBlock);

struct DecoderCache {
  std::vector<at::Tensor> keys, values;  // per layer: [N, H, length, D / H]
  std::vector<std::pair<at::Tensor, at::Tensor>> projections;  // per layer: stacked q, k, v weight and bias
  std::int64_t text_length = 0;          // text positions fed so far
  at::Tensor findings_bias;              // [N, d], added to every text position; undefined without findings
  // Keeps the sequences at `rows` (beam search reorders its beams with this).
  void select(const at::Tensor& rows);
};

class ReportDecoderImpl : public torch::nn::Module {
 public:
  // findings_dim: the width of the findings every text position reads (0: none, the paper).
  ReportDecoderImpl(const ReportDecoderConfig& config, std::int64_t latent_dim, std::int64_t token_channels, std::int64_t vocab_size,
                    std::int64_t findings_dim = 0);

  // z_rep [B, latent_dim], slice_tokens [B, S, token_channels], text [B, T] -> logits [B, T, V];
  // logits[:, t] predict text[:, t + 1]. findings [B, findings_dim]: required when findings_dim > 0.
  at::Tensor forward(const at::Tensor& z_rep, const at::Tensor& slice_tokens, const at::Tensor& text, const at::Tensor& findings = {});

  DecoderCache start(const at::Tensor& z_rep, const at::Tensor& slice_tokens, const at::Tensor& findings = {});
  // tokens [N] -> next-token logits [N, V]
  at::Tensor step(DecoderCache& cache, const at::Tensor& tokens);

  // [P + T, P + T] bool, true where row may attend to column.
  static at::Tensor seq2seq_mask(std::int64_t prefix, std::int64_t text, const at::Device& device);

  std::int64_t max_tokens() const { return max_tokens_; }
  std::int64_t vocab_size() const { return vocab_size_; }

 private:
  at::Tensor prefix(const at::Tensor& z_rep, const at::Tensor& slice_tokens);
  at::Tensor embed_text(const at::Tensor& text, std::int64_t first_position);
  void check_text_length(std::int64_t length) const;  // an internal error past max_tokens
  // [B, 1, d] or undefined for a decoder without findings.
  at::Tensor findings_bias(const at::Tensor& findings);

  std::int64_t max_tokens_, max_slice_tokens_, vocab_size_;
  torch::nn::Linear latent_proj_{nullptr}, slice_proj_{nullptr}, caption_head_{nullptr}, findings_proj_{nullptr};
  torch::nn::Embedding token_embedding_{nullptr}, text_positions_{nullptr}, slice_positions_{nullptr}, latent_type_{nullptr};
  std::vector<DecoderBlock> blocks_;
  torch::nn::LayerNorm final_norm_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};
TORCH_MODULE(ReportDecoder);

// Token rows of different lengths -> [B, longest] int64, padded with PAD.
at::Tensor pad_token_rows(const std::vector<std::vector<std::int64_t>>& rows);

}  // namespace unict::model
