#include "unict/model/losses.h"

#include <torch/nn/functional/loss.h>
#include <torch/nn/functional/pooling.h>
#include <torch/torch.h>

#include "unict/core/error.h"
#include "unict/model/segmentation_loss.h"
#include "unict/model/unict_model.h"
#include "unict/text/special_tokens.h"

namespace unict::model {
namespace {

namespace F = torch::nn::functional;

F::BinaryCrossEntropyWithLogitsFuncOptions bce_options(const at::Tensor& logits, const LossConfig& config) {
  auto options = F::BinaryCrossEntropyWithLogitsFuncOptions();
  if (!config.cls_pos_weight.empty()) {
    if (static_cast<std::int64_t>(config.cls_pos_weight.size()) != logits.size(1))
      throw Error("one positive weight per class is needed")
          .key("loss.cls_pos_weight")
          .value(std::to_string(config.cls_pos_weight.size()) + " weights")
          .expected(std::to_string(logits.size(1)));
    options.pos_weight(torch::tensor(config.cls_pos_weight, logits.options()));
  }
  return options;
}

at::Tensor classification_loss(const at::Tensor& logits, const at::Tensor& labels, const LossConfig& config) {
  return F::binary_cross_entropy_with_logits(logits, labels.to(logits.dtype()), bce_options(logits, config));
}

at::Tensor segmentation_loss(const at::Tensor& logits, const at::Tensor& masks, const at::Tensor& has_mask, const LossConfig& config) {
  const auto rows = has_mask.nonzero().view({-1});
  if (rows.numel() == 0) return {};
  const bool every_row = rows.numel() == has_mask.size(0);  // no copies then
  auto pred = every_row ? logits : logits.index_select(0, rows);
  auto target = (every_row ? masks : masks.index_select(0, rows)).to(logits.dtype());
  // Masks come at the input size; a coarser output is compared with the share of each output
  // voxel the lesion covers.
  if (target.sizes().slice(2) != pred.sizes().slice(2))
    target = F::adaptive_avg_pool3d(target, F::AdaptiveAvgPool3dFuncOptions(pred.sizes().slice(2).vec()));
  if (fused_segmentation_loss_applies(pred))
    return fused_segmentation_loss(pred, target, config.seg_pos_weight, config.seg_other_lesion_weight, config.seg_dice_weight);
  const auto bce = segmentation_bce(pred, target, config.seg_pos_weight, config.seg_other_lesion_weight);
  const auto dice = soft_dice_loss(torch::sigmoid(pred), target);
  return config.seg_dice_weight * dice + (1 - config.seg_dice_weight) * bce;
}

at::Tensor report_loss(const at::Tensor& logits, const at::Tensor& tokens, const LossConfig& config) {
  const auto targets = tokens.slice(1, 1);  // next tokens
  return F::cross_entropy(logits.reshape({-1, logits.size(2)}), targets.reshape({-1}),
                          F::CrossEntropyFuncOptions().ignore_index(text::kPadId).label_smoothing(config.label_smoothing));
}

}  // namespace

at::Tensor weighted_bce_with_logits(const at::Tensor& logits, const at::Tensor& targets, double pos_weight) {
  // -[w g log s(x) + (1 - g) log(1 - s(x))] = sp(x) + g ((w - 1) sp(x) - w x), with sp = softplus:
  // one softplus pass instead of the several of LibTorch's pos_weight path, which made this the
  // costliest part of the segmentation loss on the CPU (the phase timing in train.log).
  const auto sp = F::softplus(logits);
  if (pos_weight == 1) return (sp - targets * logits).mean();
  return (sp + targets * ((pos_weight - 1) * sp - pos_weight * logits)).mean();
}

at::Tensor segmentation_bce(const at::Tensor& logits, const at::Tensor& masks, double pos_weight, double other_lesion_weight) {
  if (other_lesion_weight == 1) return weighted_bce_with_logits(logits, masks, pos_weight);
  // A voxel has one owner in our synthetic data, and six classes share the dense band: with
  // background weight there, predicting every dense lesion as every dense class costs little
  // against pos_weight, and the fold-0 model did just that (docs/results.md). Other lesions are
  // the negatives that teach shape, so they weigh like positives.
  const auto other = (std::get<0>(masks.max(1, /*keepdim=*/true)) - masks).clamp_min(0);
  const auto negative_weight = 1 + (other_lesion_weight - 1) * other;
  const auto sp = F::softplus(logits);  // -log(1 - s(x)); -log s(x) = sp - x
  return (pos_weight * masks * (sp - logits) + (1 - masks) * negative_weight * sp).mean();
}

at::Tensor soft_dice_loss(const at::Tensor& probabilities, const at::Tensor& targets) {
  const auto p = probabilities.flatten(2), g = targets.flatten(2);
  const auto overlap = (p * g).sum(-1), total = p.sum(-1) + g.sum(-1);
  const auto dice_loss = 1 - (2 * overlap + 1) / (total + 1);
  // Only pairs with a lesion: most (volume, class) pairs are empty, and their Dice (1 once p is
  // near 0 everywhere) would reward predicting nothing; the BCE term covers them.
  const auto present = (g.sum(-1) > 0).to(dice_loss.dtype());
  return (dice_loss * present).sum() / present.sum().clamp_min(1);
}

namespace {

// Each task's loss as a sum over this rank's share divided by the global batch's count.
at::Tensor classification_loss(const at::Tensor& logits, const at::Tensor& labels, const LossConfig& config, const LossDenominators& global) {
  auto options = bce_options(logits, config).reduction(torch::kSum);
  return F::binary_cross_entropy_with_logits(logits, labels.to(logits.dtype()), options) / (global.volumes * static_cast<double>(logits.size(1)));
}

at::Tensor segmentation_loss(const at::Tensor& logits, const at::Tensor& masks, const at::Tensor& has_mask, const LossConfig& config,
                             const LossDenominators& global) {
  const auto rows = has_mask.nonzero().view({-1});
  if (rows.numel() == 0 || global.mask_volumes <= 0) return {};
  auto pred = logits.index_select(0, rows);
  auto target = masks.index_select(0, rows).to(logits.dtype());
  if (target.sizes().slice(2) != pred.sizes().slice(2))
    target = F::adaptive_avg_pool3d(target, F::AdaptiveAvgPool3dFuncOptions(pred.sizes().slice(2).vec()));
  const double elements = global.mask_volumes * static_cast<double>(pred.numel() / pred.size(0));
  const double pairs = std::max(global.lesion_pairs, 1.0);
  if (fused_segmentation_loss_applies(pred))
    return fused_segmentation_loss(pred, target, config.seg_pos_weight, config.seg_other_lesion_weight, config.seg_dice_weight, pairs,
                                   elements);
  const double local_elements = static_cast<double>(pred.numel());
  const auto bce = segmentation_bce(pred, target, config.seg_pos_weight, config.seg_other_lesion_weight) * (local_elements / elements);
  const auto p = torch::sigmoid(pred).flatten(2), g = target.flatten(2);
  const auto dice_loss = 1 - (2 * (p * g).sum(-1) + 1) / (p.sum(-1) + g.sum(-1) + 1);
  const auto dice = (dice_loss * (g.sum(-1) > 0).to(dice_loss.dtype())).sum() / pairs;
  return config.seg_dice_weight * dice + (1 - config.seg_dice_weight) * bce;
}

at::Tensor report_loss(const at::Tensor& logits, const at::Tensor& tokens, const LossConfig& config, const LossDenominators& global) {
  const auto targets = tokens.slice(1, 1);
  const auto sum = F::cross_entropy(logits.reshape({-1, logits.size(2)}), targets.reshape({-1}),
                                    F::CrossEntropyFuncOptions().ignore_index(text::kPadId).label_smoothing(config.label_smoothing).reduction(torch::kSum));
  return sum / std::max(global.report_tokens, 1.0);
}

TaskLosses weighted_total(TaskLosses losses, const LossConfig& config, const at::Tensor& like) {
  std::vector<at::Tensor> terms;
  if (losses.cls.defined()) terms.push_back(config.cls_weight * losses.cls);
  if (losses.seg.defined()) terms.push_back(config.seg_weight * losses.seg);
  if (losses.rep.defined()) terms.push_back(config.rep_weight * losses.rep);
  losses.total = terms.empty() ? torch::zeros({}, like.options()) : terms[0];
  for (std::size_t i = 1; i < terms.size(); ++i) losses.total = losses.total + terms[i];
  return losses;
}

}  // namespace

LossDenominators loss_denominators(const Targets& targets) {
  LossDenominators d;
  d.volumes = static_cast<double>(targets.labels.size(0));
  if (targets.has_mask.defined()) {
    const auto has = targets.has_mask.to(torch::kCPU);
    d.mask_volumes = has.sum().item<double>();
    if (d.mask_volumes > 0) {
      const auto any = std::get<0>(targets.masks.flatten(2).max(-1)) > 0;  // [B, C]
      d.lesion_pairs = (any & targets.has_mask.view({-1, 1})).sum().item<double>();
    }
  }
  if (targets.tokens.defined()) d.report_tokens = (targets.tokens.slice(1, 1) != text::kPadId).sum().item<double>();
  return d;
}

TaskLosses compute_losses(const ModelOutput& output, const Targets& targets, const LossConfig& config, const LossDenominators& global) {
  TaskLosses losses;
  if (config.cls_weight > 0 && output.cls_logits.defined()) losses.cls = classification_loss(output.cls_logits, targets.labels, config, global);
  if (config.seg_weight > 0 && output.seg_logits.defined())
    losses.seg = segmentation_loss(output.seg_logits, targets.masks, targets.has_mask, config, global);
  if (config.rep_weight > 0 && output.rep_logits.defined()) losses.rep = report_loss(output.rep_logits, targets.tokens, config, global);
  return weighted_total(std::move(losses), config, output.embedded);
}

TaskLosses compute_losses(const ModelOutput& output, const Targets& targets, const LossConfig& config) {
  TaskLosses losses;
  if (config.cls_weight > 0 && output.cls_logits.defined()) losses.cls = classification_loss(output.cls_logits, targets.labels, config);
  if (config.seg_weight > 0 && output.seg_logits.defined())
    losses.seg = segmentation_loss(output.seg_logits, targets.masks, targets.has_mask, config);
  if (config.rep_weight > 0 && output.rep_logits.defined()) losses.rep = report_loss(output.rep_logits, targets.tokens, config);
  return weighted_total(std::move(losses), config, output.embedded);
}

}  // namespace unict::model
