// Lesion-evidence readout (model.cls_readout: lesion_evidence): a classification logit per class
// read from that class's segmentation logits, added to the classification head's logit.
//
// Why: the head reads z_cls, which descends from a volume-wide average of the deepest encoder map;
// a lesion of a few hundred voxels barely moves that average, so the head can miss findings the
// segmentation decoder already marks (docs/results.md). Pooling the k most confident voxels of each
// mask channel passes them on. The mask logits are read detached: letting the classification loss
// train them (multiple-instance style) held validation Dice at 0 for 1,000 updates and lowered
// validation AUROC on the quick-start data (docs/results.md), so only scale and offset learn from it.
#pragma once

#include <torch/nn/module.h>

namespace unict::model {

class LesionEvidenceImpl : public torch::nn::Module {
 public:
  // `voxels`: k, the number of top voxels averaged per class.
  LesionEvidenceImpl(std::int64_t classes, std::int64_t voxels);

  // seg_logits [B, C, z, y, x] -> [B, C]: scale_c * mean of the k largest logits of channel c +
  // offset_c (k capped at the number of voxels), with no gradient into seg_logits. scale starts at
  // 1 and offset at 0.
  at::Tensor forward(const at::Tensor& seg_logits);

 private:
  std::int64_t voxels_;
  at::Tensor scale_, offset_;
};
TORCH_MODULE(LesionEvidence);

}  // namespace unict::model
