#include "unict/data/label_set.h"

#include <gtest/gtest.h>

#include "test_support.h"
#include "unict/core/error.h"

namespace unict::data {
namespace {


TEST(LabelSet, TheDefaultSetHasTheTenClassesOfTheMission) {
  const LabelSet set = load_label_set(std::string(UNICT_SOURCE_DIR) + "/configs/labels/unict10.yaml");
  ASSERT_EQ(set.size(), 10u);
  const std::vector<std::string> codes = {"1a", "1b", "1c", "1d", "1e", "2a", "2b", "2c", "2d", "2e"};
  for (std::size_t i = 0; i < codes.size(); ++i) EXPECT_EQ(set.class_of_code(codes[i]), i) << codes[i];
  for (const std::string other : {"1f", "2f", "2g", "2h"}) EXPECT_EQ(set.class_of_code(other), std::nullopt) << other;
  EXPECT_EQ(set.index_of("pleural_effusion_thickening"), 9u);
}

TEST(LabelSet, RadChestCtMergesMicronodulesIntoNodules) {
  const LabelSet set = load_label_set(std::string(UNICT_SOURCE_DIR) + "/configs/labels/unict10.yaml");
  const auto external = set.radchestct_classes();
  ASSERT_EQ(external.size(), 9u);
  std::size_t merged = 0;
  for (const auto& c : external) {
    if (c.members.size() == 1) continue;
    ++merged;
    EXPECT_EQ(c.name, "nodule_mass");
    EXPECT_EQ(c.members, (std::vector<std::size_t>{*set.index_of("nodule_mass"), *set.index_of("micronodules")}));
  }
  EXPECT_EQ(merged, 1u);
}

std::string error_of(const test::TempDir& dir, const std::string& yaml) {
  try {
    load_label_set(dir.write("labels.yaml", yaml));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LabelSet, BadFilesNameTheFileLineAndProblem) {
  test::TempDir dir;
  EXPECT_CONTAINS(error_of(dir, "classes:\n  - {name: a, colour: red}\n"), "labels.yaml:2: key 'classes[0].colour': unknown key in a class; expected one of: name, display, rexgrounding, radchestct");
  EXPECT_CONTAINS(error_of(dir, "classes:\n  - name: a\n    dispaly: A\n"), "labels.yaml:3: key 'classes[0].dispaly': unknown key in a class (did you mean 'display'?");
  EXPECT_CONTAINS(error_of(dir, "clases:\n  - {name: a}\n"), "labels.yaml:1: key 'clases': unknown key in a label set (did you mean 'classes'?");
  EXPECT_CONTAINS(error_of(dir, "classes:\n  - {name: a}\n  - {name: a}\n"), "class name given twice 'a'");
  EXPECT_CONTAINS(error_of(dir, "classes:\n  - {name: a, rexgrounding: [2d]}\n  - {name: b, rexgrounding: [2d]}\n"), "code assigned to two classes '2d'");
  EXPECT_CONTAINS(error_of(dir, "classes:\n  - {name: a}\n  - {name: b}\nradchestct_merges:\n  - {name: m, members: [a, c]}\n"),
                  "merge member is not a class 'c'");
  EXPECT_CONTAINS(error_of(dir, "classes:\n  - {name: a}\n  - {name: b}\nradchestct_merges:\n  - {name: m, members: [a, b], combine: sum}\n"),
                  "unknown combine rule 'sum'");
  EXPECT_CONTAINS(error_of(dir, "classes: []\n"), "labels.yaml:1: key 'classes': a label set needs at least one class");
  EXPECT_CONTAINS(error_of(dir, "classes: {name: a}\n"), "key 'classes': invalid value 'a mapping'; expected a list");
  EXPECT_CONTAINS(error_of(dir, "classes: [\n"), "labels.yaml");
  EXPECT_CONTAINS(error_of(dir, "classes:\n  - {name: a, display: [x, y]}\n"), "labels.yaml:2: key 'classes[0].display': invalid value 'a list'; expected a non-empty text");
  EXPECT_CONTAINS(error_of(dir, "classes:\n  - {? [a]: 1, name: b}\n"), "labels.yaml:2: key 'classes[0]': a key must be a name 'a list'");
}

// A category code outside ReXGroundingCT's would make its class negative everywhere: refused at
// load, with the code it was probably meant to be.
TEST(LabelSet, ACodeThatIsNoReXGroundingCategoryIsRefusedWithASuggestion) {
  test::TempDir dir;
  EXPECT_CONTAINS(error_of(dir, "classes:\n  - {name: a, rexgrounding: [2d]}\n  - {name: b, rexgrounding: [2z]}\n"),
                  "labels.yaml:3: key 'classes[1].rexgrounding': not a ReXGroundingCT category code '2z' (did you mean '2a'?)");
  EXPECT_CONTAINS(error_of(dir, "classes:\n  - {name: a, rexgrounding: [nodule]}\n"), "not a ReXGroundingCT category code 'nodule'; expected one of 1a-1f, 2a-2h");
}

}  // namespace
}  // namespace unict::data
