#include "unict/model/task_adapters.h"

namespace unict::model {

TaskAdapterImpl::TaskAdapterImpl(std::int64_t dim, double dropout) {
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  ffn_ = register_module("ffn", FeedForward(dim, 2 * dim, dropout));
}

at::Tensor TaskAdapterImpl::forward(const at::Tensor& embedded) { return embedded + ffn_(norm_(embedded)); }

MultiTaskFusionImpl::MultiTaskFusionImpl(std::int64_t dim, std::int64_t heads, double dropout) {
  attention_norm_ = register_module("attention_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  attention_ = register_module("attention", MultiHeadAttention(dim, heads, dropout));
  ffn_norm_ = register_module("ffn_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  ffn_ = register_module("ffn", FeedForward(dim, 4 * dim, dropout));
}

FusionOutput MultiTaskFusionImpl::forward(const at::Tensor& latents) {
  auto attended = attention_->forward(attention_norm_(latents), {}, /*need_weights=*/true);
  auto x = latents + attended.output;
  x = x + ffn_(ffn_norm_(x));
  return {x, attended.weights};
}

}  // namespace unict::model
