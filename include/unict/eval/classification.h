// Classification metrics, per class and macro-averaged, with the definitions of scikit-learn (the
// reference a reviewer would compute with):
//   AUROC  = area under the ROC curve, ties between a positive and a negative count one half
//            (roc_auc_score; computed exactly from mid-ranks);
//   AP     = sum over distinct score thresholds (descending) of (R_k - R_{k-1}) * P_k, no
//            interpolation (average_precision_score);
//   at a threshold t (a case is positive when p >= t): F1, precision (0 when nothing is predicted
//   positive, scikit-learn's zero_division=0), recall, specificity, accuracy.
// A class whose labels are all 0 or all 1 has no AUROC, AP or recall worth the name: it is
// reported as undefined (every metric null, with the reason), left out of the macro means and
// listed, never reported as 0 or NaN.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "unict/eval/metric_registry.h"

namespace unict::eval {

// Scores and 0 / 1 labels of n cases for C classes, case-major (case i, class c at i * C + c).
struct ScoredCases {
  std::vector<std::string> names;    // one per case (VolumeName)
  std::vector<std::string> classes;  // C
  std::vector<double> scores;        // n * C probabilities
  std::vector<std::uint8_t> labels;  // n * C, 0 or 1
  std::size_t cases() const { return names.size(); }
  // Scores and labels of class c over the cases `rows` (all cases when empty).
  std::vector<double> class_scores(std::size_t c, const std::vector<std::size_t>& rows = {}) const;
  std::vector<std::uint8_t> class_labels(std::size_t c, const std::vector<std::size_t>& rows = {}) const;
};

// Nullopt when the labels hold one value only.
std::optional<double> roc_auc(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels);
// Nullopt when there is no positive case.
std::optional<double> average_precision(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels);

struct ConfusionCounts {
  std::int64_t tp = 0, fp = 0, tn = 0, fn = 0;
};
ConfusionCounts confusion_at(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels, double threshold);

struct ThresholdMetrics {
  double f1 = 0, precision = 0, recall = 0, specificity = 0, accuracy = 0;
};
ThresholdMetrics threshold_metrics(const ConfusionCounts& counts);

// The threshold with the highest F1 among the distinct scores (ties: the highest threshold);
// nullopt when the labels hold one value only.
std::optional<double> best_f1_threshold(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels);

// The metric names, in output order.
const std::vector<std::string>& classification_metric_names();  // auroc, ap, f1, precision, recall, specificity, accuracy

struct ClassMetrics {
  std::string name;
  double threshold = 0.5;
  std::int64_t positives = 0, negatives = 0;
  std::string undefined_reason;  // empty when defined
  std::vector<std::optional<double>> values;  // in classification_metric_names() order; all empty when undefined
};

struct ClassificationResult {
  std::vector<ClassMetrics> per_class;
  std::vector<std::optional<double>> macro;  // mean over defined classes; empty when none is defined
  std::size_t cases = 0, defined_classes = 0;
};

// The macro means as the registry's cls.<statistic>_macro metrics (undefined ones recorded as such).
MetricValues macro_metric_values(const ClassificationResult& result);

// Distinct scores ascending, and the group (index into `scores`) of each case.
struct RankedScores {
  std::vector<double> scores;
  std::vector<std::size_t> group;
};
RankedScores rank_scores(const std::vector<double>& scores);

// Evaluates the same cases many times (bootstrap resamples): every class's scores are ranked once,
// and a resample is a multiplicity per case, so each evaluation is linear in the cases.
class ClassificationEvaluator {
 public:
  // `thresholds`: one per class, or empty for 0.5 everywhere.
  ClassificationEvaluator(const ScoredCases& data, std::vector<double> thresholds = {});
  // `weights`: a multiplicity per case (empty: each case once); `cases` is their sum.
  ClassificationResult evaluate(const std::vector<double>& weights = {}, std::size_t cases = 0) const;
  // `rows`: cases with repeats (a resample); empty for all.
  ClassificationResult evaluate_rows(const std::vector<std::size_t>& rows) const;

 private:
  const ScoredCases& data_;
  std::vector<double> thresholds_;
  std::vector<std::vector<double>> scores_;
  std::vector<std::vector<std::uint8_t>> labels_;
  std::vector<RankedScores> ranked_;
};

// `thresholds`: one per class, or empty for 0.5 everywhere. `rows`: a subset of cases (a
// bootstrap resample, with repeats), or empty for all.
ClassificationResult evaluate_classification(const ScoredCases& data, const std::vector<double>& thresholds = {},
                                             const std::vector<std::size_t>& rows = {});

}  // namespace unict::eval
