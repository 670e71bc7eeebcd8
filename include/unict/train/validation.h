// Validation during training: the losses and the two selection metrics on the validation volumes,
// one pass without gradients and without report decoding (teacher-forced report loss only).
//   val.loss                weighted total loss, mean over batches
//   val.cls.auroc_macro     macro AUROC (eval::classification's definition)
//   val.seg.dice_mean       Dice of the thresholded masks (p >= 0.5), per class over the volumes
//                           whose mask has the class, then the mean over those classes
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include "unict/model/model_config.h"

namespace unict::data {
class BatchLoader;
}
namespace unict::model {
class UniCTImpl;
}

namespace unict::train {

struct ValidationResult {
  double loss = 0;
  std::optional<double> cls_loss, seg_loss, rep_loss;
  std::optional<double> cls_auroc_macro, seg_dice_mean;
  std::size_t volumes = 0;
  // {"val.loss": .., "val.cls.auroc_macro": .., ...}; absent metrics are left out.
  nlohmann::json to_json() const;
  // The value of `train.selection_metric`; nullopt when it is undefined on these volumes.
  std::optional<double> metric(const std::string& name) const;
};

// True when a larger value of the metric is better.
bool higher_is_better(const std::string& metric);

ValidationResult validate(model::UniCTImpl& model, data::BatchLoader& loader, const model::LossConfig& loss,
                          const std::vector<std::string>& classes, bool autocast);

// The binary masks every consumer scores and writes (validation, evaluation, prediction): the seg
// logits brought to the input size (trilinear) when the decoder predicts a coarser grid, at
// probability >= kMaskProbability. Bool, [B, C, Z, Y, X].
constexpr double kMaskProbability = 0.5;
at::Tensor predicted_masks(const at::Tensor& seg_logits, at::IntArrayRef input_zyx);

// Per (volume, class): Dice of binary masks, and whether the truth has the class. [B, C] each.
struct DiceTable {
  at::Tensor dice, present;
};
DiceTable dice_table(const at::Tensor& predicted, const at::Tensor& truth);

}  // namespace unict::train
