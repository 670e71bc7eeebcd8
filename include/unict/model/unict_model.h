// UniCT: one CT volume in; abnormality logits, mask logits and report logits out.
//
//   encoder -> embedded CT -> adapters f_t -> h_t -> fusion -> z_t
//   z_cls -> classification head;  z_seg -> SCF on the encoder maps -> U-Net decoder;
//   z_rep + slice tokens -> report decoder
//
// Switches (ModelConfig): `tasks` builds only the named heads; `fusion: false` gives z_t = h_t;
// `scf: false` feeds the decoder the plain maps; `adapters: false` is the plain multi-task
// baseline, where every head reads the embedded CT. `cls_readout: lesion_evidence` adds to each class's
// logit the pooled strongest voxels of its mask channel (lesion_evidence.h).
#pragma once

#include <string>
#include <vector>

#include <torch/nn/modules/container/sequential.h>

#include "unict/core/phase_clock.h"
#include "unict/model/decoding.h"
#include "unict/model/encoder.h"
#include "unict/model/lesion_evidence.h"
#include "unict/model/report_decoder.h"
#include "unict/model/seg_decoder.h"
#include "unict/model/task_adapters.h"

namespace unict::model {

// What the model's sizes depend on beyond the config.
struct ModelShape {
  std::int64_t classes = 0;
  std::int64_t vocab_size = 0;             // the trained tokenizer's (or tokenizer.vocab_size before training)
  std::vector<std::int64_t> input_size;    // (z, y, x) of the CT batches
};

struct ModelOutput {
  at::Tensor cls_logits;   // [B, C]
  at::Tensor seg_logits;   // [B, C, z, y, x] at the input size / seg_decoder.output_scale
  at::Tensor rep_logits;   // [B, L - 1, V]: rep_logits[:, t] predict tokens[:, t + 1]
  at::Tensor attention;    // [B, T, T] task-to-task attention of the fusion block, averaged over heads
  at::Tensor latents;      // [B, T, D]: h_t (the embedded CT, repeated, in the baseline)
  at::Tensor fused;        // [B, T, D]: z_t
  at::Tensor embedded;     // [B, D]
  at::Tensor slice_tokens; // [B, S, C]
  // Undefined where the part is not built (or, for rep_logits, when no tokens were given).
};

class UniCTImpl : public torch::nn::Module {
 public:
  UniCTImpl(const ModelSettings& settings, const ModelShape& shape);

  // ct [B, 1, Z, Y, X]; tokens [B, L] (BOS ... EOS PAD ...) or undefined to skip the report head.
  // findings [B, C] (0 / 1): what the report decoder reads with model.report_reads_cls, the true
  // labels in training (teacher forcing, like the tokens); undefined: the classification head's
  // own findings at probability 0.5, as in generation. Ignored without report_reads_cls.
  ModelOutput forward(const at::Tensor& ct, const at::Tensor& tokens = {}, const at::Tensor& findings = {});

  // Reports for a batch of CTs with decode.method / beam_size / length_penalty / max_tokens;
  // runs in eval mode without gradients, then restores the module's mode. With report_reads_cls,
  // the decoder reads the class head's findings at these per-class probability thresholds (the
  // operating points chosen on validation), or at 0.5 each where none are given.
  Generated generate(const at::Tensor& ct, const DecodeConfig& decode, const std::vector<double>& finding_thresholds = {});

  // The built tasks, in the order of the task tokens (core::all_tasks()).
  const std::vector<core::Task>& tasks() const { return tasks_; }
  bool has_task(core::Task task) const;
  std::vector<std::int64_t> seg_output_size(const std::vector<std::int64_t>& input_zyx) const;
  const ModelShape& shape() const { return shape_; }
  const ModelSettings& settings() const { return settings_; }

  // While set, forward() charges its parts to the clock: encoder, adapters+fusion, cls head, seg
  // head, rep head (the trainer's per-phase timing). Not owned; nullptr turns it off.
  void set_phase_clock(core::PhaseClock* clock) { clock_ = clock; }

  VisualEncoder& encoder() { return encoder_; }
  ReportDecoder& report_decoder() { return report_decoder_; }

 private:
  // The encoder's slice tokens and embedded CT, the task latents h and the fused z (with attention).
  ModelOutput task_tokens(const EncoderOutput& encoded);
  at::Tensor task_latent(const ModelOutput& out, core::Task task) const;
  // The findings the report decoder reads with model.report_reads_cls (`findings` where defined,
  // else the class head's at the per-class thresholds, 0.5 where empty); undefined without it.
  at::Tensor report_findings(const ModelOutput& out, const at::Tensor& findings, const std::vector<double>& thresholds = {}) const;

  void lap(const char* phase) {
    if (clock_) clock_->lap(phase);
  }

  ModelSettings settings_;
  ModelShape shape_;
  core::PhaseClock* clock_ = nullptr;
  std::vector<core::Task> tasks_;
  VisualEncoder encoder_{nullptr};
  std::vector<TaskAdapter> adapters_;
  MultiTaskFusion fusion_{nullptr};
  torch::nn::Sequential cls_head_{nullptr};
  LesionEvidence lesion_evidence_{nullptr};  // model.cls_readout: lesion_evidence
  SegmentationModulation scf_{nullptr};
  SegDecoder seg_decoder_{nullptr};
  ReportDecoder report_decoder_{nullptr};
};
TORCH_MODULE(UniCT);

// Seeds LibTorch's generator from the root seed's "model_init" stream and builds the model: the
// same seed gives the same initial weights.
UniCT build_model(const ModelSettings& settings, const ModelShape& shape, std::uint64_t root_seed);

}  // namespace unict::model
