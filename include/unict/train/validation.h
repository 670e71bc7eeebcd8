// Validation during training: the losses and the selection metrics on the validation volumes, one
// pass without gradients and without report decoding (teacher-forced report loss only). The ids
// are the registry's validation metrics (eval/metric_registry.h):
//   val.loss, val.<task>.loss   weighted total loss and each head's loss, means over batches
//   val.cls.auroc_macro         macro AUROC (eval::classification's definition)
//   val.seg.dice_mean           Dice of the thresholded masks (p >= 0.5), per class over the volumes
//                               whose mask has the class, then the mean over those classes
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include "unict/eval/metric_registry.h"
#include "unict/model/model_config.h"

namespace unict::data {
class BatchLoader;
}
namespace unict::model {
class UniCTImpl;
}

namespace unict::train {

struct ValidationResult {
  eval::MetricValues metrics;  // only the metrics defined on these volumes (no AUROC without a labelled class)
  std::size_t volumes = 0;
  // {"val.loss": .., "val.cls.auroc_macro": .., ...}
  nlohmann::json to_json() const;
  // The value of `train.selection_metric`; nullopt when it is undefined on these volumes.
  std::optional<double> metric(const std::string& name) const { return metrics.get(name); }
};

ValidationResult validate(model::UniCTImpl& model, data::BatchLoader& loader, const model::LossConfig& loss,
                          const std::vector<std::string>& classes, bool autocast);

// The binary masks every consumer scores and writes (validation, evaluation, prediction): the seg
// logits brought to the input size (trilinear) when the decoder predicts a coarser grid, at
// probability >= kMaskProbability. Bool, [B, C, Z, Y, X].
// With detection_gate > 0 (model.seg_detection_gate), a class's mask in a volume is emptied unless
// the class head gives the class a probability >= detection_gate (cls_logits [B, C], required
// then): a mask is drawn only for what the model detects. Without it, a decoder that learned only
// where a class usually lies paints that zone in every volume (docs/results.md: the control).
constexpr double kMaskProbability = 0.5;
at::Tensor predicted_masks(const at::Tensor& seg_logits, at::IntArrayRef input_zyx, const at::Tensor& cls_logits = {},
                           double detection_gate = 0);

// Per (volume, class): Dice of binary masks, and whether the truth has the class. [B, C] each.
struct DiceTable {
  at::Tensor dice, present;
};
DiceTable dice_table(const at::Tensor& predicted, const at::Tensor& truth);

}  // namespace unict::train
