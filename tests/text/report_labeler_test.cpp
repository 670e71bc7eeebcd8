#include "unict/text/report_labeler.h"

#include <gtest/gtest.h>

#include <iostream>

#include "test_support.h"
#include "unict/core/seed.h"
#include "unict/data/label_set.h"
#include "unict/data/synthetic_report.h"

namespace unict::text {
namespace {

const std::filesystem::path kLabels = std::filesystem::path(UNICT_SOURCE_DIR) / "configs" / "labels";

class Labeler : public ::testing::Test {
 protected:
  void SetUp() override {
    labels_ = data::load_label_set(kLabels / "unict10.yaml");
    labeler_ = std::make_unique<ReportLabeler>(load_labeler_config(kLabels / "unict10_labeler.yaml", labels_.names()));
  }
  // The names of the classes the labeler finds in `report`.
  std::vector<std::string> found(const std::string& report) const {
    const auto l = labeler_->label(report);
    std::vector<std::string> names;
    for (std::size_t c = 0; c < l.size(); ++c)
      if (l[c]) names.push_back(labels_.classes[c].name);
    return names;
  }
  data::LabelSet labels_;
  std::unique_ptr<ReportLabeler> labeler_;
};

using Names = std::vector<std::string>;

TEST_F(Labeler, NegationsSynonymsPluralsAndScope) {
  EXPECT_EQ(found("No pleural effusion."), Names{});
  EXPECT_EQ(found("There is no evidence of bronchiectasis or emphysema."), Names{});
  EXPECT_EQ(found("Pleural effusions are present on both sides."), Names{"pleural_effusion_thickening"});
  EXPECT_EQ(found("Several pulmonary nodules; the largest 12 mm."), Names{"nodule_mass"});
  EXPECT_EQ(found("Ground-glass opacities in the left lower lobe."), Names{"ground_glass_opacity"});
  EXPECT_EQ(found("Dilated bronchi in the right lower lobe."), Names{"bronchiectasis"});
  // "linear atelectasis" is scarring, not atelectasis; "tiny nodules" are micronodules, not nodules.
  EXPECT_EQ(found("Linear atelectasis in the lingula."), Names{"linear_opacity_fibrosis"});
  EXPECT_EQ(found("Numerous tiny nodules are noted."), Names{"micronodules"});
  // A negation does not reach past 'but', and a post-negation negates.
  EXPECT_EQ(found("No consolidation but a small pleural effusion."), Names{"pleural_effusion_thickening"});
  EXPECT_EQ(found("A pulmonary nodule is not seen."), Names{});
  EXPECT_EQ(found("No pericardial effusion."), Names{});
  EXPECT_EQ(found("There is no pleural effusion. Emphysema is seen."), Names{"emphysema"});
  // Uncertain mentions count as the vocabulary says (positive in unict10_labeler.yaml).
  EXPECT_EQ(found("Possible early consolidation in the right base."), Names{"atelectasis_consolidation"});
  // "3.5 mm" does not end a sentence.
  EXPECT_EQ(found("No effusion. A 3.5 mm nodule."), Names{"nodule_mass"});
}

TEST_F(Labeler, RecoversTheSyntheticReportsGroundTruth) {
  core::Rng rng(5);
  const std::vector<std::string> codes{"1a", "1b", "1c", "1d", "1e", "2a", "2b", "2c", "2d", "2e"};
  const std::vector<std::string> lobes{"right upper lobe", "left lower lobe", "right middle lobe"};
  const int reports = 500;
  std::size_t correct = 0, total = 0, exact = 0;
  for (int i = 0; i < reports; ++i) {
    std::vector<data::SyntheticFinding> findings;
    std::vector<std::uint8_t> truth(codes.size(), 0);
    for (std::size_t c = 0; c < codes.size(); ++c)
      if (rng.bernoulli(0.3)) {
        findings.push_back({codes[c], {lobes[rng.below(lobes.size())]}, 3 + rng.uniform() * 25, 1, {}, 0, {}});
        truth[c] = 1;
      }
    const auto report = data::write_synthetic_report(findings, rng).findings;
    const auto predicted = labeler_->label(report);
    bool all = true;
    for (std::size_t c = 0; c < codes.size(); ++c) {
      const bool ok = predicted[c] == truth[c];
      correct += ok;
      all &= ok;
      if (!ok && total < 40) ADD_FAILURE() << "class " << labels_.classes[c].name << " wrong in: " << report;
      ++total;
    }
    exact += all;
  }
  const double accuracy = static_cast<double>(correct) / static_cast<double>(total);
  std::cout << "labeler on " << reports << " synthetic reports: per-class accuracy " << accuracy << ", reports fully right "
            << exact << " of " << reports << "\n";
  EXPECT_GE(accuracy, 0.99);
}

// The grid profile's reports state each finding once in fixed wording: the labeler must read
// every one of them exactly (clinical efficacy on the quick start relies on it).
TEST_F(Labeler, ReadsTheGridProfilesReportsExactly) {
  core::Rng rng(6);
  const std::vector<std::string> codes{"1a", "1b", "1c", "1d", "1e", "2a", "2b", "2c", "2d", "2e"};
  for (int i = 0; i < 300; ++i) {
    std::vector<data::SyntheticFinding> findings;
    std::vector<std::uint8_t> truth(codes.size(), 0);
    for (std::size_t c = 0; c < codes.size(); ++c)
      if (rng.bernoulli(0.3)) {
        data::SyntheticFinding f;
        f.code = codes[c];
        f.locations = {c % 2 ? "left lower lobe" : "right upper lobe"};
        f.extent = c % 3 == 0 ? "small" : "extensive";
        findings.push_back(f);
        truth[c] = 1;
      }
    const auto report = data::write_grid_report(findings).findings;
    ASSERT_EQ(labeler_->label(report), truth) << report;
  }
}

TEST_F(Labeler, VocabularyErrorsNameTheFileAndKey) {
  test::TempDir dir;
  const auto unknown = dir.write("v.yaml", "classes:\n  effusion:\n    terms: [effusion]\n");
  EXPECT_CONTAINS(test::error_of([&] { load_labeler_config(unknown, labels_.names()); }), "classes.effusion");
  const auto bad = dir.write("u.yaml", "uncertain: maybe\nclasses: {}\n");
  EXPECT_CONTAINS(test::error_of([&] { load_labeler_config(bad, labels_.names()); }), "u.yaml:1");
}

// A misspelled key would silently drop a rule (no negation cues, a class's exclusions): refused.
TEST_F(Labeler, AnUnknownKeyOrAWrongTypeIsRefused) {
  test::TempDir dir;
  const std::string first = labels_.names().front();
  const auto top = dir.write("top.yaml", "windw: 3\nclasses: {}\n");
  EXPECT_CONTAINS(test::error_of([&] { load_labeler_config(top, labels_.names()); }),
                  "top.yaml:1: key 'windw': unknown key in the labeler's rules (did you mean 'window'?");
  const auto inner = dir.write("inner.yaml", "classes:\n  " + first + ":\n    terms: [x]\n    nto: [y]\n");
  EXPECT_CONTAINS(test::error_of([&] { load_labeler_config(inner, labels_.names()); }),
                  "inner.yaml:4: key 'classes." + first + ".nto': unknown key in a class's vocabulary (did you mean 'not'?");
  const auto window = dir.write("window.yaml", "window: three\nclasses: {}\n");
  EXPECT_CONTAINS(test::error_of([&] { load_labeler_config(window, labels_.names()); }),
                  "window.yaml:1: key 'window': invalid value 'three'; expected an integer");
  const auto cues = dir.write("cues.yaml", "negation_before: no\nclasses: {}\n");
  EXPECT_CONTAINS(test::error_of([&] { load_labeler_config(cues, labels_.names()); }),
                  "cues.yaml:1: key 'negation_before': invalid value 'no'; expected a list");
}

}  // namespace
}  // namespace unict::text
