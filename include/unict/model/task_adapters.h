// The task adapters f_cls, f_seg, f_rep (embedded CT -> task latents h_t) and the multi-task fusion
// Φ_MTF (h -> z): one pre-norm transformer block whose attention runs over the task tokens.
#pragma once

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/normalization.h>

#include "unict/model/attention.h"

namespace unict::model {

// Linear -> GELU -> Dropout -> Linear, with a residual connection to the embedded CT.
class TaskAdapterImpl : public torch::nn::Module {
 public:
  TaskAdapterImpl(std::int64_t dim, double dropout);
  at::Tensor forward(const at::Tensor& embedded);

 private:
  torch::nn::LayerNorm norm_{nullptr};
  FeedForward ffn_{nullptr};
};
TORCH_MODULE(TaskAdapter);

struct FusionOutput {
  at::Tensor tokens;     // [B, T, D]: z_t
  at::Tensor attention;  // [B, T, T], averaged over heads: row = the task that attends
};

class MultiTaskFusionImpl : public torch::nn::Module {
 public:
  MultiTaskFusionImpl(std::int64_t dim, std::int64_t heads, double dropout);
  // `latents`: [B, T, D], h_t in the order of the built tasks.
  FusionOutput forward(const at::Tensor& latents);

 private:
  torch::nn::LayerNorm attention_norm_{nullptr}, ffn_norm_{nullptr};
  MultiHeadAttention attention_{nullptr};
  FeedForward ffn_{nullptr};
};
TORCH_MODULE(MultiTaskFusion);

}  // namespace unict::model
