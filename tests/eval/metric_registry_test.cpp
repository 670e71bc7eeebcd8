// The metric registry: every computed metric is declared, ids are unique and follow the naming
// rule, the directions and table columns are the documented ones, and an undeclared id is an
// Error that names it.
#include <gtest/gtest.h>

#include <set>

#include "test_support.h"
#include "unict/eval/classification.h"
#include "unict/eval/metric_registry.h"
#include "unict/eval/metric_values_json.h"

namespace unict::eval {
namespace {

TEST(MetricRegistry, IdsAreUniqueAndNameTheirTask) {
  std::set<std::string> ids;
  for (const auto& m : metric_registry()) {
    EXPECT_TRUE(ids.insert(m.id).second) << m.id;
    const std::string prefix = m.stage == MetricStage::training ? "train." : m.stage == MetricStage::validation ? "val." : "";
    ASSERT_EQ(m.id.rfind(prefix, 0), 0u) << m.id;
    const std::string rest = m.id.substr(prefix.size());
    if (m.task) {
      EXPECT_EQ(rest.rfind(std::string(core::task_name(*m.task)) + ".", 0), 0u) << m.id;
    } else {
      EXPECT_EQ(rest, "loss") << m.id;
    }
  }
}

TEST(MetricRegistry, EveryClassificationStatisticHasOneMacroMetric) {
  for (const auto& name : classification_metric_names()) {
    const auto& m = classification_metric(name);
    EXPECT_EQ(m.id, "cls." + name + "_macro");
    EXPECT_EQ(m.paired_test, PairedTest::patient_bootstrap);
    // Only the threshold-free ones pool over folds (each fold has its own thresholds).
    EXPECT_EQ(m.pooled, name == "auroc" || name == "ap") << name;
  }
}

TEST(MetricRegistry, LossesAreLowerIsBetterAndScoresHigher) {
  for (const auto& m : metric_registry()) EXPECT_EQ(m.higher_is_better, m.id.find("loss") == std::string::npos) << m.id;
  EXPECT_EQ(metric_ids(MetricStage::validation),
            (std::vector<std::string>{"val.loss", "val.cls.loss", "val.seg.loss", "val.rep.loss", "val.cls.auroc_macro", "val.seg.dice_mean"}));
}

TEST(MetricRegistry, TheAblationColumnsAreThePapersInOrder) {
  std::vector<std::string> titles, ids;
  for (const auto& m : metric_registry())
    if (!m.table_title.empty()) titles.push_back(m.table_title), ids.push_back(m.id);
  EXPECT_EQ(titles, (std::vector<std::string>{"F1", "AUROC", "mAP", "Dice", "BLEU-4", "METEOR", "ROUGE-L", "CIDEr", "CE F1"}));
  EXPECT_EQ(ids, (std::vector<std::string>{"cls.f1_macro", "cls.auroc_macro", "cls.ap_macro", "seg.dice_mean", "rep.bleu4", "rep.meteor",
                                           "rep.rouge_l", "rep.cider", "rep.ce_f1_macro"}));
}

TEST(MetricRegistry, AnUndeclaredIdIsAnErrorThatNamesItAndTheNearestOne) {
  const std::string error = test::error_of([] { metric_spec("cls.auroc_marco"); });
  EXPECT_CONTAINS(error, "unknown metric");
  EXPECT_CONTAINS(error, "cls.auroc_marco");
  EXPECT_CONTAINS(error, "did you mean cls.auroc_macro?");
  MetricValues values;
  EXPECT_CONTAINS(test::error_of([&] { values.set("seg.dice", 0.5); }), "seg.dice");
  EXPECT_CONTAINS(test::error_of([&] { values.get("rep.bleu5"); }), "rep.bleu5");
}

TEST(MetricValues, KeepUndefinedApartFromNotComputed) {
  MetricValues values;
  values.set("cls.auroc_macro", 0.75);
  values.set("cls.ap_macro", std::nullopt);
  EXPECT_EQ(values.get("cls.auroc_macro"), 0.75);
  EXPECT_TRUE(values.has("cls.ap_macro"));
  EXPECT_FALSE(values.get("cls.ap_macro"));
  EXPECT_FALSE(values.has("cls.f1_macro"));
  const auto j = to_json(values);
  EXPECT_EQ(j.dump(), R"({"cls.ap_macro":null,"cls.auroc_macro":0.75})");
  const auto back = metric_values_from_json(j, "results.json");
  EXPECT_EQ(back.entries(), values.entries());
  const std::string error = test::error_of([] { metric_values_from_json(nlohmann::json{{"seg.dic_mean", 0.5}}, "fold0/test/results.json"); });
  EXPECT_CONTAINS(error, "fold0/test/results.json");
  EXPECT_CONTAINS(error, "seg.dic_mean");
  EXPECT_CONTAINS(test::error_of([] { metric_values_from_json(nlohmann::json{{"seg.dice_mean", "high"}}, "r.json"); }), "not a number");
}

TEST(MetricValues, MacroValuesOfAClassificationAreItsMacroMeans) {
  // Two classes; class 0 separates perfectly, class 1 is all negative (undefined AUROC).
  ScoredCases cases;
  cases.names = {"a", "b", "c"};
  cases.classes = {"x", "y"};
  cases.scores = {0.9, 0.1, 0.2, 0.3, 0.8, 0.4};
  cases.labels = {1, 0, 0, 0, 1, 0};
  const auto result = evaluate_classification(cases);
  const auto values = macro_metric_values(result);
  EXPECT_EQ(values.entries().size(), classification_metric_names().size());
  EXPECT_DOUBLE_EQ(*values.get("cls.auroc_macro"), 1.0);  // class 1 is left out of the mean
}

}  // namespace
}  // namespace unict::eval
