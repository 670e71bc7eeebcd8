// Ablation suites: the shipped suites resolve, each variant builds the model it claims, the paired
// sign-flip test against its closed form, and suite errors that name the file.
#include <gtest/gtest.h>

#include "test_support.h"
#include "unict/experiments/ablation.h"
#include "unict/experiments/config.h"
#include "unict/model/unict_model.h"

namespace unict::experiments {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = UNICT_SOURCE_DIR;

TEST(SignFlip, CountsTheSignPatternsAtLeastAsExtreme) {
  EXPECT_DOUBLE_EQ(sign_flip_p_value({1, 2, 3}), 2.0 / 8);            // only all + and all -
  EXPECT_DOUBLE_EQ(sign_flip_p_value({0.5, 1, 1.5, 2, 2.5}), 2.0 / 32);
  EXPECT_DOUBLE_EQ(sign_flip_p_value({1, -1}), 1.0);                  // observed 0: every pattern
  // {3, 1}: sums 4, 2, -2, -4 -> |sum| >= 4 twice.
  EXPECT_DOUBLE_EQ(sign_flip_p_value({3, 1}), 2.0 / 4);
  // {3, 1, 1}: sums +-5, +-3, +-3, +-1 over 8 patterns -> |sum| >= 5 twice.
  EXPECT_DOUBLE_EQ(sign_flip_p_value({3, 1, 1}), 2.0 / 8);
  EXPECT_DOUBLE_EQ(sign_flip_p_value({}), 1.0);
}

TEST(AblationSuite, ThePaperSuiteListsTheFullModelAndNineVariantsThatAllValidate) {
  const auto suite = read_ablation_suite(kSource / "configs/ablations/suite.yaml");
  EXPECT_EQ(suite.reference, "full");
  ASSERT_EQ(suite.variants.size(), 10u);
  for (const auto& v : suite.variants) EXPECT_NO_THROW(load_config(v.config, v.overrides).typed) << v.name;
}

// What each quick-start variant must build: tasks, and whether the fusion, SCF and adapter modules exist.
struct Claim {
  std::vector<std::string> tasks;
  bool fusion, scf, adapters;
};

TEST(AblationSuite, EachQuickStartVariantBuildsTheModelItClaims) {
  const std::map<std::string, Claim> claims{{"full", {{"cls", "seg", "rep"}, true, true, true}},
                                            {"no_fusion", {{"cls", "seg", "rep"}, false, true, true}},
                                            {"no_scf", {{"cls", "seg", "rep"}, true, false, true}},
                                            {"mtl_baseline", {{"cls", "seg", "rep"}, false, false, false}},
                                            {"cls_only", {{"cls"}, false, false, true}},
                                            {"token_head", {{"cls", "seg", "rep"}, true, true, true}}};
  const auto suite = read_ablation_suite(kSource / "configs/ablations/quickstart_suite.yaml");
  ASSERT_EQ(suite.variants.size(), claims.size());
  for (const auto& v : suite.variants) {
    const auto config = load_config(v.config, v.overrides).typed;
    const auto model = model::build_model(config.model, {10, 100, config.preprocess.size}, 1);
    std::set<std::string> children;
    for (const auto& child : model->named_children()) children.insert(child.key());
    const Claim& claim = claims.at(v.name);
    EXPECT_EQ(core::task_names(model->tasks()), claim.tasks) << v.name;
    EXPECT_EQ(children.count("fusion") == 1, claim.fusion) << v.name;
    EXPECT_EQ(children.count("scf") == 1, claim.scf) << v.name;
    EXPECT_EQ(children.count("adapter_cls") == 1, claim.adapters) << v.name;
  }
}

TEST(AblationSuite, ErrorsNameTheFileAndTheEntry) {
  test::TempDir dir;
  const auto no_reference = dir.write("a.yaml", "reference: full\nvariants:\n  - {name: other, config: " + (kSource / "configs/quickstart.yaml").string() + "}\n");
  EXPECT_CONTAINS(test::error_of([&] { read_ablation_suite(no_reference); }), "the reference is not one of the variants");
  const auto missing = dir.write("b.yaml", "reference: x\nvariants:\n  - {name: x, config: nowhere.yaml}\n");
  const std::string error = test::error_of([&] { read_ablation_suite(missing); });
  EXPECT_CONTAINS(error, "b.yaml:3");
  EXPECT_CONTAINS(error, "nowhere.yaml");
  const auto twice = dir.write("c.yaml", "reference: x\nvariants:\n  - {name: x, config: " + (kSource / "configs/quickstart.yaml").string() +
                                             "}\n  - {name: x, config: " + (kSource / "configs/quickstart.yaml").string() + "}\n");
  EXPECT_CONTAINS(test::error_of([&] { read_ablation_suite(twice); }), "variant named twice");
}

// A misspelled key would train the full model under the variant's name: refused with the line,
// the key and the one it was meant to be.
TEST(AblationSuite, AnUnknownKeyOrAWrongTypeIsRefused) {
  test::TempDir dir;
  const std::string config = (kSource / "configs/quickstart.yaml").string();
  const auto sett = dir.write("sett.yaml", "reference: full\nvariants:\n  - {name: full, config: " + config +
                                               "}\n  - name: no_fusion\n    config: " + config + "\n    sett: [model.fusion=false]\n");
  EXPECT_CONTAINS(test::error_of([&] { read_ablation_suite(sett); }),
                  "sett.yaml:6: key 'variants[1].sett': unknown key in a variant (did you mean 'set'?");
  const auto top = dir.write("top.yaml", "refrence: full\nvariants:\n  - {name: full, config: " + config + "}\n");
  EXPECT_CONTAINS(test::error_of([&] { read_ablation_suite(top); }), "top.yaml:1: key 'refrence': unknown key in an ablation suite (did you mean 'reference'?");
  const auto scalar_set = dir.write("scalar.yaml", "reference: full\nvariants:\n  - {name: full, config: " + config + ", set: model.fusion=false}\n");
  EXPECT_CONTAINS(test::error_of([&] { read_ablation_suite(scalar_set); }), "scalar.yaml:3: key 'variants[0].set': invalid value 'model.fusion=false'; expected a list");
  const auto no_variants = dir.write("none.yaml", "reference: full\n");
  EXPECT_CONTAINS(test::error_of([&] { read_ablation_suite(no_variants); }), "none.yaml:1: key 'variants': missing key");
}

}  // namespace
}  // namespace unict::experiments
