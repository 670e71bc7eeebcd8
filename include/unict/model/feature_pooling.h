// How an encoder map's positions become one vector (encoder.pooling): the embedded CT is each
// pooled map's vector, the slice tokens are the deepest map pooled per slice. The paper draws
// "global average pooling"; a lesion of a hundred voxels is a few of the deepest map's positions,
// so a mean weighs it by their share of the volume, where a max, a generalised mean or a learned
// attention can let it dominate (issue 35; docs/results.md measures each).
//   mean       the average of the positions (the paper's reading)
//   max        the largest value of each channel
//   gem        the generalised mean (mean of x^p)^(1/p), p learned from 3, inputs floored at 1e-6
//   attention  the positions weighted by a softmax of a learned linear score of their features;
//              the score starts at zero, so training starts from the mean
#pragma once

#include <cstdint>
#include <string>

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

namespace unict::model {

class FeaturePoolingImpl : public torch::nn::Module {
 public:
  FeaturePoolingImpl(const std::string& kind, std::int64_t channels);
  // [B, C, z, y, x] -> [B, C], over every position.
  at::Tensor whole(const at::Tensor& map);
  // [B, C, z, y, x] -> [B, z, C], each slice over its own y, x.
  at::Tensor per_slice(const at::Tensor& map);
  // Both of one map. The mean over every position is then the mean of the slice tokens, as the
  // encoder computed it before this module existed, so that its runs reproduce to the bit.
  struct SlicesAndWhole {
    at::Tensor slices, whole;
  };
  SlicesAndWhole slices_and_whole(const at::Tensor& map);

 private:
  at::Tensor pool(const at::Tensor& grouped);  // [B, C, G, P] -> [B, C, G]

  std::string kind_;
  at::Tensor p_;                       // gem's exponent
  torch::nn::Linear score_{nullptr};  // attention's score
};
TORCH_MODULE(FeaturePooling);

}  // namespace unict::model
