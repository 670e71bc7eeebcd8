#include "unict/eval/classification.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "test_support.h"
#include "unict/core/seed.h"
#include "unict/eval/uncertainty.h"
#include <nlohmann/json.hpp>

#include "unict/io/json.h"
#include "unict/io/npy.h"

namespace unict::eval {
namespace {

struct BinaryCase {
  std::vector<double> scores, other;
  std::vector<std::uint8_t> labels;
};

// Random, tie-heavy and small / degenerate inputs, each with a second, correlated score for DeLong.
std::vector<BinaryCase> reference_cases() {
  core::Rng rng(11);
  std::vector<BinaryCase> cases;
  auto make = [&](std::size_t n, double prevalence, double separation, double rounding) {
    BinaryCase c;
    for (std::size_t i = 0; i < n; ++i) {
      const bool positive = i == 0 || (i != 1 && rng.bernoulli(prevalence));  // at least one of each
      const double base = rng.normal() + (positive ? separation : 0);
      auto squash = [&](double x) {
        double p = 1 / (1 + std::exp(-x));
        return rounding > 0 ? std::round(p / rounding) * rounding : p;
      };
      c.labels.push_back(positive ? 1 : 0);
      c.scores.push_back(squash(base));
      c.other.push_back(squash(base * 0.5 + rng.normal() * 0.8));
    }
    cases.push_back(c);
  };
  make(400, 0.3, 1.0, 0);      // continuous scores
  make(300, 0.1, 0.7, 0.1);    // heavy ties: 11 distinct values
  make(250, 0.5, 0.0, 0.25);   // chance level, very heavy ties
  make(6, 0.3, 1.5, 0);        // tiny
  make(50, 0.05, 2.0, 0.5);    // rare positives, three distinct values
  BinaryCase flat;             // every score equal
  for (int i = 0; i < 20; ++i) {
    flat.labels.push_back(i % 3 == 0);
    flat.scores.push_back(0.5);
    flat.other.push_back(0.1 * (i % 5));
  }
  cases.push_back(flat);
  return cases;
}

io::NdArray array_of(const std::vector<double>& v) {
  io::NdArray a(io::DType::float64, {static_cast<std::int64_t>(v.size())});
  std::copy(v.begin(), v.end(), a.data<double>());
  return a;
}

TEST(Classification, MatchesScikitLearnOnRandomTiedAndDegenerateInputs) {
  const auto cases = reference_cases();
  test::TempDir dir;
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const auto prefix = "case" + std::to_string(k);
    io::write_npy(dir / (prefix + "_scores.npy"), array_of(cases[k].scores));
    io::write_npy(dir / (prefix + "_other.npy"), array_of(cases[k].other));
    io::NdArray labels(io::DType::uint8, {static_cast<std::int64_t>(cases[k].labels.size())});
    std::copy(cases[k].labels.begin(), cases[k].labels.end(), labels.data<std::uint8_t>());
    io::write_npy(dir / (prefix + "_labels.npy"), labels);
  }
  ASSERT_EQ(test::run_python("eval/reference/classification_reference.py", "'" + dir.path().string() + "' " + std::to_string(cases.size())), 0);
  const auto reference = io::read_json(dir / "reference.json");
  for (std::size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE("case " + std::to_string(k));
    const auto& c = cases[k];
    const auto& r = reference[k];
    EXPECT_NEAR(*roc_auc(c.scores, c.labels), r["auroc"].get<double>(), 1e-9);
    EXPECT_NEAR(*average_precision(c.scores, c.labels), r["ap"].get<double>(), 1e-9);
    const auto m = threshold_metrics(confusion_at(c.scores, c.labels, 0.5));
    EXPECT_NEAR(m.f1, r["f1"].get<double>(), 1e-9);
    EXPECT_NEAR(m.precision, r["precision"].get<double>(), 1e-9);
    EXPECT_NEAR(m.recall, r["recall"].get<double>(), 1e-9);
    EXPECT_NEAR(m.specificity, r["specificity"].get<double>(), 1e-9);
    EXPECT_NEAR(m.accuracy, r["accuracy"].get<double>(), 1e-9);
    const auto best = *best_f1_threshold(c.scores, c.labels);
    EXPECT_NEAR(threshold_metrics(confusion_at(c.scores, c.labels, best)).f1, r["best_f1"].get<double>(), 1e-9);
    const auto d = *delong_test(c.scores, c.other, c.labels);
    const auto& rd = r["delong"];
    EXPECT_NEAR(d.auc_a, rd["auc_a"].get<double>(), 1e-9);
    EXPECT_NEAR(d.auc_b, rd["auc_b"].get<double>(), 1e-9);
    EXPECT_NEAR(d.z, rd["z"].get<double>(), 1e-7);
    EXPECT_NEAR(d.p_value, rd["p"].get<double>(), 1e-9);
  }
}

TEST(Classification, ClosedFormsAndConventions) {
  // Perfect ranking, reversed ranking, all tied.
  EXPECT_DOUBLE_EQ(*roc_auc({0.1, 0.2, 0.8, 0.9}, {0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(*roc_auc({0.9, 0.8, 0.2, 0.1}, {0, 0, 1, 1}), 0.0);
  EXPECT_DOUBLE_EQ(*roc_auc({0.5, 0.5, 0.5}, {0, 1, 0}), 0.5);
  // AP by hand: descending 0.9 (+), 0.8 (-), 0.7 (+): 1/2 * 1 + 1/2 * 2/3.
  EXPECT_DOUBLE_EQ(*average_precision({0.9, 0.8, 0.7}, {1, 0, 1}), 0.5 + 1.0 / 3);
  // A case exactly at the threshold is positive.
  const auto c = confusion_at({0.5, 0.49}, {1, 0}, 0.5);
  EXPECT_EQ(c.tp, 1);
  EXPECT_EQ(c.tn, 1);
  // Nothing predicted positive: precision 0 (scikit-learn's zero_division=0), F1 0.
  const auto none = threshold_metrics(confusion_at({0.1, 0.2}, {1, 0}, 0.5));
  EXPECT_EQ(none.precision, 0);
  EXPECT_EQ(none.f1, 0);
  EXPECT_FALSE(roc_auc({0.1, 0.2}, {0, 0}));
  EXPECT_FALSE(average_precision({0.1, 0.2}, {0, 0}));
  EXPECT_FALSE(best_f1_threshold({0.1, 0.2}, {1, 1}));
}

TEST(Classification, UndefinedClassesAreNamedAndLeftOutOfTheMacroMean) {
  ScoredCases data;
  data.classes = {"a", "never", "always"};
  for (int i = 0; i < 8; ++i) {
    data.names.push_back("v" + std::to_string(i));
    const double s = 0.1 * i;
    data.scores.insert(data.scores.end(), {s, s, s});
    data.labels.insert(data.labels.end(), {static_cast<std::uint8_t>(i >= 4), 0, 1});
  }
  const auto r = evaluate_classification(data);
  EXPECT_EQ(r.defined_classes, 1u);
  EXPECT_TRUE(r.per_class[0].undefined_reason.empty());
  EXPECT_CONTAINS(r.per_class[1].undefined_reason, "no positive case");
  EXPECT_CONTAINS(r.per_class[2].undefined_reason, "no negative case");
  for (const auto& v : r.per_class[1].values) EXPECT_FALSE(v.has_value());
  // The macro mean is class a's value, not diluted by the undefined classes.
  ASSERT_EQ(r.macro.size(), classification_metric_names().size());
  for (std::size_t k = 0; k < r.macro.size(); ++k) EXPECT_EQ(*r.macro[k], *r.per_class[0].values[k]) << classification_metric_names()[k];
  EXPECT_EQ(*r.macro[0], 1.0);  // auroc: perfect ranking
}

TEST(Bootstrap, GroupsVolumesByCtRatePatient) {
  const auto groups = patient_groups({"train_1_a_1", "train_1_b_2", "train_2_a_1", "trn00001", "trn00001x", "valid_1_a_1"});
  EXPECT_EQ(groups, (std::vector<std::size_t>{0, 0, 1, 2, 3, 4}));
}

TEST(Bootstrap, IntervalsCoverTheTrueAurocAtTheNominalRate) {
  // Binormal scores: positives N(d, 1), negatives N(0, 1): the true AUROC is Phi(d / sqrt(2)).
  const double d = 1.0;
  const double true_auc = 0.5 * std::erfc(-d / 2);  // Phi(d / sqrt 2) = erfc(-d / 2) / 2
  const int experiments = 120;
  int covered = 0;
  for (int e = 0; e < experiments; ++e) {
    core::Rng rng(1000 + static_cast<std::uint64_t>(e));
    std::vector<double> scores;
    std::vector<std::uint8_t> labels;
    for (int i = 0; i < 150; ++i) {
      const bool positive = rng.bernoulli(0.4);
      labels.push_back(positive);
      scores.push_back(rng.normal() + (positive ? d : 0));
    }
    std::vector<std::size_t> groups(scores.size());
    std::iota(groups.begin(), groups.end(), 0);
    const auto intervals = bootstrap_intervals(groups, 400, static_cast<std::uint64_t>(e), [&](const std::vector<std::size_t>& rows) {
      std::vector<double> s;
      std::vector<std::uint8_t> l;
      for (auto r : rows) s.push_back(scores[r]), l.push_back(labels[r]);
      return std::vector<std::optional<double>>{roc_auc(s, l)};
    });
    covered += intervals[0]->lower <= true_auc && true_auc <= intervals[0]->upper;
  }
  const double rate = static_cast<double>(covered) / experiments;
  std::cout << "95 % bootstrap interval covered the true AUROC in " << covered << " of " << experiments << " experiments\n";
  EXPECT_GE(rate, 0.88);
  EXPECT_LE(rate, 0.99);
}

TEST(Bootstrap, PairedDifferenceOfIdenticalPredictionsIsZeroAndDeterministic) {
  std::vector<std::size_t> groups{0, 0, 1, 2, 3, 4, 5, 6};
  const Statistic zero = [](const std::vector<std::size_t>& rows) { return std::vector<std::optional<double>>{0.0 * static_cast<double>(rows.size())}; };
  const auto d = paired_bootstrap(groups, 200, 3, zero);
  EXPECT_EQ(d[0]->observed, 0);
  EXPECT_EQ(d[0]->p_value, 1);
  const Statistic size = [](const std::vector<std::size_t>& rows) { return std::vector<std::optional<double>>{static_cast<double>(rows.size())}; };
  const auto a = bootstrap_intervals(groups, 300, 9, size), b = bootstrap_intervals(groups, 300, 9, size);
  EXPECT_EQ(a[0]->lower, b[0]->lower);
  EXPECT_EQ(a[0]->upper, b[0]->upper);
  EXPECT_GT(a[0]->upper, a[0]->lower);  // patient 0 brings two volumes: resample sizes vary
}

}  // namespace
}  // namespace unict::eval
