// Fold summaries and ablation tables from hand-made evaluation results: means, sample standard
// deviations and sign-flip p-values against their closed forms, the registry's order, empty cells
// for a task a variant lacks, and Errors that name the file and the metric.
#include <gtest/gtest.h>

#include <cmath>

#include "test_support.h"
#include "unict/experiments/ablation.h"
#include "unict/experiments/cross_validation.h"
#include "unict/experiments/run_folder.h"
#include "unict/io/json.h"

namespace unict::experiments {
namespace {

namespace fs = std::filesystem;

// <experiment>/fold<k>/<part>/results.json with these tasks and metrics.
void write_results(const fs::path& experiment, std::int64_t fold, const std::string& part, const std::vector<std::string>& tasks,
                   const nlohmann::json& metrics) {
  const auto folder = fold_folder(experiment, fold) / part;
  fs::create_directories(folder);
  io::write_json(folder / "results.json", {{"tasks", tasks}, {"metrics", metrics}});
}

TEST(FoldSummary, MeansAndSampleDeviationsOverTheDefinedFolds) {
  test::TempDir dir;
  const auto exp = dir / "cv";
  write_results(exp, 0, "test", {"cls", "seg"}, {{"cls.auroc_macro", 0.8}, {"cls.ap_macro", nullptr}, {"seg.dice_mean", 0.5}});
  write_results(exp, 1, "test", {"cls", "seg"}, {{"cls.auroc_macro", 0.6}, {"cls.ap_macro", 0.4}, {"seg.dice_mean", 0.7}});
  write_results(exp, 1, "radchestct", {"cls", "seg"}, {{"cls.auroc_macro", 0.9}});
  const auto s = summarize_folds(exp, {0, 1});
  EXPECT_EQ(s.tasks, (std::vector<core::Task>{core::Task::cls, core::Task::seg}));
  const auto& auroc = s.metrics.at("cls.auroc_macro");
  EXPECT_DOUBLE_EQ(*auroc.mean, 0.7);
  EXPECT_NEAR(*auroc.std, std::sqrt(0.02), 1e-12);  // (0.1^2 + 0.1^2) / (2 - 1)
  const auto& ap = s.metrics.at("cls.ap_macro");
  EXPECT_FALSE(ap.folds[0]);
  EXPECT_DOUBLE_EQ(*ap.mean, 0.4);
  EXPECT_FALSE(ap.std);  // one defined fold
  const auto& external = s.metrics.at("radchestct.cls.auroc_macro");
  EXPECT_FALSE(external.folds[0]);
  EXPECT_DOUBLE_EQ(*external.folds[1], 0.9);
  EXPECT_EQ(summary_order(s.metrics),
            (std::vector<std::string>{"cls.auroc_macro", "cls.ap_macro", "seg.dice_mean", "radchestct.cls.auroc_macro"}));
  const std::string md = test::slurp(exp / "summary.md");
  EXPECT_CONTAINS(md, "| cls.auroc_macro | 0.7000 ± 0.1414 |  | 0.8000 0.6000 |\n");
  EXPECT_CONTAINS(md, "| cls.ap_macro | 0.4000 ± - |  | - 0.4000 |\n");
  // summary.json reads back to the same numbers.
  const auto back = read_fold_summary(exp / "summary.json");
  EXPECT_EQ(back.folds, s.folds);
  EXPECT_EQ(back.tasks, s.tasks);
  ASSERT_EQ(back.metrics.size(), s.metrics.size());
  for (const auto& [name, m] : s.metrics) {
    EXPECT_EQ(back.metrics.at(name).folds, m.folds) << name;
    EXPECT_EQ(back.metrics.at(name).std, m.std) << name;
  }
}

TEST(FoldSummary, AnUndeclaredMetricInAResultsFileNamesTheFileAndTheMetric) {
  test::TempDir dir;
  write_results(dir / "cv", 0, "test", {"cls"}, {{"cls.auroc_marco", 0.8}});
  const std::string error = test::error_of([&] { summarize_folds(dir / "cv", {0}); });
  EXPECT_CONTAINS(error, "fold0/test/results.json");
  EXPECT_CONTAINS(error, "cls.auroc_marco");
  EXPECT_FALSE(fs::exists(dir / "cv" / "summary.json"));
}

// A variant's cv folder with three folds of classification and segmentation (or classification only).
void write_variant(const fs::path& out, const std::string& name, const std::vector<double>& auroc, const std::vector<double>& dice) {
  for (std::int64_t f = 0; f < 3; ++f) {
    // F1 and AP undefined (null): recorded, so their cells are empty rather than an error.
    nlohmann::json metrics{{"cls.auroc_macro", auroc[static_cast<std::size_t>(f)]}, {"cls.f1_macro", nullptr}, {"cls.ap_macro", nullptr}};
    std::vector<std::string> tasks{"cls"};
    if (!dice.empty()) metrics["seg.dice_mean"] = dice[static_cast<std::size_t>(f)], tasks.push_back("seg");
    write_results(out / name, f, "test", tasks, metrics);
  }
  summarize_folds(out / name, {0, 1, 2});
}

TEST(AblationTable, CellsAreFoldMeansWithTheDifferenceAndTheSignFlipP) {
  test::TempDir dir;
  write_variant(dir.path(), "full", {0.8, 0.8, 0.8}, {0.4, 0.5, 0.6});
  write_variant(dir.path(), "wider", {0.7, 0.7, 0.7}, {0.5, 0.7, 0.9});
  write_variant(dir.path(), "cls_only", {0.75, 0.75, 0.75}, {});
  AblationSuite suite{"full", {{"full", "", {}}, {"wider", "", {}}, {"cls_only", "", {}}}};
  const auto table = ablation_table(suite, dir.path());
  ASSERT_EQ(table.columns.size(), 9u);
  ASSERT_EQ(table.rows.size(), 3u);
  const auto column = [&](const std::string& id) {
    for (std::size_t k = 0; k < table.columns.size(); ++k)
      if (table.columns[k]->id == id) return k;
    ADD_FAILURE() << id;
    return std::size_t{0};
  };
  const auto& dice = table.rows[1].cells[column("seg.dice_mean")];
  EXPECT_NEAR(*dice.mean, 0.7, 1e-12);
  EXPECT_NEAR(*dice.std, 0.2, 1e-12);
  EXPECT_NEAR(*dice.difference, 0.2, 1e-12);
  EXPECT_DOUBLE_EQ(*dice.p_value, 2.0 / 8);  // differences 0.1, 0.2, 0.3: only all + or all - are as extreme
  EXPECT_EQ(dice.test, "exact sign-flip permutation over folds");
  // Classification's paired test needs pooled predictions, which these folders lack.
  const auto& auroc = table.rows[1].cells[column("cls.auroc_macro")];
  EXPECT_NEAR(*auroc.difference, -0.1, 1e-12);
  EXPECT_FALSE(auroc.p_value);
  // The reference has no difference; a variant without segmentation has an empty Dice cell.
  EXPECT_FALSE(table.rows[0].cells[column("seg.dice_mean")].difference);
  EXPECT_FALSE(table.rows[2].cells[column("seg.dice_mean")].mean);
  EXPECT_FALSE(table.rows[0].cells[column("rep.bleu4")].mean);
  EXPECT_FALSE(table.rows[0].cells[column("cls.f1_macro")].mean);
  const std::string md = ablation_markdown(table);
  EXPECT_CONTAINS(md, "| variant | F1 | AUROC | mAP | Dice | BLEU-4 | METEOR | ROUGE-L | CIDEr | CE F1 |\n");
  EXPECT_CONTAINS(md, "0.7000 ± 0.2000 (+0.2000, p 0.250)");
  EXPECT_CONTAINS(md, "0.7000 ± 0.0000 (-0.1000, p –)");
}

TEST(AblationTable, AVariantWithATaskButWithoutItsMetricIsAnError) {
  test::TempDir dir;
  write_variant(dir.path(), "full", {0.8, 0.8, 0.8}, {0.4, 0.5, 0.6});
  for (std::int64_t f = 0; f < 3; ++f) write_results(dir / "broken", f, "test", {"cls", "seg"}, {{"cls.auroc_macro", 0.7}, {"cls.f1_macro", 0.5}, {"cls.ap_macro", 0.5}});
  summarize_folds(dir / "broken", {0, 1, 2});
  AblationSuite suite{"full", {{"full", "", {}}, {"broken", "", {}}}};
  const std::string error = test::error_of([&] { ablation_table(suite, dir.path()); });
  EXPECT_CONTAINS(error, "broken");
  EXPECT_CONTAINS(error, "seg.dice_mean");
}

}  // namespace
}  // namespace unict::experiments
