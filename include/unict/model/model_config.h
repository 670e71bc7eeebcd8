// The configuration of the network and of what it is trained on: one section per part (the
// encoder, the task structure, the segmentation and report decoders, decoding, the tokenizer and
// the losses). LibTorch-free, so the experiments layer can validate a config without building a
// model. Every ablation of the paper is a value of these keys (see configs/ablations/).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "unict/core/config_schema.h"
#include "unict/core/task.h"
#include "unict/model/resnet2p5d_config.h"
#include "unict/model/resnet3d_config.h"
#include "unict/text/tokenizer_config.h"

namespace unict::model {

struct ModelConfig {
  std::vector<std::string> tasks;  // heads that are built: names of core::Task (a subset of cls, seg, rep)
  bool adapters = true;            // false: the plain multi-task baseline (heads read the embedded CT)
  bool fusion = true;              // false: z_t = h_t
  bool scf = true;                 // false: the segmentation decoder reads the unmodulated maps
  std::string cls_readout;         // "token": the head on z_cls alone; "lesion_evidence": + pooled mask logits
  std::int64_t lesion_evidence_voxels = 0;  // k of the lesion-evidence readout
  bool report_reads_cls = false;   // the report decoder also reads the findings (every text position)
  double seg_detection_gate = 0;   // > 0: a class's mask is kept only where the class head gives it this probability
  std::int64_t embed_dim = 0;
  std::int64_t fusion_heads = 0;
  double dropout = 0;
};
const core::Section<ModelConfig>& model_section();

// Each encoder's own keys (encoder.<name>.*, declared by its section); only the chosen one's are
// read. Adding an encoder adds its config type to this list (encoder_specs.h).
using EncoderOptions = std::variant<Resnet2p5dConfig, Resnet3dConfig>;

struct EncoderConfig {
  std::string name;       // encoder.name
  EncoderOptions options;  // the keys of `name`
  std::string pooling;    // how a map's positions become one vector (feature_pooling.h)
  std::int64_t pooled_maps = 1;  // how many maps, deepest first, form the embedded CT

  // The options as encoder T's; an internal Error when the config holds another encoder's.
  template <class T> const T& options_as() const {
    if (const T* options = std::get_if<T>(&this->options)) return *options;
    throw_options_mismatch();
  }

 private:
  [[noreturn]] void throw_options_mismatch() const;
};
const core::Section<EncoderConfig>& encoder_section();

struct SegDecoderConfig {
  std::vector<std::int64_t> channels;  // one per decoder stage, deepest first
  std::int64_t output_scale = 1;       // output size = input size / output_scale
  std::string norm;                    // group, batch or instance (as make_norm3d)
};
const core::Section<SegDecoderConfig>& seg_decoder_section();

struct ReportDecoderConfig {
  std::int64_t d_model = 0, heads = 0, layers = 0, ff_dim = 0;
  double dropout = 0;
  std::int64_t max_tokens = 0;        // text positions, BOS and EOS included
  std::int64_t max_slice_tokens = 0;  // learned positions of the slice tokens in the prefix
};
const core::Section<ReportDecoderConfig>& report_decoder_section();

struct DecodeConfig {
  std::string method;
  std::int64_t beam_size = 0;
  double length_penalty = 0;
  std::int64_t max_tokens = 0;
};
const core::Section<DecodeConfig>& decode_section();

struct LossConfig {
  double cls_weight = 0, seg_weight = 0, rep_weight = 0;
  std::vector<double> cls_pos_weight;  // empty: none; else one per class
  double seg_dice_weight = 0;          // L_SEG = dice_weight * Dice + (1 - dice_weight) * BCE
  double label_smoothing = 0;
  double seg_pos_weight = 1;           // BCE weight of lesion voxels
  double seg_other_lesion_weight = 1;  // BCE weight of a class's negatives that lie on another class's lesion
};
const core::Section<LossConfig>& loss_section();

// All sections of the model, read together.
struct ModelSettings {
  ModelConfig model;
  EncoderConfig encoder;
  SegDecoderConfig seg_decoder;
  ReportDecoderConfig report_decoder;
  DecodeConfig decode;
  text::TokenizerConfig tokenizer;
  LossConfig loss;

  bool has_task(core::Task task) const;
};

void declare_model_sections(core::Schema& schema);
ModelSettings read_model_settings(const core::ResolvedConfig& config);

// Rules that involve several keys (fusion needs adapters, SCF needs the segmentation task, a
// positive loss weight needs its head, ...). Throws a user Error naming the key and where it was set.
void validate_model_settings(const ModelSettings& settings, const core::ResolvedConfig& config);

}  // namespace unict::model
