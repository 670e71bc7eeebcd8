#include "unict/model/feature_pooling.h"

#include <torch/torch.h>

#include "unict/core/error.h"

namespace unict::model {
namespace {

constexpr double kGemInitialP = 3.0;
constexpr double kGemFloor = 1e-6;  // x^p needs x > 0; the maps are ReLU outputs, so mostly >= 0

}  // namespace

FeaturePoolingImpl::FeaturePoolingImpl(const std::string& kind, std::int64_t channels) : kind_(kind) {
  if (kind == "gem") {
    p_ = register_parameter("p", torch::full({1}, kGemInitialP));
  } else if (kind == "attention") {
    score_ = register_module("score", torch::nn::Linear(channels, 1));
    torch::NoGradGuard no_grad;
    score_->weight.zero_();
    score_->bias.zero_();
  } else if (kind != "mean" && kind != "max") {
    throw internal_error("unknown pooling '" + kind + "' (the config's encoder.pooling key lists the known ones)");
  }
}

at::Tensor FeaturePoolingImpl::pool(const at::Tensor& grouped) {
  if (kind_ == "mean") return grouped.mean(-1);
  if (kind_ == "max") return grouped.amax(-1);
  if (kind_ == "gem") return grouped.clamp_min(kGemFloor).pow(p_).mean(-1).pow(p_.reciprocal());
  // attention: [B, C, G, P] -> scores [B, G, P] -> weights over P
  const auto weights = torch::softmax(score_->forward(grouped.permute({0, 2, 3, 1})).squeeze(-1), -1);
  return (grouped * weights.unsqueeze(1)).sum(-1);
}

at::Tensor FeaturePoolingImpl::whole(const at::Tensor& map) {
  if (kind_ == "mean") return per_slice(map).mean(1);  // as slices_and_whole's
  return pool(map.flatten(2).unsqueeze(2)).squeeze(2);
}

at::Tensor FeaturePoolingImpl::per_slice(const at::Tensor& map) {
  if (kind_ == "mean") return map.mean({3, 4}).transpose(1, 2).contiguous();
  return pool(map.flatten(3)).transpose(1, 2).contiguous();
}

FeaturePoolingImpl::SlicesAndWhole FeaturePoolingImpl::slices_and_whole(const at::Tensor& map) {
  SlicesAndWhole both;
  both.slices = per_slice(map);
  both.whole = kind_ == "mean" ? both.slices.mean(1) : whole(map);
  return both;
}

}  // namespace unict::model
