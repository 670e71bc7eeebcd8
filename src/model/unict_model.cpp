#include "unict/model/unict_model.h"

#include <algorithm>

#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/torch.h>

#include "unict/core/error.h"
#include "unict/core/seed.h"
#include "unict/text/special_tokens.h"

namespace unict::model {

using core::Task;

UniCTImpl::UniCTImpl(const ModelSettings& settings, const ModelShape& shape) : settings_(settings), shape_(shape) {
  for (const auto task : core::all_tasks())
    if (settings.has_task(task)) tasks_.push_back(task);
  const auto& m = settings.model;
  encoder_ = register_module("encoder", VisualEncoder(settings.encoder, m.embed_dim, m.dropout));
  if (shape.input_size.size() != 3) throw internal_error("the model's input size must be (z, y, x)");
  encoder_->backbone()->check_input_size(shape.input_size);

  if (m.adapters) {
    for (const auto task : tasks_) adapters_.push_back(register_module("adapter_" + std::string(core::task_name(task)), TaskAdapter(m.embed_dim, m.dropout)));
    if (m.fusion) fusion_ = register_module("fusion", MultiTaskFusion(m.embed_dim, m.fusion_heads, m.dropout));
  }
  if (has_task(Task::cls))
    cls_head_ = register_module("cls_head", torch::nn::Sequential(torch::nn::Dropout(m.dropout), torch::nn::Linear(m.embed_dim, shape.classes)));
  if (m.cls_readout == "lesion_evidence")
    lesion_evidence_ = register_module("lesion_evidence", LesionEvidence(shape.classes, m.lesion_evidence_voxels));
  if (has_task(Task::seg)) {
    if (m.scf) scf_ = register_module("scf", SegmentationModulation(m.embed_dim, encoder_->map_channels()));
    seg_decoder_ = register_module("seg_decoder", SegDecoder(encoder_->map_channels(), settings.seg_decoder, shape.classes));
  }
  if (has_task(Task::rep)) {
    report_decoder_ = register_module("report_decoder", ReportDecoder(settings.report_decoder, m.embed_dim, encoder_->token_channels(),
                                                                      shape.vocab_size, m.report_reads_cls ? shape.classes : 0));
  }
}

bool UniCTImpl::has_task(Task task) const { return std::find(tasks_.begin(), tasks_.end(), task) != tasks_.end(); }

std::vector<std::int64_t> UniCTImpl::seg_output_size(const std::vector<std::int64_t>& input_zyx) const {
  std::vector<std::int64_t> size;
  for (auto s : input_zyx) size.push_back(std::max<std::int64_t>(1, s / settings_.seg_decoder.output_scale));
  return size;
}

at::Tensor UniCTImpl::task_latent(const ModelOutput& out, Task task) const {
  const auto index = std::find(tasks_.begin(), tasks_.end(), task) - tasks_.begin();
  return out.fused.select(1, index);
}

at::Tensor UniCTImpl::report_findings(const ModelOutput& out, const at::Tensor& findings, const std::vector<double>& thresholds) const {
  if (!settings_.model.report_reads_cls) return {};
  // Training reads the true findings: read from the head's probabilities, which carry little
  // early in training and drift as it learns, the decoder wrote one report for every volume
  // (fold-0 CE F1 0.10, docs/results.md). Hard findings in generation match what training saw.
  // Detached either way: the report loss does not train the classification.
  const auto dtype = out.embedded.dtype();
  if (findings.defined()) return findings.to(dtype);
  const auto probabilities = torch::sigmoid(out.cls_logits.detach().to(torch::kFloat64));
  if (thresholds.empty()) return (probabilities >= 0.5).to(dtype);
  if (static_cast<std::int64_t>(thresholds.size()) != probabilities.size(1))
    throw internal_error("report findings: " + std::to_string(thresholds.size()) + " thresholds for " + std::to_string(probabilities.size(1)) +
                         " classes");
  return (probabilities >= torch::tensor(thresholds, probabilities.options())).to(dtype);
}

ModelOutput UniCTImpl::task_tokens(const EncoderOutput& encoded) {
  ModelOutput out;
  out.embedded = encoded.embedded;
  out.slice_tokens = encoded.slice_tokens;
  const auto tasks = static_cast<std::int64_t>(tasks_.size());
  if (settings_.model.adapters) {
    std::vector<at::Tensor> latents;
    for (auto& adapter : adapters_) latents.push_back(adapter->forward(out.embedded));
    out.latents = at::stack(latents, 1);
    if (fusion_) {
      auto fused = fusion_->forward(out.latents);
      out.fused = fused.tokens;
      out.attention = fused.attention;
    } else {
      out.fused = out.latents;
    }
  } else {
    out.latents = out.embedded.unsqueeze(1).expand({-1, tasks, -1});
    out.fused = out.latents;
  }
  return out;
}

ModelOutput UniCTImpl::forward(const at::Tensor& ct, const at::Tensor& tokens, const at::Tensor& findings) {
  const auto encoded = encoder_->forward(ct);
  lap("encoder");
  auto out = task_tokens(encoded);
  lap("adapters+fusion");
  if (cls_head_) out.cls_logits = cls_head_->forward(task_latent(out, Task::cls));
  lap("cls head");
  if (seg_decoder_) {
    const auto maps = scf_ ? scf_->forward(encoded.maps, task_latent(out, Task::seg)) : encoded.maps;
    out.seg_logits = seg_decoder_->forward(maps, seg_output_size({ct.size(2), ct.size(3), ct.size(4)}));
  }
  lap("seg head");
  if (lesion_evidence_) out.cls_logits = out.cls_logits + lesion_evidence_->forward(out.seg_logits);
  lap("cls head");
  if (report_decoder_ && tokens.defined())
    out.rep_logits = report_decoder_->forward(task_latent(out, Task::rep), out.slice_tokens, tokens.slice(1, 0, tokens.size(1) - 1),
                                              report_findings(out, findings));
  lap("rep head");
  return out;
}

Generated UniCTImpl::generate(const at::Tensor& ct, const DecodeConfig& decode, const std::vector<double>& finding_thresholds) {
  if (!report_decoder_) throw Error("this model has no report head").key("model.tasks").expected("rep among the tasks");
  const bool was_training = is_training();
  eval();
  // Inference mode, not only no-grad: no version counters or view tracking on each of the
  // decoding steps' small ops (about a tenth of a CPU step's time).
  c10::InferenceMode inference;
  // The other heads are not needed for text, unless the report reads the classification.
  const auto out = settings_.model.report_reads_cls ? forward(ct, {}) : task_tokens(encoder_->forward(ct));
  DecodeOptions options;
  options.bos = text::kBosId;
  options.eos = text::kEosId;
  options.max_tokens = decode.max_tokens;
  options.beam_size = decode.method == "greedy" ? 1 : decode.beam_size;
  options.length_penalty = decode.length_penalty;
  const auto z_rep = task_latent(out, Task::rep);
  const auto findings = report_findings(out, {}, finding_thresholds);
  auto reports = decode.method == "greedy" ? greedy_decode(*report_decoder_, z_rep, out.slice_tokens, options, findings)
                                           : beam_search(*report_decoder_, z_rep, out.slice_tokens, options, findings);
  train(was_training);
  return reports;
}

UniCT build_model(const ModelSettings& settings, const ModelShape& shape, std::uint64_t root_seed) {
  torch::manual_seed(core::derive_seed(root_seed, "model_init"));
  return UniCT(settings, shape);
}

}  // namespace unict::model
