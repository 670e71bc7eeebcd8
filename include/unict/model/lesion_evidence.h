// Lesion-evidence readout (model.cls_readout: lesion_evidence): a classification logit per class
// read from that class's segmentation logits, added to the classification head's logit.
//
// Why: the head reads z_cls, which descends from a volume-wide average of the deepest encoder map;
// a lesion of a few hundred voxels barely moves that average, so the head can miss findings the
// segmentation decoder already marks (docs/results.md). Pooling the k most confident voxels of each
// mask channel passes them on. The mask logits are read detached: letting the classification loss
// train them (multiple-instance style) held validation Dice at 0 for 1,000 updates and lowered
// validation AUROC on the quick-start data (docs/results.md), so only scale and offset learn from it.
//
// Calibration: mask logits sit near -5 everywhere early in training (most voxels are background),
// so the raw pooled value would add about -5 to every class logit, which the head's bias and the
// offset then need thousands of AdamW updates of size ~lr to undo. The readout is therefore
// centred on a running mean of the pooled value over training batches (a buffer, like
// BatchNorm's, saved in checkpoints and fixed in eval mode): it adds nothing on average, and only
// says how much more lesion-like a volume's strongest voxels are than usual.
#pragma once

#include <torch/nn/module.h>

namespace unict::model {

class LesionEvidenceImpl : public torch::nn::Module {
 public:
  // `voxels`: k, the number of top voxels averaged per class.
  LesionEvidenceImpl(std::int64_t classes, std::int64_t voxels);

  // seg_logits [B, C, z, y, x] -> [B, C]: scale_c * (e_c - centre_c) + offset_c, where e_c is the
  // mean of the k largest logits of channel c (k capped at the number of voxels), with no
  // gradient into seg_logits. scale starts at 1 and offset at 0. In training mode the centre first
  // takes the batch mean of e, then follows it with momentum kMomentum; in eval mode it is fixed.
  // Under GlobalBatchStatistics (a distributed update) the batch mean is the global batch's.
  at::Tensor forward(const at::Tensor& seg_logits);

  static constexpr double kMomentum = 0.1;

 private:
  at::Tensor strongest(const at::Tensor& seg_logits) const;

  std::int64_t voxels_;
  at::Tensor scale_, offset_, centre_, centred_;
};
TORCH_MODULE(LesionEvidence);

}  // namespace unict::model
