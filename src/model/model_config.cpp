#include "unict/model/model_config.h"

#include <algorithm>
#include <set>

#include "unict/core/resolved_config.h"
#include "unict/model/encoder_specs.h"

namespace unict::model {
namespace {

using core::Range;
using core::Task;
using I64s = std::vector<std::int64_t>;

std::string distinct_tasks(const core::Value& value) {
  const auto& tasks = std::get<std::vector<std::string>>(value);
  if (tasks.empty()) return "at least one of cls, seg, rep";
  if (std::set<std::string>(tasks.begin(), tasks.end()).size() != tasks.size()) return "each task at most once";
  return "";
}

core::Section<ModelConfig> make_model_section() {
  core::Section<ModelConfig> s("model");
  s.key("tasks", &ModelConfig::tasks, core::task_names(),
        "heads that are built (single-task models name one)")
      .one_of(core::task_names())
      .satisfying("at least one task, each at most once", distinct_tasks);
  s.key("adapters", &ModelConfig::adapters, true,
        "task adapters f_cls, f_seg, f_rep; false = the plain multi-task baseline (heads read the embedded CT)");
  s.key("fusion", &ModelConfig::fusion, true, "multi-task fusion (attention over the task tokens); false: z_t = h_t");
  s.key("scf", &ModelConfig::scf, true, "segmentation-conditioned feature modulation: z_seg scales and shifts the encoder maps");
  s.key("cls_readout", &ModelConfig::cls_readout, std::string("token"),
        "classification logits: token = the head on z_cls (the paper); lesion_evidence = that plus, per class, the "
        "mean of the k strongest segmentation logits of the class (k = lesion_evidence_voxels)")
      .one_of({"token", "lesion_evidence"});
  s.key("lesion_evidence_voxels", &ModelConfig::lesion_evidence_voxels, std::int64_t{16},
        "k: how many of each mask channel's strongest voxels the lesion-evidence readout averages")
      .in_range(Range::closed(1, 1000000));
  s.key("report_reads_cls", &ModelConfig::report_reads_cls, false,
        "the report decoder also reads the findings, projected onto every text position: the true labels in training, "
        "the classification head's in generation (detached), at the thresholds chosen on validation in unict evaluate and "
        "predict, else 0.5; false = z_rep and the slice tokens alone "
        "(the paper)");
  s.key("seg_detection_gate", &ModelConfig::seg_detection_gate, 0.0,
        "a class's predicted mask is kept in a volume only when the classification head gives the class at least this "
        "probability, else it is empty (validation, unict evaluate and predict); 0 = every mask as the decoder draws it "
        "(the paper)")
      .in_range(Range::closed(0, 1));
  s.key("embed_dim", &ModelConfig::embed_dim, std::int64_t{256}, "width of the embedded CT, the task latents and the fusion block")
      .in_range(Range::closed(8, 8192));
  s.key("fusion_heads", &ModelConfig::fusion_heads, std::int64_t{4}, "attention heads of the fusion block (divides embed_dim)")
      .in_range(Range::closed(1, 64));
  s.key("dropout", &ModelConfig::dropout, 0.1, "dropout in the embedding FFN, the adapters, the fusion block and the classification head")
      .in_range(Range::closed(0, 0.9));
  return s;
}

core::Section<EncoderConfig> make_encoder_section() {
  core::Section<EncoderConfig> s("encoder");
  s.key("name", &EncoderConfig::name, std::string("resnet2p5d"), "the visual encoder; only its own keys (encoder.<name>.*) are read and checked")
      .one_of(encoder_names());
  s.key("pooling", &EncoderConfig::pooling, std::string("mean"),
        "how a map's positions become one vector, for the embedded CT and (per slice) the slice tokens: mean = global "
        "average pooling (the paper's reading); max; gem = generalised mean, p learned from 3; attention = weighted by a "
        "softmax of a learned linear score, starting from the mean")
      .one_of({"mean", "max", "gem", "attention"});
  s.key("pooled_maps", &EncoderConfig::pooled_maps, std::int64_t{1},
        "how many of the encoder's maps, deepest first, are pooled and concatenated into the embedded CT (1 = the "
        "deepest, the paper's reading); the slice tokens are the deepest map's")
      .in_range(Range::closed(1, 16));
  return s;
}

core::Section<SegDecoderConfig> make_seg_decoder_section() {
  core::Section<SegDecoderConfig> s("seg_decoder");
  s.key("channels", &SegDecoderConfig::channels, I64s{256, 128, 64, 32},
        "channels of each U-Net stage, deepest first: one per encoder map below the deepest")
      .all_positive();
  s.key("output_scale", &SegDecoderConfig::output_scale, std::int64_t{1},
        "masks are predicted at the input size divided by this (1 = the input resolution)")
      .in_range(Range::closed(1, 32));
  s.key("norm", &SegDecoderConfig::norm, std::string("group"),
        "normalisation of the decoder stages (on the quick start, batch doubled group's segmentation Dice: docs/results.md)")
      .one_of({"group", "batch", "instance"});
  return s;
}

core::Section<ReportDecoderConfig> make_report_decoder_section() {
  core::Section<ReportDecoderConfig> s("report_decoder");
  s.key("d_model", &ReportDecoderConfig::d_model, std::int64_t{512}, "width of the report decoder (CT2Rep: 512)").in_range(Range::closed(8, 8192));
  s.key("heads", &ReportDecoderConfig::heads, std::int64_t{8}, "attention heads (divides d_model)").in_range(Range::closed(1, 128));
  s.key("layers", &ReportDecoderConfig::layers, std::int64_t{3}, "decoder blocks").in_range(Range::closed(1, 64));
  s.key("ff_dim", &ReportDecoderConfig::ff_dim, std::int64_t{2048}, "hidden width of each block's feed-forward").in_range(Range::closed(8, 65536));
  s.key("dropout", &ReportDecoderConfig::dropout, 0.1, "dropout in the decoder").in_range(Range::closed(0, 0.9));
  s.key("max_tokens", &ReportDecoderConfig::max_tokens, std::int64_t{200}, "longest tokenized report, BOS and EOS included (longer ones are cut)")
      .in_range(Range::closed(3, 4096));
  s.key("max_slice_tokens", &ReportDecoderConfig::max_slice_tokens, std::int64_t{512},
        "most slice tokens the prefix can hold (learned positions)").in_range(Range::closed(1, 65536));
  return s;
}

core::Section<DecodeConfig> make_decode_section() {
  core::Section<DecodeConfig> s("decode");
  s.key("method", &DecodeConfig::method, std::string("beam"), "report decoding: greedy or beam search").one_of({"greedy", "beam"});
  s.key("beam_size", &DecodeConfig::beam_size, std::int64_t{3}, "beams of beam search (CT2Rep: 3)").in_range(Range::closed(1, 64));
  s.key("length_penalty", &DecodeConfig::length_penalty, 1.0,
        "beam hypotheses are ranked by log-probability / length^length_penalty (0 = raw log-probability)")
      .in_range(Range::closed(0, 10));
  s.key("max_tokens", &DecodeConfig::max_tokens, std::int64_t{200}, "longest generated report in tokens, EOS included")
      .in_range(Range::closed(1, 4096));
  return s;
}

core::Section<LossConfig> make_loss_section() {
  core::Section<LossConfig> s("loss");
  s.key("cls_weight", &LossConfig::cls_weight, 1.0, "weight of L_CLS; 0 = classification unsupervised").in_range(Range::closed(0, 1000));
  s.key("seg_weight", &LossConfig::seg_weight, 1.0, "weight of L_SEG; 0 = segmentation unsupervised").in_range(Range::closed(0, 1000));
  s.key("rep_weight", &LossConfig::rep_weight, 1.0, "weight of L_REP; 0 = report generation unsupervised").in_range(Range::closed(0, 1000));
  s.key("cls_pos_weight", &LossConfig::cls_pos_weight, std::vector<double>{},
        "BCE weight of positive cases, one per class; empty = 1 for all")
      .satisfying("positive numbers", [](const core::Value& v) {
        for (double w : std::get<std::vector<double>>(v))
          if (!(w > 0)) return std::string("positive numbers");
        return std::string();
      });
  s.key("seg_dice_weight", &LossConfig::seg_dice_weight, 0.5, "L_SEG = w * soft Dice + (1 - w) * BCE").in_range(Range::closed(0, 1));
  s.key("seg_pos_weight", &LossConfig::seg_pos_weight, 1.0,
        "weight of lesion voxels in the segmentation BCE (lesions cover a few hundred of tens of thousands of voxels; a weight "
        "keeps their logits from sinking with the background's before features form)")
      .in_range(Range::closed(1, 10000));
  s.key("seg_other_lesion_weight", &LossConfig::seg_other_lesion_weight, 1.0,
        "weight, in the segmentation BCE, of a class's negatives that lie on another class's lesion: the hard negatives "
        "that tell classes of one attenuation apart by shape; 1 = weighed as background")
      .in_range(Range::closed(1, 10000));
  s.key("label_smoothing", &LossConfig::label_smoothing, 0.0, "label smoothing of the report cross entropy").in_range(Range::closed(0, 0.5));
  return s;
}

[[noreturn]] void fail(const core::ResolvedConfig& config, const std::string& key, const std::string& reason,
                       const std::string& expected) {
  Error error(reason);
  error.key(key).expected(expected);
  const auto& origin = config.origin(key);
  if (origin != "default") error.hint("set at " + origin);
  throw error;
}

}  // namespace

#define UNICT_SECTION(function, type, maker)        \
  const core::Section<type>& function() {           \
    static const core::Section<type> section = maker(); \
    return section;                                 \
  }
UNICT_SECTION(model_section, ModelConfig, make_model_section)
UNICT_SECTION(encoder_section, EncoderConfig, make_encoder_section)
UNICT_SECTION(seg_decoder_section, SegDecoderConfig, make_seg_decoder_section)
UNICT_SECTION(report_decoder_section, ReportDecoderConfig, make_report_decoder_section)
UNICT_SECTION(decode_section, DecodeConfig, make_decode_section)
UNICT_SECTION(loss_section, LossConfig, make_loss_section)
#undef UNICT_SECTION

bool ModelSettings::has_task(core::Task task) const {
  return std::find(model.tasks.begin(), model.tasks.end(), core::task_name(task)) != model.tasks.end();
}

void declare_model_sections(core::Schema& schema) {
  model_section().declare_in(schema);
  encoder_section().declare_in(schema);
  for (const auto& encoder : encoder_specs()) encoder.declare(schema);
  seg_decoder_section().declare_in(schema);
  report_decoder_section().declare_in(schema);
  decode_section().declare_in(schema);
  text::tokenizer_section().declare_in(schema);
  loss_section().declare_in(schema);
}

ModelSettings read_model_settings(const core::ResolvedConfig& config) {
  ModelSettings s;
  s.model = model_section().read(config);
  s.encoder = encoder_section().read(config);
  // encoder.name is one of the specs' names (its key checks that).
  if (const auto* encoder = find_encoder_spec(s.encoder.name)) s.encoder.options = encoder->read(config);
  s.seg_decoder = seg_decoder_section().read(config);
  s.report_decoder = report_decoder_section().read(config);
  s.decode = decode_section().read(config);
  s.tokenizer = text::tokenizer_section().read(config);
  s.loss = loss_section().read(config);
  return s;
}

void validate_model_settings(const ModelSettings& s, const core::ResolvedConfig& config) {
  const auto& m = s.model;
  if (m.fusion && !m.adapters)
    fail(config, "model.fusion", "multi-task fusion needs the task adapters (model.adapters is false)",
         "model.fusion: false for the plain multi-task baseline");
  if (m.scf && !s.has_task(Task::seg))
    fail(config, "model.scf", "segmentation modulation needs the segmentation task", "model.scf: false, or seg in model.tasks");
  if (m.scf && !m.adapters)
    fail(config, "model.scf", "segmentation modulation needs z_seg from the adapters (model.adapters is false)",
         "model.scf: false for the plain multi-task baseline");
  if (m.cls_readout == "lesion_evidence" && !(s.has_task(Task::cls) && s.has_task(Task::seg)))
    fail(config, "model.cls_readout", "the lesion-evidence readout needs both the classification and the segmentation task",
         "model.cls_readout: token, or cls and seg in model.tasks");
  if (m.report_reads_cls && !(s.has_task(Task::cls) && s.has_task(Task::rep)))
    fail(config, "model.report_reads_cls", "the report can read the classification only when both heads are built",
         "model.report_reads_cls: false, or cls and rep in model.tasks");
  if (m.seg_detection_gate > 0 && s.has_task(Task::seg) && !s.has_task(Task::cls))
    fail(config, "model.seg_detection_gate", "masks can be gated by the classification only when its head is built",
         "model.seg_detection_gate: 0, or cls in model.tasks");
  if (m.embed_dim % m.fusion_heads != 0)
    fail(config, "model.fusion_heads", "does not divide model.embed_dim (" + std::to_string(m.embed_dim) + ")",
         "a divisor of model.embed_dim");
  const auto& r = s.report_decoder;
  if (r.d_model % r.heads != 0)
    fail(config, "report_decoder.heads", "does not divide report_decoder.d_model (" + std::to_string(r.d_model) + ")",
         "a divisor of report_decoder.d_model");
  if (const auto* encoder = find_encoder_spec(s.encoder.name))
    if (const auto problem = encoder->check(s.encoder.options)) fail(config, problem->key, problem->reason, problem->expected);
  struct Weighted {
    const char* key;
    double weight;
    Task task;
  };
  for (const auto& w : {Weighted{"loss.cls_weight", s.loss.cls_weight, Task::cls}, Weighted{"loss.seg_weight", s.loss.seg_weight, Task::seg},
                        Weighted{"loss.rep_weight", s.loss.rep_weight, Task::rep}}) {
    const std::string task(core::task_name(w.task));
    if (w.weight > 0 && !s.has_task(w.task))
      fail(config, w.key, "supervises a head that is not built (" + task + " is not in model.tasks)", "0, or " + task + " in model.tasks");
  }
  if (s.decode.max_tokens > r.max_tokens)
    fail(config, "decode.max_tokens", "is longer than the decoder's learned positions (report_decoder.max_tokens = " +
                                          std::to_string(r.max_tokens) + ")",
         "at most report_decoder.max_tokens");
}

}  // namespace unict::model
