// Multi-head attention, written out so that the same module serves training (whole sequences),
// incremental decoding (queries for the new token against cached keys and values) and the fusion
// block (which must return its attention weights).
#pragma once

#include <utility>

#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

namespace unict::model {

struct AttentionResult {
  at::Tensor output;   // [B, Lq, D]
  at::Tensor weights;  // [B, Lq, Lk], averaged over heads; undefined unless asked for
};

class MultiHeadAttentionImpl : public torch::nn::Module {
 public:
  MultiHeadAttentionImpl(std::int64_t dim, std::int64_t heads, double dropout);

  // [B, L, D] -> [B, H, L, D / H]
  at::Tensor queries(const at::Tensor& x);
  at::Tensor keys(const at::Tensor& x);
  at::Tensor values(const at::Tensor& x);

  // `allowed`: bool, broadcastable to [B, H, Lq, Lk], true where a query may attend to a key;
  // undefined = everything visible.
  AttentionResult attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& allowed,
                         bool need_weights);

  AttentionResult forward(const at::Tensor& x, const at::Tensor& allowed = {}, bool need_weights = false);

  // The q, k and v projections as one [3 D, D] weight and [3 D] bias: one matrix product per
  // decoding step instead of three. Taken once per generation (DecoderCache), as the weights
  // do not change while decoding.
  std::pair<at::Tensor, at::Tensor> stacked_projections() const;

  // One new position x [B, D] of incremental decoding: its key and value join the cache
  // (keys, values [B, H, L, D / H]), and its query attends to all of it. `projections`: from
  // stacked_projections(). Returns [B, D].
  at::Tensor step(const at::Tensor& x, at::Tensor& keys, at::Tensor& values, const std::pair<at::Tensor, at::Tensor>& projections);

  std::int64_t heads() const { return heads_; }

 private:
  at::Tensor split_heads(const at::Tensor& x) const;
  std::int64_t heads_, head_dim_;
  torch::nn::Linear q_{nullptr}, k_{nullptr}, v_{nullptr}, out_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};
TORCH_MODULE(MultiHeadAttention);

// Pre-norm feed-forward: Linear -> GELU -> Dropout -> Linear.
class FeedForwardImpl : public torch::nn::Module {
 public:
  FeedForwardImpl(std::int64_t dim, std::int64_t hidden, double dropout);
  at::Tensor forward(const at::Tensor& x);

 private:
  torch::nn::Linear in_{nullptr}, out_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};
TORCH_MODULE(FeedForward);

}  // namespace unict::model
