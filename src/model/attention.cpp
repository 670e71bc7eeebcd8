#include "unict/model/attention.h"

#include <cmath>

#include <torch/nn/functional/activation.h>

#include "unict/core/error.h"

namespace unict::model {

MultiHeadAttentionImpl::MultiHeadAttentionImpl(std::int64_t dim, std::int64_t heads, double dropout)
    : heads_(heads), head_dim_(dim / heads) {
  if (dim % heads != 0) throw internal_error("attention width " + std::to_string(dim) + " is not divisible by " + std::to_string(heads) + " heads");
  q_ = register_module("q", torch::nn::Linear(dim, dim));
  k_ = register_module("k", torch::nn::Linear(dim, dim));
  v_ = register_module("v", torch::nn::Linear(dim, dim));
  out_ = register_module("out", torch::nn::Linear(dim, dim));
  dropout_ = register_module("dropout", torch::nn::Dropout(dropout));
}

at::Tensor MultiHeadAttentionImpl::split_heads(const at::Tensor& x) const {
  return x.view({x.size(0), x.size(1), heads_, head_dim_}).transpose(1, 2);
}

at::Tensor MultiHeadAttentionImpl::queries(const at::Tensor& x) { return split_heads(q_(x)); }
at::Tensor MultiHeadAttentionImpl::keys(const at::Tensor& x) { return split_heads(k_(x)); }
at::Tensor MultiHeadAttentionImpl::values(const at::Tensor& x) { return split_heads(v_(x)); }

AttentionResult MultiHeadAttentionImpl::attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                               const at::Tensor& allowed, bool need_weights) {
  auto scores = at::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(head_dim_)));
  if (allowed.defined()) scores = scores.masked_fill(allowed.logical_not(), -std::numeric_limits<float>::infinity());
  auto weights = at::softmax(scores, -1);
  auto mixed = at::matmul(dropout_(weights), v);  // [B, H, Lq, dh]
  auto merged = mixed.transpose(1, 2).reshape({q.size(0), q.size(2), heads_ * head_dim_});
  AttentionResult result{out_(merged), {}};
  if (need_weights) result.weights = weights.mean(1);
  return result;
}

std::pair<at::Tensor, at::Tensor> MultiHeadAttentionImpl::stacked_projections() const {
  return {at::cat({q_->weight, k_->weight, v_->weight}), at::cat({q_->bias, k_->bias, v_->bias})};
}

at::Tensor MultiHeadAttentionImpl::step(const at::Tensor& x, at::Tensor& keys, at::Tensor& values,
                                        const std::pair<at::Tensor, at::Tensor>& projections) {
  const auto qkv = at::addmm(projections.second, x, projections.first.t()).chunk(3, 1);  // q, k, v: [B, D] each
  const auto one_position = [&](const at::Tensor& projected) { return projected.view({x.size(0), heads_, 1, head_dim_}); };
  keys = at::cat({keys, one_position(qkv[1])}, 2);
  values = at::cat({values, one_position(qkv[2])}, 2);
  // One query: scores and mix as broadcast products and sums. at::matmul runs one matrix product
  // per (volume, head) for a 1 x L result, each a dispatch and a BLAS call: that was a third of
  // a decoding step's time on the CPU (docs/benchmarks.md).
  const auto q = one_position(qkv[0]);                                                                  // [B, H, 1, dh]
  const auto scores = (keys * q).sum(-1, /*keepdim=*/true) * (1.0 / std::sqrt(static_cast<double>(head_dim_)));  // [B, H, L, 1]
  const auto mixed = (dropout_(at::softmax(scores, 2)) * values).sum(2);                              // [B, H, dh]
  return out_(mixed.view({x.size(0), heads_ * head_dim_}));
}

AttentionResult MultiHeadAttentionImpl::forward(const at::Tensor& x, const at::Tensor& allowed, bool need_weights) {
  return attend(queries(x), keys(x), values(x), allowed, need_weights);
}

FeedForwardImpl::FeedForwardImpl(std::int64_t dim, std::int64_t hidden, double dropout) {
  // Not "in": checkpoints store module names in TorchScript, where "in" is a keyword.
  in_ = register_module("expand", torch::nn::Linear(dim, hidden));
  out_ = register_module("out", torch::nn::Linear(hidden, dim));
  dropout_ = register_module("dropout", torch::nn::Dropout(dropout));
}

at::Tensor FeedForwardImpl::forward(const at::Tensor& x) { return out_(dropout_(torch::nn::functional::gelu(in_(x)))); }

}  // namespace unict::model
