#include "unict/train/validation.h"

#include <torch/torch.h>

#include "unict/core/autocast.h"
#include "unict/core/error.h"
#include "unict/data/loader.h"
#include "unict/eval/classification.h"
#include "unict/eval/metric_values_json.h"
#include "unict/model/losses.h"
#include "unict/model/unict_model.h"

namespace unict::train {

nlohmann::json ValidationResult::to_json() const { return eval::to_json(metrics); }

at::Tensor predicted_masks(const at::Tensor& seg_logits, at::IntArrayRef input_zyx, const at::Tensor& cls_logits, double detection_gate) {
  at::Tensor logits = seg_logits.to(torch::kFloat32);
  if (logits.sizes().slice(2) != input_zyx)
    logits = torch::nn::functional::interpolate(
        logits, torch::nn::functional::InterpolateFuncOptions().size(input_zyx.vec()).mode(torch::kTrilinear).align_corners(false));
  const at::Tensor masks = torch::sigmoid(logits) >= kMaskProbability;
  if (detection_gate <= 0) return masks;
  if (!cls_logits.defined() || cls_logits.sizes() != seg_logits.sizes().slice(0, 2))
    throw Error("masks gated by the classification need the class head's logits, one per mask channel").key("model.seg_detection_gate");
  // In float64, as evaluation reads the probabilities, so a probability equal to the gate passes in both.
  const at::Tensor detected = torch::sigmoid(cls_logits.to(torch::kFloat64)) >= detection_gate;
  return masks & detected.view({detected.size(0), detected.size(1), 1, 1, 1}).to(masks.device());
}

DiceTable dice_table(const at::Tensor& predicted, const at::Tensor& truth) {
  const auto p = predicted.to(torch::kFloat32).flatten(2), g = truth.to(torch::kFloat32).flatten(2);
  const auto overlap = (p * g).sum(-1), total = p.sum(-1) + g.sum(-1);
  // Dice of two empty masks is left out by `present`; the clamp only avoids 0 / 0.
  return {2 * overlap / total.clamp_min(1), g.sum(-1) > 0};
}

ValidationResult validate(model::UniCTImpl& model, data::BatchLoader& loader, const model::LossConfig& loss_config,
                          const std::vector<std::string>& classes, bool autocast) {
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  ValidationResult result;
  std::vector<at::Tensor> losses, cls_losses, seg_losses, rep_losses, probabilities, labels, dice_sums, dice_counts;
  loader.start_epoch(0);
  while (auto batch = loader.next()) {
    model::ModelOutput out;
    {
      compat::CudaAutocast scope(autocast, at::kBFloat16);
      out = model.forward(batch->ct, batch->tokens, batch->labels);
    }
    const auto l = model::compute_losses(out, {batch->labels, batch->masks, batch->has_mask, batch->tokens}, loss_config);
    losses.push_back(l.total.detach().to(torch::kFloat64));
    if (l.cls.defined()) cls_losses.push_back(l.cls.detach().to(torch::kFloat64));
    if (l.seg.defined()) seg_losses.push_back(l.seg.detach().to(torch::kFloat64));
    if (l.rep.defined()) rep_losses.push_back(l.rep.detach().to(torch::kFloat64));
    if (out.cls_logits.defined()) {
      probabilities.push_back(torch::sigmoid(out.cls_logits.to(torch::kFloat32)));
      labels.push_back(batch->labels);
    }
    if (out.seg_logits.defined()) {
      const auto predicted = predicted_masks(out.seg_logits, batch->ct.sizes().slice(2), out.cls_logits, model.settings().model.seg_detection_gate);
      const auto table = dice_table(predicted, batch->masks);
      const auto present = table.present & batch->has_mask.view({-1, 1});
      dice_sums.push_back((table.dice * present).sum(0));
      dice_counts.push_back(present.sum(0));
    }
    result.volumes += batch->names.size();
  }
  // A defined value only: metrics.jsonl leaves out what these volumes cannot measure.
  const auto put = [&](const char* id, std::optional<double> value) {
    if (value) result.metrics.set(id, value);
  };
  const auto mean_of = [](const std::vector<at::Tensor>& v) -> std::optional<double> {
    if (v.empty()) return std::nullopt;
    return torch::stack(v).mean().item<double>();
  };
  put("val.loss", mean_of(losses).value_or(0.0));
  put("val.cls.loss", mean_of(cls_losses));
  put("val.seg.loss", mean_of(seg_losses));
  put("val.rep.loss", mean_of(rep_losses));
  if (!probabilities.empty()) {
    const auto p = torch::cat(probabilities).to(torch::kCPU, torch::kFloat64).contiguous();
    const auto y = torch::cat(labels).to(torch::kCPU, torch::kUInt8).contiguous();
    eval::ScoredCases cases;
    cases.classes = classes;
    cases.names.resize(static_cast<std::size_t>(p.size(0)));
    cases.scores.assign(p.data_ptr<double>(), p.data_ptr<double>() + p.numel());
    cases.labels.assign(y.data_ptr<std::uint8_t>(), y.data_ptr<std::uint8_t>() + y.numel());
    put("val.cls.auroc_macro", eval::macro_metric_values(eval::evaluate_classification(cases)).get("cls.auroc_macro"));
  }
  if (!dice_sums.empty()) {
    const auto sums = torch::stack(dice_sums).sum(0).cpu(), counts = torch::stack(dice_counts).sum(0).cpu();
    double total = 0;
    int classes_with_truth = 0;
    for (std::int64_t c = 0; c < sums.size(0); ++c) {
      if (counts[c].item<std::int64_t>() == 0) continue;
      total += sums[c].item<double>() / counts[c].item<double>();
      ++classes_with_truth;
    }
    if (classes_with_truth > 0) put("val.seg.dice_mean", total / classes_with_truth);
  }
  model.train(was_training);
  return result;
}

}  // namespace unict::train
