// The model's config keys: cross-key rules, and the shipped ablation configs.
#include <gtest/gtest.h>

#include "test_support.h"
#include "unict/experiments/config.h"

namespace unict::model {
namespace {

const std::filesystem::path kConfigs = std::filesystem::path(UNICT_SOURCE_DIR) / "configs";

experiments::Config load(const std::filesystem::path& file, const std::vector<std::string>& overrides = {}) {
  return experiments::load_config(file, overrides).typed;
}

TEST(ModelConfig, NestedEncoderKeysReadFromYaml) {
  const auto config = load(kConfigs / "rexgroundingct" / "unict.yaml", {"encoder.resnet2p5d.depth=34"});
  EXPECT_EQ(config.model.encoder.name, "resnet2p5d");
  EXPECT_EQ(config.model.encoder.options_as<model::Resnet2p5dConfig>().depth, 34);
  EXPECT_EQ(config.model.seg_decoder.output_scale, 2);
}

TEST(ModelConfig, OnlyTheChosenEncodersKeysAreRead) {
  using I64s = std::vector<std::int64_t>;
  const auto config = load(kConfigs / "rexgroundingct" / "unict.yaml",
                           {"encoder.name=resnet3d", "encoder.resnet3d.widths=8,16", "encoder.resnet3d.depths=1,2",
                            "encoder.resnet3d.z_strides=1,2", "encoder.resnet3d.xy_strides=2,2", "encoder.resnet3d.norm=batch"});
  ASSERT_TRUE(std::holds_alternative<Resnet3dConfig>(config.model.encoder.options));
  const auto& resnet3d = config.model.encoder.options_as<Resnet3dConfig>();
  EXPECT_EQ(resnet3d.widths, (I64s{8, 16}));
  EXPECT_EQ(resnet3d.depths, (I64s{1, 2}));
  EXPECT_EQ(resnet3d.z_strides, (I64s{1, 2}));
  EXPECT_EQ(resnet3d.xy_strides, (I64s{2, 2}));
  EXPECT_EQ(resnet3d.norm, "batch");
  EXPECT_EQ(resnet3d.stem_stride, (I64s{1, 2, 2}));  // the declared default
  EXPECT_EQ(resnet3d.stem_channels, 32);
  // Asking for another encoder's options is a programming error that names the encoder.
  const auto message = test::error_of([&] { (void)config.model.encoder.options_as<Resnet2p5dConfig>(); });
  EXPECT_CONTAINS(message, "resnet3d");
  EXPECT_CONTAINS(message, "another encoder");
}

TEST(ModelConfig, RulesAcrossKeysNameTheKeyAndWhereItWasSet) {
  const auto file = kConfigs / "rexgroundingct" / "unict.yaml";
  struct Case {
    std::vector<std::string> overrides;
    std::string key, words;
  };
  const std::vector<Case> cases{
      {{"model.adapters=false"}, "model.fusion", "needs the task adapters"},
      {{"model.tasks=cls,rep"}, "model.scf", "needs the segmentation task"},
      {{"model.adapters=false", "model.fusion=false"}, "model.scf", "adapters"},
      {{"model.fusion_heads=3"}, "model.fusion_heads", "does not divide"},
      {{"report_decoder.heads=5"}, "report_decoder.heads", "does not divide"},
      {{"encoder.name=resnet3d", "encoder.resnet3d.depths=1,1"}, "encoder.resnet3d.depths", "one per stage"},
      {{"encoder.name=resnet4d"}, "encoder.name", "resnet2p5d, resnet3d"},
      {{"model.tasks=seg", "model.fusion=false"}, "loss.cls_weight", "not built"},
      {{"decode.max_tokens=300"}, "decode.max_tokens", "report_decoder.max_tokens"},
      {{"encoder.resnet2p5d.depth=50"}, "encoder.resnet2p5d.depth", "18 or 34"},
      {{"model.tasks=cls,cls"}, "model.tasks", "at most once"},
      {{"model.tasks=cls,rep", "model.scf=false", "model.cls_readout=lesion_evidence"}, "model.cls_readout", "segmentation task"},
      {{"model.cls_readout=max"}, "model.cls_readout", "lesion_evidence"},
      {{"model.tasks=seg,rep", "loss.cls_weight=0", "model.report_reads_cls=true"}, "model.report_reads_cls", "both heads"},
      {{"seg_decoder.norm=layer"}, "seg_decoder.norm", "batch"},
      {{"model.tasks=seg,rep", "loss.cls_weight=0", "model.seg_detection_gate=0.5"}, "model.seg_detection_gate", "classification"},
      {{"model.seg_detection_gate=1.5"}, "model.seg_detection_gate", "[0, 1]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.overrides.front());
    const auto message = test::error_of([&] { load(file, c.overrides); });
    EXPECT_CONTAINS(message, c.key);
    EXPECT_CONTAINS(message, c.words);
  }
  // Only the chosen encoder's rules run: resnet3d's stage lists are not checked under resnet2p5d.
  EXPECT_NO_THROW(load(file, {"encoder.resnet3d.depths=1,1"}));
  // A gate without a segmentation head gates nothing and is no error (cls_only keeps the quick start's).
  EXPECT_NO_THROW(load(file, {"model.tasks=cls", "model.fusion=false", "model.scf=false", "loss.seg_weight=0", "loss.rep_weight=0",
                              "model.seg_detection_gate=0.5"}));
  // Where the offending value came from is named when it is not a default.
  EXPECT_CONTAINS(test::error_of([&] { load(file, {"model.fusion_heads=3"}); }), "--set");
}

struct Ablation {
  std::string file;
  std::vector<std::string> tasks;
  bool adapters, fusion, scf;
  double cls_weight, seg_weight, rep_weight;
};

TEST(AblationConfigs, EachChangesOnlyWhatItsNameSays) {
  const auto full = load(kConfigs / "rexgroundingct" / "unict.yaml").model;
  const std::vector<std::string> all{"cls", "seg", "rep"};
  const std::vector<Ablation> ablations{
      {"no_fusion", all, true, false, true, 1, 1, 1},      {"no_scf", all, true, true, false, 1, 1, 1},
      {"no_cls", all, true, true, true, 0, 1, 1},          {"no_seg", all, true, true, true, 1, 0, 1},
      {"no_rep", all, true, true, true, 1, 1, 0},          {"cls_only", {"cls"}, true, false, false, 1, 0, 0},
      {"seg_only", {"seg"}, true, false, true, 0, 1, 0},   {"rep_only", {"rep"}, true, false, false, 0, 0, 1},
      {"mtl_baseline", all, false, false, false, 1, 1, 1},
  };
  for (const auto& a : ablations) {
    const auto m = load(kConfigs / "ablations" / (a.file + ".yaml")).model;
    EXPECT_EQ(m.model.tasks, a.tasks) << a.file;
    EXPECT_EQ(m.model.adapters, a.adapters) << a.file;
    EXPECT_EQ(m.model.fusion, a.fusion) << a.file;
    EXPECT_EQ(m.model.scf, a.scf) << a.file;
    EXPECT_EQ(m.loss.cls_weight, a.cls_weight) << a.file;
    EXPECT_EQ(m.loss.seg_weight, a.seg_weight) << a.file;
    EXPECT_EQ(m.loss.rep_weight, a.rep_weight) << a.file;
    // Everything else is the full model's.
    EXPECT_EQ(m.encoder.name, full.encoder.name) << a.file;
    EXPECT_EQ(m.model.embed_dim, full.model.embed_dim) << a.file;
    EXPECT_EQ(m.report_decoder.d_model, full.report_decoder.d_model) << a.file;
    EXPECT_EQ(m.seg_decoder.channels, full.seg_decoder.channels) << a.file;
  }
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kConfigs / "ablations")) {
    const std::string name = entry.path().filename().string();
    const bool suite = name.size() >= 10 && name.compare(name.size() - 10, 10, "suite.yaml") == 0;  // lists of variants, not configs
    files += entry.path().extension() == ".yaml" && !suite;
  }
  EXPECT_EQ(files, ablations.size());
}

}  // namespace
}  // namespace unict::model
