// The training objective: L = w_cls L_CLS + w_seg L_SEG + w_rep L_REP.
//   L_CLS: binary cross entropy over the classes, optionally weighting positives per class;
//   L_SEG: w_dice * soft Dice (over the classes present) + (1 - w_dice) * BCE, over the volumes that have masks;
//   L_REP: cross entropy of the next token, PAD ignored, optional label smoothing.
// A task whose weight is 0 is not computed at all, so its head receives no gradient.
#pragma once

#include <ATen/core/Tensor.h>

#include "unict/model/model_config.h"

namespace unict::model {

struct ModelOutput;

struct Targets {
  at::Tensor labels;    // [B, C] float 0 / 1
  at::Tensor masks;     // [B, C, Z, Y, X] float 0 / 1 at the input size
  at::Tensor has_mask;  // [B] bool
  at::Tensor tokens;    // [B, L] int64: BOS ... EOS PAD ...
};

struct TaskLosses {
  at::Tensor cls, seg, rep;  // unweighted; undefined when not computed
  at::Tensor total;          // the weighted sum (a zero scalar when nothing is supervised)
};

TaskLosses compute_losses(const ModelOutput& output, const Targets& targets, const LossConfig& config);

// The counts each loss is a mean over, taken from the targets alone (so before the forward pass).
// In a distributed update every rank counts its share, the counts are summed over the ranks, and
// each rank's losses are its sums divided by the global counts: the ranks' losses then add up to
// the loss one process would compute on the whole global batch, and so do their gradients.
struct LossDenominators {
  double volumes = 0;        // L_CLS: volumes (times the classes)
  double mask_volumes = 0;   // L_SEG's BCE: volumes with masks (times classes and output voxels)
  double lesion_pairs = 0;   // L_SEG's Dice: (volume, class) pairs with a lesion
  double report_tokens = 0;  // L_REP: next tokens that are not PAD
};
LossDenominators loss_denominators(const Targets& targets);

// The losses with the global batch's denominators. A task this rank has no target for (no
// volume with masks in its share) gives an undefined loss, as compute_losses does.
TaskLosses compute_losses(const ModelOutput& output, const Targets& targets, const LossConfig& config, const LossDenominators& global);

// Mean binary cross entropy of logits against targets in [0, 1], target-1 terms weighted by
// pos_weight (LibTorch's binary_cross_entropy_with_logits with pos_weight, in fewer passes).
at::Tensor weighted_bce_with_logits(const at::Tensor& logits, const at::Tensor& targets, double pos_weight);

// The segmentation BCE over masks [B, C, z, y, x] in [0, 1]: a class's lesion voxels weigh
// pos_weight; its other voxels weigh 1 + (other_lesion_weight - 1) * o, where o is how much of the
// voxel another class's lesion covers and this one's does not (max over classes of the masks, less
// its own, at least 0). The mean over all terms.
at::Tensor segmentation_bce(const at::Tensor& logits, const at::Tensor& masks, double pos_weight, double other_lesion_weight);

// Soft Dice loss 1 - (2 sum(p g) + 1) / (sum p + sum g + 1), averaged over the (volume, class)
// pairs whose target has a lesion (0 when none has); empty pairs are left to the BCE term.
at::Tensor soft_dice_loss(const at::Tensor& probabilities, const at::Tensor& targets);

}  // namespace unict::model
