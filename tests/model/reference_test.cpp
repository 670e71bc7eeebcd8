// The C++ model against an independent implementation: the PyTorch reference of
// scripts/reference/, run by Debian's python3-torch. For each variant this test builds the model
// from a config, writes its weights (as `unict model export` does), one training step's inputs,
// outputs, losses and gradients, the weights after one clipped AdamW update on the schedule, and
// greedy and beam reports; tests/model/reference/check_unict_reference.py recomputes all of it
// from the same weights and inputs and compares.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "test_support.h"
#include "unict/data/label_set.h"
#include "unict/experiments/config.h"
#include "unict/model/losses.h"
#include "unict/model/tensor_archive.h"
#include "unict/model/unict_model.h"
#include "unict/text/special_tokens.h"
#include "unict/train/optimizer.h"
#include "unict/train/schedule.h"

namespace unict {
namespace {

struct Variant {
  std::string name;
  std::vector<std::string> overrides;  // on top of the quick-start config and kTinyModel
};

void PrintTo(const Variant& v, std::ostream* os) { *os << v.name; }

// Small sizes, no dropout (both sides must compute the same thing), a short schedule.
const std::vector<std::string> kTinyModel = {
    "preprocess.size=[12, 32, 32]", "model.dropout=0", "report_decoder.dropout=0", "model.embed_dim=32",
    "report_decoder.d_model=32", "report_decoder.ff_dim=64", "report_decoder.max_tokens=24", "decode.max_tokens=20",
    "decode.beam_size=3", "train.duration=10u", "train.warmup=3u", "train.lr=0.01", "train.clip_grad_norm=1.0"};

// Settings the single-task and baseline variants need: the quick start reads the findings and the
// mask logits, and gates the masks by the class head, which needs both other heads.
const std::vector<std::string> kPlainReadout = {"model.cls_readout=token", "model.report_reads_cls=false",
                                                "model.seg_detection_gate=0", "train.selection_metric=val.loss"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<Variant> variants() {
  return {
      {"full_model_resnet3d", {}},
      {"full_model_resnet2p5d",
       with(kPlainReadout, {"encoder.name=resnet2p5d", "preprocess.size=[6, 32, 32]", "seg_decoder.channels=[32, 16, 8, 8]",
                            "seg_decoder.norm=group", "loss.seg_other_lesion_weight=1", "loss.label_smoothing=0.1"})},
      {"no_fusion", {"model.fusion=false"}},
      {"no_scf", {"model.scf=false"}},
      {"no_adapters", with(kPlainReadout, {"model.adapters=false", "model.fusion=false", "model.scf=false"})},
      {"cls_only", with(kPlainReadout, {"model.tasks=[cls]", "model.scf=false", "loss.seg_weight=0", "loss.rep_weight=0"})},
      {"seg_only", with(kPlainReadout, {"model.tasks=[seg]", "loss.cls_weight=0", "loss.rep_weight=0", "seg_decoder.output_scale=2", "seg_decoder.norm=instance",
                                        "loss.seg_pos_weight=5"})},
      {"rep_only", with(kPlainReadout, {"model.tasks=[rep]", "model.scf=false", "loss.cls_weight=0", "loss.seg_weight=0", "decode.length_penalty=0"})},
      {"max_pooling", with(kPlainReadout, {"encoder.pooling=max"})},
      {"gem_pooling_2_maps", with(kPlainReadout, {"encoder.pooling=gem", "encoder.pooled_maps=2"})},
      {"attention_pooling_3_maps", with(kPlainReadout, {"encoder.pooling=attention", "encoder.pooled_maps=3"})},
  };
}

class ReferenceEquality : public ::testing::TestWithParam<Variant> {};

void put(model::NamedTensors& into, const std::string& name, const at::Tensor& t) {
  if (t.defined()) into.emplace_back(name, t.detach().clone());
}

// Reports [B, longest] int64, -1 after each report's end.
at::Tensor report_rows(const model::Generated& reports) {
  std::size_t longest = 1;
  for (const auto& r : reports) longest = std::max(longest, r.size());
  auto rows = torch::full({static_cast<std::int64_t>(reports.size()), static_cast<std::int64_t>(longest)}, -1, torch::kLong);
  for (std::size_t b = 0; b < reports.size(); ++b)
    for (std::size_t t = 0; t < reports[b].size(); ++t) rows[static_cast<std::int64_t>(b)][static_cast<std::int64_t>(t)] = reports[b][t];
  return rows;
}

TEST_P(ReferenceEquality, MatchesThePyTorchReference) {
  test::TempDir dir;
  const auto loaded = experiments::load_config(std::filesystem::path(UNICT_SOURCE_DIR) / "configs" / "quickstart.yaml",
                                               with(with(kTinyModel, {"data.label_set=" UNICT_SOURCE_DIR "/configs/labels/unict10.yaml"}),
                                                    GetParam().overrides));
  dir.write("config.yaml", loaded.resolved.to_yaml());
  const auto& config = loaded.typed;
  model::ModelShape shape{static_cast<std::int64_t>(data::load_label_set(config.data.label_set).size()), 40, config.preprocess.size};
  auto net = model::build_model(config.model, shape, 42);
  net->train();
  {
    // Attention pooling's scores start at zero, which pools as the mean; random ones make its
    // softmax count.
    torch::NoGradGuard no_grad;
    for (auto& p : net->named_parameters())
      if (p.key().find(".score.") != std::string::npos) p.value().normal_(0, 1);
  }
  model::write_tensor_archive(dir / "weights.npz", model::module_weights(*net));

  // Inputs: CT in the loader's range, lesions on half the voxels of some classes, one volume
  // without masks, reports of different lengths.
  torch::manual_seed(7);
  const std::int64_t batch = 3;
  std::vector<std::int64_t> ct_size{batch, 1}, mask_size{batch, shape.classes};
  ct_size.insert(ct_size.end(), shape.input_size.begin(), shape.input_size.end());
  mask_size.insert(mask_size.end(), shape.input_size.begin(), shape.input_size.end());
  const auto ct = torch::rand(ct_size) * 2 - 1;
  const auto labels = (torch::rand({batch, shape.classes}) > 0.5).to(torch::kFloat32);
  const auto masks = (torch::rand(mask_size) > 0.5).to(torch::kFloat32) * labels.view({batch, shape.classes, 1, 1, 1});
  const auto has_mask = torch::tensor({true, false, true});
  auto tokens = torch::randint(text::kEosId + 1, shape.vocab_size, {batch, 12}, torch::kLong);
  tokens.select(1, 0).fill_(text::kBosId);
  const std::int64_t ends[] = {11, 7, 4};
  for (std::int64_t b = 0; b < batch; ++b) {
    tokens[b][ends[b]] = text::kEosId;
    tokens[b].slice(0, ends[b] + 1).fill_(text::kPadId);
  }

  model::NamedTensors computed;
  put(computed, "meta.classes", torch::tensor(shape.classes));
  put(computed, "meta.vocab_size", torch::tensor(shape.vocab_size));
  put(computed, "input.ct", ct);
  put(computed, "input.labels", labels);
  put(computed, "input.masks", masks);
  put(computed, "input.has_mask", has_mask);
  put(computed, "input.tokens", tokens);

  const auto out = net->forward(ct, tokens, labels);
  put(computed, "output.cls_logits", out.cls_logits);
  put(computed, "output.seg_logits", out.seg_logits);
  put(computed, "output.rep_logits", out.rep_logits);
  put(computed, "output.attention", out.attention);
  const auto losses = model::compute_losses(out, {labels, masks, has_mask, tokens}, config.model.loss);
  put(computed, "loss.cls", losses.cls);
  put(computed, "loss.seg", losses.seg);
  put(computed, "loss.rep", losses.rep);
  put(computed, "loss.total", losses.total);
  losses.total.backward();
  for (const auto& p : net->named_parameters())
    if (p.value().grad().defined()) put(computed, "grad." + p.key(), p.value().grad());

  // One update as the trainer makes it, at a step inside the cosine part of the schedule.
  auto optimizer = train::make_optimizer(*net, *net->encoder(), config.train);
  const auto schedule = train::make_schedule(config.train, /*updates_per_epoch=*/1);
  const std::int64_t step = 5;
  const auto parameters = net->parameters();
  train::clip_gradients(parameters, train::gradient_norm(parameters), config.train.clip_grad_norm);
  optimizer.set_lr(schedule.lr(step));
  optimizer.adamw->step();
  put(computed, "meta.schedule_step", torch::tensor(step));
  put(computed, "meta.lr", torch::tensor(schedule.lr(step), torch::kFloat64));
  model::write_tensor_archive(dir / "weights_after.npz", model::module_weights(*net));

  if (net->has_task(core::Task::rep)) {
    auto decode = config.model.decode;
    decode.method = "greedy";
    put(computed, "reports.greedy", report_rows(net->generate(ct, decode)));
    decode.method = "beam";
    put(computed, "reports.beam", report_rows(net->generate(ct, decode)));
  }
  model::write_tensor_archive(dir / "computed.npz", computed);

  EXPECT_EQ(test::run_python("model/reference/check_unict_reference.py", "'" + dir.path().string() + "'"), 0)
      << "the PyTorch reference computed something else; its output above says what";
}

INSTANTIATE_TEST_SUITE_P(Variants, ReferenceEquality, ::testing::ValuesIn(variants()),
                         [](const ::testing::TestParamInfo<Variant>& info) { return info.param.name; });

}  // namespace
}  // namespace unict
