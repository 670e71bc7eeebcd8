#include "unict/eval/classification.h"

#include <algorithm>
#include <numeric>

#include "unict/core/error.h"

namespace unict::eval {
namespace {

std::vector<std::size_t> order_by_score_descending(const std::vector<double>& scores) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return scores[a] > scores[b]; });
  return order;
}

std::int64_t count_positives(const std::vector<std::uint8_t>& labels) {
  return std::count_if(labels.begin(), labels.end(), [](auto l) { return l != 0; });
}

void check_sizes(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  if (scores.size() != labels.size()) throw internal_error("scores and labels differ in length");
}

}  // namespace

std::vector<double> ScoredCases::class_scores(std::size_t c, const std::vector<std::size_t>& rows) const {
  const auto n_classes = classes.size();
  std::vector<double> out;
  if (rows.empty()) {
    for (std::size_t i = 0; i < cases(); ++i) out.push_back(scores[i * n_classes + c]);
  } else {
    for (auto i : rows) out.push_back(scores[i * n_classes + c]);
  }
  return out;
}

std::vector<std::uint8_t> ScoredCases::class_labels(std::size_t c, const std::vector<std::size_t>& rows) const {
  const auto n_classes = classes.size();
  std::vector<std::uint8_t> out;
  if (rows.empty()) {
    for (std::size_t i = 0; i < cases(); ++i) out.push_back(labels[i * n_classes + c]);
  } else {
    for (auto i : rows) out.push_back(labels[i * n_classes + c]);
  }
  return out;
}

std::optional<double> roc_auc(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  check_sizes(scores, labels);
  const auto positives = count_positives(labels);
  const auto negatives = static_cast<std::int64_t>(labels.size()) - positives;
  if (positives == 0 || negatives == 0) return std::nullopt;
  // Mann-Whitney: AUC = (sum of the positives' mid-ranks - P (P + 1) / 2) / (P N). Mid-ranks make a
  // tied positive-negative pair count one half, as the trapezoid over the ROC curve does.
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return scores[a] < scores[b]; });
  double positive_rank_sum = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    const double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;  // ranks i+1..j
    for (std::size_t k = i; k < j; ++k)
      if (labels[order[k]]) positive_rank_sum += mid_rank;
    i = j;
  }
  const double p = static_cast<double>(positives), n = static_cast<double>(negatives);
  return (positive_rank_sum - p * (p + 1) / 2) / (p * n);
}

std::optional<double> average_precision(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  check_sizes(scores, labels);
  const auto positives = count_positives(labels);
  if (positives == 0) return std::nullopt;
  const auto order = order_by_score_descending(scores);
  double ap = 0;
  std::int64_t tp = 0, fp = 0, tp_before = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) {  // one threshold per distinct score
      (labels[order[j]] ? tp : fp) += 1;
      ++j;
    }
    ap += static_cast<double>(tp - tp_before) / static_cast<double>(positives) * static_cast<double>(tp) / static_cast<double>(tp + fp);
    tp_before = tp;
    i = j;
  }
  return ap;
}

ConfusionCounts confusion_at(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels, double threshold) {
  check_sizes(scores, labels);
  ConfusionCounts c;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const bool predicted = scores[i] >= threshold;
    if (labels[i]) (predicted ? c.tp : c.fn) += 1;
    else (predicted ? c.fp : c.tn) += 1;
  }
  return c;
}

ThresholdMetrics threshold_metrics(const ConfusionCounts& c) {
  auto ratio = [](std::int64_t a, std::int64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); };
  ThresholdMetrics m;
  m.precision = ratio(c.tp, c.tp + c.fp);
  m.recall = ratio(c.tp, c.tp + c.fn);
  m.f1 = ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
  m.specificity = ratio(c.tn, c.tn + c.fp);
  m.accuracy = ratio(c.tp + c.tn, c.tp + c.tn + c.fp + c.fn);
  return m;
}

std::optional<double> best_f1_threshold(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  check_sizes(scores, labels);
  const auto positives = count_positives(labels);
  if (positives == 0 || positives == static_cast<std::int64_t>(labels.size())) return std::nullopt;
  // Lowering the threshold through the distinct scores adds one group of cases at a time.
  const auto order = order_by_score_descending(scores);
  std::int64_t tp = 0, fp = 0;
  double best_f1 = -1, best_threshold = 0.5;
  for (std::size_t i = 0; i < order.size();) {
    const double threshold = scores[order[i]];
    while (i < order.size() && scores[order[i]] == threshold) (labels[order[i++]] ? tp : fp) += 1;
    const double f1 = static_cast<double>(2 * tp) / static_cast<double>(tp + fp + positives);
    if (f1 > best_f1) {  // strictly better only: among ties the first, i.e. highest, threshold stays
      best_f1 = f1;
      best_threshold = threshold;
    }
  }
  return best_threshold;
}

const std::vector<std::string>& classification_metric_names() {
  static const std::vector<std::string> names{"auroc", "ap", "f1", "precision", "recall", "specificity", "accuracy"};
  return names;
}

ClassificationResult evaluate_classification(const ScoredCases& data, const std::vector<double>& thresholds,
                                             const std::vector<std::size_t>& rows) {
  const auto n_classes = data.classes.size();
  if (!thresholds.empty() && thresholds.size() != n_classes) throw internal_error("one threshold per class is needed");
  const auto n_metrics = classification_metric_names().size();
  ClassificationResult result;
  result.cases = rows.empty() ? data.cases() : rows.size();
  std::vector<double> sums(n_metrics, 0.0);
  for (std::size_t c = 0; c < n_classes; ++c) {
    const auto scores = data.class_scores(c, rows);
    const auto labels = data.class_labels(c, rows);
    ClassMetrics m;
    m.name = data.classes[c];
    m.threshold = thresholds.empty() ? 0.5 : thresholds[c];
    m.positives = count_positives(labels);
    m.negatives = static_cast<std::int64_t>(labels.size()) - m.positives;
    m.values.assign(n_metrics, std::nullopt);
    if (m.positives == 0 || m.negatives == 0) {
      m.undefined_reason = m.positives == 0 ? "no positive case among the " + std::to_string(labels.size()) + " evaluated"
                                            : "no negative case among the " + std::to_string(labels.size()) + " evaluated";
    } else {
      const auto t = threshold_metrics(confusion_at(scores, labels, m.threshold));
      const double values[] = {*roc_auc(scores, labels), *average_precision(scores, labels), t.f1, t.precision, t.recall,
                               t.specificity, t.accuracy};
      for (std::size_t k = 0; k < n_metrics; ++k) {
        m.values[k] = values[k];
        sums[k] += values[k];
      }
      ++result.defined_classes;
    }
    result.per_class.push_back(std::move(m));
  }
  if (result.defined_classes > 0)
    for (double s : sums) result.macro.push_back(s / static_cast<double>(result.defined_classes));
  return result;
}

}  // namespace unict::eval
