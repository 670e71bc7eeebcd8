#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "model_fixture.h"
#include "unict/model/losses.h"
#include "unict/model/model_summary.h"
#include "unict/model/resnet2p5d.h"
#include "test_support.h"

namespace unict::model {
namespace {

using test::tiny_batch;
using test::tiny_settings;
using test::tiny_shape;

std::set<std::string> child_names(torch::nn::Module& m) {
  std::set<std::string> names;
  for (const auto& c : m.named_children()) names.insert(c.key());
  return names;
}

std::int64_t count_of(torch::nn::Module& m, const std::string& child) {
  for (const auto& c : m.named_children())
    if (c.key() == child) return parameter_count(*c.value());
  return 0;
}

Targets targets_of(const test::TinyBatch& b) { return {b.labels, b.masks, b.has_mask, b.tokens}; }

struct ShapeCase {
  std::string encoder;
  std::int64_t output_scale;
};

void PrintTo(const ShapeCase& c, std::ostream* os) { *os << c.encoder << " / output_scale " << c.output_scale; }

class ModelShapes : public ::testing::TestWithParam<ShapeCase> {};

TEST_P(ModelShapes, EveryOutputHasItsDocumentedShape) {
  auto settings = tiny_settings(GetParam().encoder);
  settings.seg_decoder.output_scale = GetParam().output_scale;
  const auto shape = tiny_shape({12, 32, 32});
  auto net = build_model(settings, shape, 1);
  const auto b = tiny_batch(shape, 2, 9);
  const auto out = net->forward(b.ct, b.tokens);
  const auto s = GetParam().output_scale;
  EXPECT_EQ(out.cls_logits.sizes(), (std::vector<std::int64_t>{2, 4}));
  EXPECT_EQ(out.seg_logits.sizes(), (std::vector<std::int64_t>{2, 4, 12 / s, 32 / s, 32 / s}));
  EXPECT_EQ(out.rep_logits.sizes(), (std::vector<std::int64_t>{2, 8, 40}));
  EXPECT_EQ(out.attention.sizes(), (std::vector<std::int64_t>{2, 3, 3}));
  EXPECT_EQ(out.embedded.sizes(), (std::vector<std::int64_t>{2, 32}));
  // Slice tokens: one per 3-slice group for resnet2p5d; the deepest z for resnet3d (stride 1*1*2*2).
  EXPECT_EQ(out.slice_tokens.size(1), GetParam().encoder == "resnet2p5d" ? 4 : 3);
  // Attention rows are distributions over the tasks.
  EXPECT_TRUE(torch::allclose(out.attention.sum(-1), torch::ones({2, 3}), 1e-5, 1e-6));
}

INSTANTIATE_TEST_SUITE_P(Encoders, ModelShapes,
                         ::testing::Values(ShapeCase{"resnet3d", 1}, ShapeCase{"resnet3d", 2}, ShapeCase{"resnet2p5d", 1},
                                           ShapeCase{"resnet2p5d", 4}),
                         [](const auto& info) { return info.param.encoder + "_scale" + std::to_string(info.param.output_scale); });

TEST(Encoders, MapsShrinkAsConfiguredAndRegistryListsBoth) {
  auto settings = tiny_settings("resnet3d");
  auto& resnet3d = std::get<Resnet3dConfig>(settings.encoder.options);
  resnet3d.stem_stride = {1, 2, 2};
  resnet3d.z_strides = {1, 1, 2};
  resnet3d.xy_strides = {1, 2, 2};
  VisualEncoder encoder(settings.encoder, 16, 0.0);
  const auto out = encoder->forward(torch::rand({1, 1, 8, 32, 32}));
  ASSERT_EQ(out.maps.size(), 4u);
  EXPECT_EQ(out.maps[0].sizes(), (std::vector<std::int64_t>{1, 8, 8, 16, 16}));
  EXPECT_EQ(out.maps[1].sizes(), (std::vector<std::int64_t>{1, 8, 8, 16, 16}));
  EXPECT_EQ(out.maps[2].sizes(), (std::vector<std::int64_t>{1, 16, 8, 8, 8}));
  EXPECT_EQ(out.maps[3].sizes(), (std::vector<std::int64_t>{1, 16, 4, 4, 4}));
  // Slice tokens are the deepest map averaged in-plane.
  EXPECT_TRUE(torch::allclose(out.slice_tokens, out.maps[3].mean({3, 4}).transpose(1, 2)));
  EXPECT_EQ(EncoderRegistry::instance().names(), (std::vector<std::string>{"resnet2p5d", "resnet3d"}));

  settings.encoder.name = "vit";
  const auto message = test::error_of([&] { VisualEncoder(settings.encoder, 16, 0.0); });
  EXPECT_CONTAINS(message, "encoder.name");
  EXPECT_CONTAINS(message, "resnet2p5d, resnet3d");
}

TEST(Encoders, Resnet2p5dStacksSliceGroupsAlongZ) {
  auto settings = tiny_settings("resnet2p5d");
  VisualEncoder encoder(settings.encoder, 16, 0.0);
  encoder->eval();
  auto ct = torch::rand({1, 1, 6, 32, 32});
  const auto maps = encoder->forward(ct).maps;
  EXPECT_EQ(maps[0].sizes(), (std::vector<std::int64_t>{1, 64, 2, 16, 16}));
  EXPECT_EQ(maps[4].sizes(), (std::vector<std::int64_t>{1, 512, 2, 1, 1}));
  // Changing slices 3-5 (group 1) leaves group 0's maps untouched.
  auto changed = ct.clone();
  changed.slice(2, 3, 6).uniform_();
  const auto maps2 = encoder->forward(changed).maps;
  EXPECT_TRUE(torch::equal(maps[2].select(2, 0), maps2[2].select(2, 0)));
  EXPECT_FALSE(torch::equal(maps[2].select(2, 1), maps2[2].select(2, 1)));

  const auto message = test::error_of([&] { encoder->forward(torch::rand({1, 1, 7, 32, 32})); });
  EXPECT_CONTAINS(message, "preprocess.size");
  EXPECT_CONTAINS(message, "multiple of 3");
}

TEST(Gradients, EveryParameterOfTheFullModelLearns) {
  for (const std::string encoder : {"resnet3d", "resnet2p5d"}) {
    const auto shape = tiny_shape();
    auto net = build_model(tiny_settings(encoder), shape, 3);
    const auto b = tiny_batch(shape);
    const auto losses = compute_losses(net->forward(b.ct, b.tokens), targets_of(b), tiny_settings().loss);
    losses.total.backward();
    for (const auto& p : net->named_parameters()) {
      ASSERT_TRUE(p.value().grad().defined()) << encoder << ": " << p.key();
      EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0) << encoder << ": " << p.key();
    }
  }
}

TEST(Gradients, AnUnsupervisedHeadReceivesNone) {
  for (const std::string head : {"cls", "seg", "rep"}) {
    auto settings = tiny_settings();
    (head == "cls" ? settings.loss.cls_weight : head == "seg" ? settings.loss.seg_weight : settings.loss.rep_weight) = 0;
    const auto shape = tiny_shape();
    auto net = build_model(settings, shape, 3);
    const auto b = tiny_batch(shape);
    const auto losses = compute_losses(net->forward(b.ct, b.tokens), targets_of(b), settings.loss);
    losses.total.backward();
    // SCF belongs to the segmentation path: it only reaches the loss through the masks.
    const std::vector<std::string> modules = head == "cls"   ? std::vector<std::string>{"cls_head."}
                                             : head == "seg" ? std::vector<std::string>{"seg_decoder.", "scf."}
                                                             : std::vector<std::string>{"report_decoder."};
    std::size_t silent = 0;
    for (const auto& p : net->named_parameters()) {
      const bool in_head = std::any_of(modules.begin(), modules.end(), [&](const auto& m) { return p.key().rfind(m, 0) == 0; });
      const bool has_grad = p.value().grad().defined() && p.value().grad().abs().sum().item<double>() > 0;
      if (in_head) {
        EXPECT_FALSE(has_grad) << p.key();
        ++silent;
      } else {
        EXPECT_TRUE(has_grad) << head << " off: " << p.key();
      }
    }
    EXPECT_GT(silent, 0u) << head;
  }
}

TEST(Switches, FusionOffRemovesTheBlockAndPassesTheAdaptersThrough) {
  const auto shape = tiny_shape();
  auto with = build_model(tiny_settings(), shape, 5);
  auto settings = tiny_settings();
  settings.model.fusion = false;
  auto without = build_model(settings, shape, 5);
  EXPECT_EQ(parameter_count(*with) - parameter_count(*without), count_of(*with, "fusion"));
  EXPECT_GT(count_of(*with, "fusion"), 0);
  EXPECT_EQ(child_names(*without).count("fusion"), 0u);
  const auto b = tiny_batch(shape);
  const auto out = without->forward(b.ct, b.tokens);
  EXPECT_FALSE(out.attention.defined());
  EXPECT_TRUE(torch::equal(out.fused, out.latents));
  // z_t is exactly what each adapter makes of the embedded CT.
  for (std::int64_t t = 0; t < 3; ++t) {
    const auto name = "adapter_" + std::string(core::task_name(without->tasks()[static_cast<std::size_t>(t)]));
    auto adapter = std::dynamic_pointer_cast<TaskAdapterImpl>(without->named_children()[name]);
    ASSERT_TRUE(adapter) << name;
    EXPECT_TRUE(torch::equal(out.fused.select(1, t), adapter->forward(out.embedded))) << name;
  }
}

TEST(Switches, ScfOffFeedsTheDecoderThePlainMaps) {
  const auto shape = tiny_shape();
  auto settings = tiny_settings();
  auto with = build_model(settings, shape, 5);
  settings.model.scf = false;
  auto without = build_model(settings, shape, 5);
  EXPECT_EQ(parameter_count(*with) - parameter_count(*without), count_of(*with, "scf"));
  EXPECT_EQ(child_names(*without).count("scf"), 0u);
  // SCF starts as the identity (zero-initialised FiLM), so at initialisation the masks do not
  // depend on z_seg either.
  const auto b = tiny_batch(shape);
  {
    with->eval();
    const auto before = with->forward(b.ct).seg_logits;
    torch::NoGradGuard no_grad;
    for (auto& p : with->named_parameters())
      if (p.key().rfind("adapter_seg.", 0) == 0) p.value().normal_();
    EXPECT_TRUE(torch::equal(before, with->forward(b.ct).seg_logits));
    for (auto& p : with->named_parameters())
      if (p.key().rfind("scf.", 0) == 0) p.value().normal_(0, 0.1);  // as if trained
  }
  // Without SCF the masks do not depend on z_seg: a model whose seg adapter is redrawn predicts
  // the same masks; with a trained SCF they change.
  for (auto* net : {&with, &without}) {
    (*net)->eval();
    const auto before = (*net)->forward(b.ct).seg_logits;
    torch::NoGradGuard no_grad;
    for (auto& p : (*net)->named_parameters())
      if (p.key().rfind("adapter_seg.", 0) == 0) p.value().normal_();
    const auto after = (*net)->forward(b.ct).seg_logits;
    EXPECT_EQ(torch::equal(before, after), net == &without) << (net == &with ? "scf on" : "scf off");
  }
}

TEST(Switches, DecoderNormIsTheConfiguredOne) {
  const auto shape = tiny_shape();
  auto settings = tiny_settings();
  auto count_norms = [](torch::nn::Module& net, const std::string& type) {
    std::size_t n = 0;
    for (const auto& m : net.named_modules())
      if (m.key().rfind("seg_decoder.", 0) == 0 && m.value()->name() == type) ++n;
    return n;
  };
  auto group = build_model(settings, shape, 5);
  settings.seg_decoder.norm = "batch";
  auto batch = build_model(settings, shape, 5);
  // Two normalisations per decoder stage, all of the configured kind.
  const auto expected = 2 * settings.seg_decoder.channels.size();
  EXPECT_EQ(count_norms(*group, "torch::nn::GroupNormImpl"), expected);
  EXPECT_EQ(count_norms(*group, "unict::model::BatchNormImpl"), 0u);
  EXPECT_EQ(count_norms(*batch, "unict::model::BatchNormImpl"), expected);
  EXPECT_EQ(count_norms(*batch, "torch::nn::GroupNormImpl"), 0u);
}

TEST(Switches, TheReportReadsTheFindingsWithoutTrainingTheClassHead) {
  const auto shape = tiny_shape();
  auto settings = tiny_settings();
  settings.model.report_reads_cls = true;
  auto net = build_model(settings, shape, 5);
  // The latent token reads z_rep alone; the findings have their own projection, one input per class.
  auto decoder_parameters = net->report_decoder()->named_parameters();
  EXPECT_EQ(decoder_parameters["latent_proj.weight"].size(1), settings.model.embed_dim);
  EXPECT_EQ(decoder_parameters["findings_proj.weight"].size(1), shape.classes);
  const auto b = tiny_batch(shape);
  net->eval();
  // Teacher forcing: given findings are what the report reads, so other findings give another report.
  const auto none = net->forward(b.ct, b.tokens, torch::zeros({2, shape.classes})).rep_logits;
  const auto all = net->forward(b.ct, b.tokens, torch::ones({2, shape.classes})).rep_logits;
  EXPECT_FALSE(torch::allclose(none, all));
  // Without them, the report reads the class head's own findings at probability 0.5.
  const auto out = net->forward(b.ct, b.tokens);
  const auto own = (torch::sigmoid(out.cls_logits) >= 0.5).to(torch::kFloat32);
  EXPECT_TRUE(torch::equal(out.rep_logits, net->forward(b.ct, b.tokens, own).rep_logits));
  // The report's loss does not reach the classification head.
  out.rep_logits.sum().backward();
  for (auto& p : net->named_parameters())
    if (p.key().rfind("cls_head.", 0) == 0) {
      EXPECT_FALSE(p.value().grad().defined() && p.value().grad().abs().sum().item<double>() > 0) << p.key();
    }
  // Generation reads the same findings through the decoding cache: fed back teacher-forced, each
  // generated report's every token is the argmax of the full forward at its position. Beam search
  // with one beam gives the same reports.
  auto greedy = settings.decode;
  greedy.method = "greedy";
  greedy.max_tokens = 6;
  const auto generated = net->generate(b.ct, greedy);
  ASSERT_EQ(generated.size(), 2u);
  for (std::size_t i = 0; i < generated.size(); ++i) {
    ASSERT_FALSE(generated[i].empty());
    std::vector<std::int64_t> row = {text::kBosId};
    row.insert(row.end(), generated[i].begin(), generated[i].end());
    const auto volume = b.ct.slice(0, static_cast<std::int64_t>(i), static_cast<std::int64_t>(i) + 1);
    const auto forced = net->forward(volume, pad_token_rows({row})).rep_logits.argmax(2)[0];
    for (std::size_t t = 0; t < generated[i].size(); ++t) EXPECT_EQ(forced[static_cast<std::int64_t>(t)].item<std::int64_t>(), generated[i][t]);
  }
  auto beam = greedy;
  beam.method = "beam";
  beam.beam_size = 1;
  EXPECT_EQ(net->generate(b.ct, beam), generated);
}

TEST(Switches, GenerationReadsTheFindingsAtThePerClassThresholds) {
  const auto shape = tiny_shape();
  auto settings = tiny_settings();
  settings.model.report_reads_cls = true;
  auto net = build_model(settings, shape, 5);
  const auto b = tiny_batch(shape);
  net->eval();
  auto greedy = settings.decode;
  greedy.method = "greedy";
  greedy.max_tokens = 6;
  // Each generated token is the argmax of the teacher-forced forward that reads `findings`.
  const auto expect_reads = [&](const std::vector<double>& thresholds, const at::Tensor& findings, const std::string& what) {
    const auto generated = net->generate(b.ct, greedy, thresholds);
    ASSERT_EQ(generated.size(), 2u);
    for (std::size_t i = 0; i < generated.size(); ++i) {
      std::vector<std::int64_t> row = {text::kBosId};
      row.insert(row.end(), generated[i].begin(), generated[i].end());
      const auto at = static_cast<std::int64_t>(i);
      const auto forced = net->forward(b.ct.slice(0, at, at + 1), pad_token_rows({row}), findings.slice(0, at, at + 1)).rep_logits.argmax(2)[0];
      for (std::size_t t = 0; t < generated[i].size(); ++t)
        EXPECT_EQ(forced[static_cast<std::int64_t>(t)].item<std::int64_t>(), generated[i][t]) << what << ", volume " << i << ", token " << t;
    }
  };
  const auto classes = static_cast<std::size_t>(shape.classes);
  expect_reads(std::vector<double>(classes, 0.0), torch::ones({2, shape.classes}), "threshold 0: every finding");
  expect_reads(std::vector<double>(classes, 1.5), torch::zeros({2, shape.classes}), "threshold above 1: none");
  // One class at 0 and the rest above 1: that finding alone, in both volumes.
  std::vector<double> first_only(classes, 1.5);
  first_only[0] = 0.0;
  auto first = torch::zeros({2, shape.classes});
  first.select(1, 0).fill_(1);
  expect_reads(first_only, first, "the first class only");
  // The thresholds the head's own probabilities fall on either side of: the head's findings there.
  const auto p = torch::sigmoid(net->forward(b.ct).cls_logits.to(torch::kFloat64));
  std::vector<double> between(classes);
  for (std::size_t c = 0; c < classes; ++c) between[c] = p.select(1, static_cast<std::int64_t>(c)).mean().item<double>();
  expect_reads(between, (p >= torch::tensor(between, p.options())).to(torch::kFloat32), "thresholds at the mean probability");
  EXPECT_THROW(net->generate(b.ct, greedy, std::vector<double>(classes + 1, 0.5)), Error);
}

// Reference for the lesion-evidence pooling: sort each channel's voxels, average the k largest.
at::Tensor strongest_voxels_reference(const at::Tensor& seg_logits, std::int64_t k) {
  auto out = torch::zeros({seg_logits.size(0), seg_logits.size(1)});
  for (std::int64_t b = 0; b < seg_logits.size(0); ++b)
    for (std::int64_t c = 0; c < seg_logits.size(1); ++c) {
      auto values = seg_logits[b][c].flatten().contiguous();
      std::vector<float> v(values.data_ptr<float>(), values.data_ptr<float>() + values.numel());
      std::sort(v.begin(), v.end(), std::greater<float>());
      const auto take = std::min<std::size_t>(static_cast<std::size_t>(k), v.size());
      double sum = 0;
      for (std::size_t i = 0; i < take; ++i) sum += v[i];
      out[b][c] = sum / static_cast<double>(take);
    }
  return out;
}

TEST(LesionEvidence, AveragesTheStrongestVoxelsOfEachChannelThenScalesAndShifts) {
  torch::manual_seed(3);
  const auto seg_logits = torch::randn({2, 3, 4, 5, 6});
  for (std::int64_t k : {1, 7, 120, 500}) {  // 500 > 120 voxels: capped
    LesionEvidence readout(3, k);
    readout->eval();  // an untrained readout: centre 0
    EXPECT_TRUE(torch::allclose(readout->forward(seg_logits), strongest_voxels_reference(seg_logits, k), 1e-5, 1e-6)) << k;
    torch::NoGradGuard no_grad;
    for (auto& p : readout->named_parameters()) p.value().fill_(p.key() == "scale" ? 2.0 : -0.5);
    EXPECT_TRUE(torch::allclose(readout->forward(seg_logits), 2.0 * strongest_voxels_reference(seg_logits, k) - 0.5, 1e-5, 1e-6)) << k;
  }
}

// Calibration: in training mode the pooled value is centred on the first batch's mean, then on
// a running mean with momentum 0.1; eval mode keeps the centre where training left it.
TEST(LesionEvidence, CentresThePooledValueOnItsRunningMeanOverTrainingBatches) {
  torch::manual_seed(4);
  const std::int64_t k = 5;
  const auto first = torch::randn({4, 3, 3, 4, 5}) - 5.0, second = torch::randn({4, 3, 3, 4, 5}) + 2.0;
  LesionEvidence readout(3, k);
  readout->train();
  const auto e1 = strongest_voxels_reference(first, k), e2 = strongest_voxels_reference(second, k);
  const auto centre1 = e1.mean(0);
  EXPECT_TRUE(torch::allclose(readout->forward(first), e1 - centre1, 1e-5, 1e-5));
  EXPECT_LT(readout->forward(first).mean().abs().item<double>(), 1e-4);  // adds nothing on average
  // The repeated first batch left the centre at centre1; the second batch moves it by 0.1.
  const auto centre2 = 0.9 * centre1 + 0.1 * e2.mean(0);
  EXPECT_TRUE(torch::allclose(readout->forward(second), e2 - centre2, 1e-5, 1e-5));
  readout->eval();
  EXPECT_TRUE(torch::allclose(readout->forward(first), e1 - centre2, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(readout->forward(first), e1 - centre2, 1e-5, 1e-5));  // eval mode does not move it
}

TEST(Switches, LesionEvidenceReadoutAddsPooledMaskLogitsToTheHead) {
  const auto shape = tiny_shape();
  auto settings = tiny_settings();
  auto token = build_model(settings, shape, 5);
  settings.model.cls_readout = "lesion_evidence";
  settings.model.lesion_evidence_voxels = 9;
  auto evidence = build_model(settings, shape, 5);
  EXPECT_EQ(parameter_count(*evidence) - parameter_count(*token), 2 * shape.classes);
  // Same seed, same other weights: the readout's logits are the head's plus the pooled mask logits.
  const auto b = tiny_batch(shape);
  token->eval();
  evidence->eval();
  const auto plain = token->forward(b.ct);
  const auto read = evidence->forward(b.ct);
  ASSERT_TRUE(torch::equal(plain.seg_logits, read.seg_logits));
  EXPECT_TRUE(torch::allclose(read.cls_logits, plain.cls_logits + strongest_voxels_reference(plain.seg_logits, 9), 1e-5, 1e-6));
  // The classification loss trains the readout's scale and offset but never the segmentation
  // decoder: the mask logits are read detached.
  evidence->zero_grad();
  const auto out = evidence->forward(b.ct);
  torch::binary_cross_entropy_with_logits(out.cls_logits, b.labels).backward();
  int decoder_tensors = 0, readout_tensors = 0;  // so that a renamed module cannot make the loop check nothing
  for (auto& p : evidence->named_parameters()) {
    const bool has_gradient = p.value().grad().defined() && p.value().grad().abs().sum().item<double>() > 0;
    if (p.key().rfind("seg_decoder.", 0) == 0) {
      ++decoder_tensors;
      EXPECT_FALSE(has_gradient) << p.key();
    }
    if (p.key().rfind("lesion_evidence.", 0) == 0) {
      ++readout_tensors;
      EXPECT_TRUE(has_gradient) << p.key();
    }
  }
  EXPECT_GT(decoder_tensors, 0);
  EXPECT_EQ(readout_tensors, 2);  // scale and offset
}

TEST(Switches, SingleTaskModelsBuildOneHead) {
  const std::map<std::string, std::string> head_of{{"cls", "cls_head"}, {"seg", "seg_decoder"}, {"rep", "report_decoder"}};
  for (const auto& [task, head] : head_of) {
    auto settings = tiny_settings();
    settings.model.tasks = {task};
    settings.model.fusion = false;
    settings.model.scf = task == "seg";
    auto net = build_model(settings, tiny_shape(), 1);
    const auto names = child_names(*net);
    for (const auto& [other, other_head] : head_of) EXPECT_EQ(names.count(other_head), other == task ? 1u : 0u) << task;
    EXPECT_EQ(names.count("adapter_" + task), 1u);
    EXPECT_EQ(net->tasks(), std::vector<core::Task>{core::parse_task(task)});
  }
}

TEST(Switches, TheMultiTaskBaselineHasNoAdaptersAndHeadsReadTheEmbeddedCt) {
  auto settings = tiny_settings();
  settings.model.adapters = false;
  settings.model.fusion = false;
  settings.model.scf = false;
  const auto shape = tiny_shape();
  auto net = build_model(settings, shape, 1);
  for (const auto& name : child_names(*net)) EXPECT_EQ(name.rfind("adapter_", 0), std::string::npos) << name;
  EXPECT_EQ(child_names(*net).count("fusion"), 0u);
  const auto b = tiny_batch(shape);
  const auto out = net->forward(b.ct, b.tokens);
  for (std::int64_t t = 0; t < 3; ++t) EXPECT_TRUE(torch::equal(out.fused.select(1, t), out.embedded));
}

TEST(ReportDecoder, TextIsCausalAndThePrefixIsSeen) {
  const auto shape = tiny_shape();
  auto net = build_model(tiny_settings(), shape, 9);
  net->eval();
  const auto b = tiny_batch(shape, 1, 12);
  const auto base = net->forward(b.ct, b.tokens).rep_logits;
  for (std::int64_t changed_at : {3, 6, 9}) {
    auto tokens = b.tokens.clone();
    tokens[0][changed_at] = (tokens[0][changed_at].item<std::int64_t>() + 1 - 4) % (shape.vocab_size - 4) + 4;
    const auto logits = net->forward(b.ct, tokens).rep_logits;
    // Position t predicts token t + 1 from tokens 0..t: positions before `changed_at` are unchanged.
    EXPECT_TRUE(torch::equal(logits.slice(1, 0, changed_at), base.slice(1, 0, changed_at))) << changed_at;
    EXPECT_FALSE(torch::allclose(logits.slice(1, changed_at), base.slice(1, changed_at))) << changed_at;
  }
  const auto other_ct = net->forward(torch::rand_like(b.ct), b.tokens).rep_logits;
  EXPECT_FALSE(torch::allclose(other_ct.select(1, 0), base.select(1, 0)));
}

TEST(ReportDecoder, MaskIsPrefixVisibleAndTextCausal) {
  const auto mask = ReportDecoderImpl::seq2seq_mask(2, 3, torch::kCPU);
  const auto expected = torch::tensor({1, 1, 0, 0, 0,  //
                                       1, 1, 0, 0, 0,  //
                                       1, 1, 1, 0, 0,  //
                                       1, 1, 1, 1, 0,  //
                                       1, 1, 1, 1, 1})
                            .view({5, 5})
                            .to(torch::kBool);
  EXPECT_TRUE(torch::equal(mask, expected));
}

TEST(ReportDecoder, IncrementalStepsEqualTheFullForward) {
  const auto shape = tiny_shape();
  auto net = build_model(tiny_settings(), shape, 11);
  net->eval();
  torch::NoGradGuard no_grad;
  const auto b = tiny_batch(shape, 2, 10);
  const auto out = net->forward(b.ct, b.tokens);
  const auto z_rep = out.fused.select(1, 2);
  auto& decoder = *net->report_decoder();
  auto cache = decoder.start(z_rep, out.slice_tokens);
  for (std::int64_t t = 0; t < 9; ++t) {
    const auto logits = decoder.step(cache, b.tokens.select(1, t));
    EXPECT_TRUE(torch::allclose(logits, out.rep_logits.select(1, t), 1e-4, 1e-5)) << t;
  }
}

// Sum of log-probabilities of `generated` (after BOS) under teacher forcing.
double sequence_log_prob(UniCT& net, const at::Tensor& ct, const std::vector<std::int64_t>& generated) {
  std::vector<std::int64_t> row{text::kBosId};
  row.insert(row.end(), generated.begin(), generated.end());
  row.push_back(text::kPadId);  // the model drops the last token of its input
  const auto tokens = torch::tensor(row).unsqueeze(0);
  const auto logp = at::log_softmax(net->forward(ct, tokens).rep_logits, -1)[0];
  double total = 0;
  for (std::size_t t = 0; t < generated.size(); ++t) total += logp[static_cast<std::int64_t>(t)][generated[t]].item<double>();
  return total;
}

// A tiny model in eval mode and a batch of CTs for it.
std::pair<UniCT, at::Tensor> decoding_setup(std::uint64_t seed, std::int64_t volumes) {
  const auto shape = tiny_shape();
  auto net = build_model(tiny_settings(), shape, seed);
  net->eval();
  return {net, tiny_batch(shape, volumes).ct};
}

TEST(Decoding, BeamOfOneEqualsGreedyAndWiderBeamsScoreAtLeastAsWell) {
  auto [net, ct] = decoding_setup(13, 3);
  torch::NoGradGuard no_grad;
  DecodeConfig greedy{"greedy", 1, 0.0, 12}, beam1{"beam", 1, 1.0, 12}, beam4{"beam", 4, 0.0, 12};
  const auto g = net->generate(ct, greedy);
  EXPECT_EQ(net->generate(ct, beam1), g);
  const auto wide = net->generate(ct, beam4);
  for (std::int64_t i = 0; i < 3; ++i) {
    EXPECT_FALSE(g[i].empty());
    const auto one = ct.slice(0, i, i + 1);
    EXPECT_GE(sequence_log_prob(net, one, wide[i]), sequence_log_prob(net, one, g[i]) - 1e-4) << i;
  }
}

TEST(Decoding, StopsAtEosAndAtMaxLength) {
  auto [net, ct] = decoding_setup(17, 2);
  torch::NoGradGuard no_grad;
  auto bias = net->report_decoder()->named_parameters()["caption_head.bias"];  // shares the weights' storage
  for (const std::string method : {"greedy", "beam"}) {
    DecodeConfig decode{method, 3, 1.0, 7};
    bias[text::kEosId] = 1e4;  // EOS always wins: one token, the EOS
    for (const auto& r : net->generate(ct, decode)) EXPECT_EQ(r, std::vector<std::int64_t>{text::kEosId}) << method;
    bias[text::kEosId] = -1e4;  // EOS never wins: exactly max_tokens tokens, none EOS
    for (const auto& r : net->generate(ct, decode)) {
      EXPECT_EQ(r.size(), 7u) << method;
      EXPECT_EQ(std::count(r.begin(), r.end(), text::kEosId), 0) << method;
    }
  }
  DecodeConfig too_long{"greedy", 1, 1.0, 25};
  EXPECT_CONTAINS(test::error_of([&] { net->generate(ct, too_long); }), "decode.max_tokens");
}

TEST(Initialisation, SameSeedSameWeightsOtherSeedOtherWeights) {
  const auto shape = tiny_shape();
  auto a = build_model(tiny_settings("resnet2p5d"), shape, 42);
  torch::rand({100});  // the global generator moves on between builds
  auto b = build_model(tiny_settings("resnet2p5d"), shape, 42);
  auto c = build_model(tiny_settings("resnet2p5d"), shape, 43);
  const auto pa = a->named_parameters(), pb = b->named_parameters(), pc = c->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  bool any_differs = false;
  for (const auto& p : pa) {
    EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
    any_differs |= !torch::equal(p.value(), pc[p.key()]);
  }
  EXPECT_TRUE(any_differs);
}

TEST(Losses, MatchTheirClosedForms) {
  // Soft Dice by hand: p = [0.5, 1], g = [1, 0]: 1 - (2 * 0.5 + 1) / (1.5 + 1 + 1) = 1 - 2 / 3.5.
  const auto p = torch::tensor({0.5f, 1.0f}).view({1, 1, 2});
  const auto g = torch::tensor({1.0f, 0.0f}).view({1, 1, 2});
  EXPECT_NEAR(soft_dice_loss(p, g).item<double>(), 1 - 2 / 3.5, 1e-6);
  // Pairs without a lesion are left out of the mean: adding an empty class changes nothing ...
  const auto p2 = torch::tensor({0.5f, 1.0f, 0.9f, 0.2f}).view({1, 2, 2});
  const auto g2 = torch::tensor({1.0f, 0.0f, 0.0f, 0.0f}).view({1, 2, 2});
  EXPECT_NEAR(soft_dice_loss(p2, g2).item<double>(), 1 - 2 / 3.5, 1e-6);
  // ... and with no lesion anywhere the Dice term is 0.
  EXPECT_EQ(soft_dice_loss(p2, torch::zeros_like(g2)).item<double>(), 0.0);

  // Weighted BCE: LibTorch's own op with pos_weight is the reference, on fractional targets too,
  // and the closed form for one voxel: w * log(1 + e^-x) for a lesion voxel.
  torch::manual_seed(2);
  const auto x = torch::randn({2, 3, 4, 5, 6}) * 4, t = (torch::rand({2, 3, 4, 5, 6}) > 0.8).to(torch::kFloat32) * torch::rand({2, 3, 4, 5, 6});
  for (double w : {1.0, 7.5, 200.0}) {
    const auto reference = torch::nn::functional::binary_cross_entropy_with_logits(
        x, t, torch::nn::functional::BinaryCrossEntropyWithLogitsFuncOptions().pos_weight(torch::full({1}, w)));
    EXPECT_NEAR(weighted_bce_with_logits(x, t, w).item<double>(), reference.item<double>(), 1e-5 * reference.item<double>()) << w;
  }
  EXPECT_NEAR(weighted_bce_with_logits(torch::full({1}, 0.5), torch::ones({1}), 3).item<double>(), 3 * std::log(1 + std::exp(-0.5)), 1e-6);

  // Segmentation BCE with hard negatives: on one-owner masks, LibTorch's op with an elementwise
  // weight (pos_weight on a class's own lesion, other_lesion_weight where another class's lesion
  // lies, 1 on background) is the reference; other_lesion_weight 1 is the plain weighted BCE.
  const auto owner = torch::randint(0, 4, {2, 1, 4, 5, 6});  // 0: background, c: class c - 1
  const auto masks = torch::cat({owner == 1, owner == 2, owner == 3}, 1).to(torch::kFloat32);
  const auto logits = torch::randn({2, 3, 4, 5, 6}) * 4;
  const auto on_lesion = (owner > 0).to(torch::kFloat32).expand_as(masks);
  const auto elementwise = masks * 200 + (1 - masks) * (on_lesion * 30 + (1 - on_lesion));
  const auto expected = torch::nn::functional::binary_cross_entropy_with_logits(
      logits, masks, torch::nn::functional::BinaryCrossEntropyWithLogitsFuncOptions().weight(elementwise));
  EXPECT_NEAR(segmentation_bce(logits, masks, 200, 30).item<double>(), expected.item<double>(), 1e-5 * expected.item<double>());
  EXPECT_NEAR(segmentation_bce(logits, masks, 200, 1).item<double>(), weighted_bce_with_logits(logits, masks, 200).item<double>(), 1e-6);
  // One voxel of class 0's lesion, logit x for class 1: class 1 pays w * log(1 + e^x), class 0 log(1 + e^-0).
  const auto one = segmentation_bce(torch::tensor({0.0f, 0.7f}).view({1, 2, 1}), torch::tensor({1.0f, 0.0f}).view({1, 2, 1}), 1, 5);
  EXPECT_NEAR(one.item<double>(), (std::log(2.0) + 5 * std::log(1 + std::exp(0.7))) / 2, 1e-6);

  // Report cross entropy ignores PAD: the mean over non-PAD targets of -log softmax.
  ModelOutput out;
  out.embedded = torch::zeros({1, 2});
  out.rep_logits = torch::tensor({0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 1.0f, 1.0f, 0.0f, 0.0f, 0.0f, 5.0f, 5.0f, 5.0f, 5.0f, 5.0f})
                       .view({1, 3, 5});
  Targets targets;
  targets.tokens = torch::tensor({2, 4, 3, 0}, torch::kLong).view({1, 4});  // BOS, 4, EOS, PAD
  LossConfig config{0, 0, 1, {}, 0.5, 0, 1, 1};
  const double l0 = std::log(std::exp(0.) + std::exp(1.) + std::exp(2.) + std::exp(3.) + std::exp(4.)) - 4;
  const double l1 = std::log(2 * std::exp(1.) + 3) - 0;
  EXPECT_NEAR(compute_losses(out, targets, config).rep.item<double>(), (l0 + l1) / 2, 1e-5);
}

TEST(Summary, ListsModulesWithCountsThatAddUp) {
  auto net = build_model(tiny_settings(), tiny_shape(), 1);
  const auto tree = module_tree(*net, 1);
  for (const char* module : {"encoder", "adapter_cls", "adapter_seg", "adapter_rep", "fusion", "cls_head", "scf", "seg_decoder", "report_decoder"})
    EXPECT_CONTAINS(tree, module);
  std::int64_t children = 0;
  for (const auto& c : net->named_children()) children += parameter_count(*c.value());
  EXPECT_EQ(children, parameter_count(*net));
}

}  // namespace
}  // namespace unict::model
