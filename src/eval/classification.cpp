#include "unict/eval/classification.h"

#include <algorithm>
#include <numeric>

#include "unict/core/error.h"

namespace unict::eval {

RankedScores rank_scores(const std::vector<double>& scores) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return scores[a] < scores[b]; });
  RankedScores r;
  r.group.assign(scores.size(), 0);
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i == 0 || scores[order[i]] != scores[order[i - 1]]) r.scores.push_back(scores[order[i]]);
    r.group[order[i]] = r.scores.size() - 1;
  }
  return r;
}

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

// Positive and negative weight per distinct score, ascending; weights are case multiplicities
// (1 each when `weights` is empty), so a bootstrap resample needs no sort of its own.
struct GroupWeights {
  std::vector<double> positive, negative;
  double positives = 0, negatives = 0;
};

GroupWeights weights_by_group(const RankedScores& ranked, const std::vector<std::uint8_t>& labels, const std::vector<double>& weights) {
  GroupWeights g;
  g.positive.assign(ranked.scores.size(), 0.0);
  g.negative.assign(ranked.scores.size(), 0.0);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    if (w == 0) continue;
    (labels[i] ? g.positive : g.negative)[ranked.group[i]] += w;
    (labels[i] ? g.positives : g.negatives) += w;
  }
  return g;
}

// Mann-Whitney: each positive scores the negatives below it plus half the tied ones, as the
// trapezoid over the ROC curve counts them.
std::optional<double> auc_of(const GroupWeights& g) {
  if (g.positives == 0 || g.negatives == 0) return std::nullopt;
  double wins = 0, negatives_below = 0;
  for (std::size_t k = 0; k < g.positive.size(); ++k) {
    wins += g.positive[k] * (negatives_below + 0.5 * g.negative[k]);
    negatives_below += g.negative[k];
  }
  return wins / (g.positives * g.negatives);
}

// One threshold per distinct score, from the highest down.
std::optional<double> ap_of(const GroupWeights& g) {
  if (g.positives == 0) return std::nullopt;
  double ap = 0, tp = 0, fp = 0;
  for (std::size_t k = g.positive.size(); k-- > 0;) {
    tp += g.positive[k];
    fp += g.negative[k];
    if (g.positive[k] > 0) ap += g.positive[k] / g.positives * tp / (tp + fp);
  }
  return ap;
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
  const auto ranked = rank_scores(scores);
  const auto groups = weights_by_group(ranked, labels, {});
  return auc_of(groups);
}

std::optional<double> average_precision(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  check_sizes(scores, labels);
  const auto ranked = rank_scores(scores);
  return ap_of(weights_by_group(ranked, labels, {}));
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

MetricValues macro_metric_values(const ClassificationResult& result) {
  MetricValues values;
  const auto& names = classification_metric_names();
  for (std::size_t k = 0; k < names.size(); ++k)
    values.set(classification_metric(names[k]).id, k < result.macro.size() ? result.macro[k] : std::nullopt);
  return values;
}

const std::vector<std::string>& classification_metric_names() {
  static const std::vector<std::string> names{"auroc", "ap", "f1", "precision", "recall", "specificity", "accuracy"};
  return names;
}

ClassificationEvaluator::ClassificationEvaluator(const ScoredCases& data, std::vector<double> thresholds)
    : data_(data), thresholds_(std::move(thresholds)) {
  if (!thresholds_.empty() && thresholds_.size() != data.classes.size()) throw internal_error("one threshold per class is needed");
  for (std::size_t c = 0; c < data.classes.size(); ++c) {
    scores_.push_back(data.class_scores(c));
    labels_.push_back(data.class_labels(c));
    ranked_.push_back(rank_scores(scores_.back()));
  }
}

ClassificationResult ClassificationEvaluator::evaluate_rows(const std::vector<std::size_t>& rows) const {
  if (rows.empty()) return evaluate();
  std::vector<double> weights(data_.cases(), 0.0);
  for (auto r : rows) weights[r] += 1;
  return evaluate(weights, rows.size());
}

ClassificationResult ClassificationEvaluator::evaluate(const std::vector<double>& weights, std::size_t cases) const {
  const auto n_metrics = classification_metric_names().size();
  ClassificationResult result;
  result.cases = weights.empty() ? data_.cases() : cases;
  std::vector<double> sums(n_metrics, 0.0);
  for (std::size_t c = 0; c < data_.classes.size(); ++c) {
    const auto groups = weights_by_group(ranked_[c], labels_[c], weights);
    ClassMetrics m;
    m.name = data_.classes[c];
    m.threshold = thresholds_.empty() ? 0.5 : thresholds_[c];
    m.positives = static_cast<std::int64_t>(groups.positives);
    m.negatives = static_cast<std::int64_t>(groups.negatives);
    m.values.assign(n_metrics, std::nullopt);
    if (m.positives == 0 || m.negatives == 0) {
      const auto total = std::to_string(m.positives + m.negatives);
      m.undefined_reason = m.positives == 0 ? "no positive case among the " + total + " evaluated" : "no negative case among the " + total + " evaluated";
    } else {
      // Weighted counts at the threshold: the groups at or above it are predicted positive.
      ConfusionCounts counts;
      for (std::size_t k = 0; k < groups.positive.size(); ++k) {
        const bool predicted = ranked_[c].scores[k] >= m.threshold;
        (predicted ? counts.tp : counts.fn) += static_cast<std::int64_t>(groups.positive[k]);
        (predicted ? counts.fp : counts.tn) += static_cast<std::int64_t>(groups.negative[k]);
      }
      const auto t = threshold_metrics(counts);
      const double values[] = {*auc_of(groups), *ap_of(groups), t.f1, t.precision, t.recall, t.specificity, t.accuracy};
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

ClassificationResult evaluate_classification(const ScoredCases& data, const std::vector<double>& thresholds,
                                             const std::vector<std::size_t>& rows) {
  return ClassificationEvaluator(data, thresholds).evaluate_rows(rows);
}

}  // namespace unict::eval
