#include "unict/eval/report_metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "unict/core/error.h"

namespace unict::eval {
namespace {

using NgramCounts = std::map<std::vector<std::string>, double>;

NgramCounts ngrams(const Tokens& tokens, std::size_t n) {
  NgramCounts counts;
  for (std::size_t i = 0; i + n <= tokens.size(); ++i) counts[Tokens(tokens.begin() + static_cast<std::ptrdiff_t>(i), tokens.begin() + static_cast<std::ptrdiff_t>(i + n))] += 1;
  return counts;
}

void bleu(const std::vector<Tokens>& generated, const std::vector<std::vector<Tokens>>& references, double out[4]) {
  double correct[4] = {0, 0, 0, 0}, guessed[4] = {0, 0, 0, 0};
  double hypothesis_length = 0, reference_length = 0;
  for (std::size_t i = 0; i < generated.size(); ++i) {
    const auto& hyp = generated[i];
    hypothesis_length += static_cast<double>(hyp.size());
    // Closest reference length; ties go to the shorter reference.
    std::size_t closest = references[i].front().size();
    for (const auto& ref : references[i]) {
      const auto d = std::abs(static_cast<long>(ref.size()) - static_cast<long>(hyp.size()));
      const auto best = std::abs(static_cast<long>(closest) - static_cast<long>(hyp.size()));
      if (d < best || (d == best && ref.size() < closest)) closest = ref.size();
    }
    reference_length += static_cast<double>(closest);
    for (std::size_t n = 1; n <= 4; ++n) {
      NgramCounts max_ref;
      for (const auto& ref : references[i])
        for (const auto& [gram, count] : ngrams(ref, n)) max_ref[gram] = std::max(max_ref[gram], count);
      for (const auto& [gram, count] : ngrams(hyp, n)) {
        guessed[n - 1] += count;
        const auto found = max_ref.find(gram);
        if (found != max_ref.end()) correct[n - 1] += std::min(count, found->second);
      }
    }
  }
  const double brevity = hypothesis_length < reference_length ? std::exp(1 - reference_length / hypothesis_length) : 1.0;
  double log_sum = 0;
  bool zero = false;
  for (int n = 0; n < 4; ++n) {
    if (correct[n] == 0 || guessed[n] == 0) zero = true;
    if (!zero) log_sum += std::log(correct[n] / guessed[n]);
    out[n] = zero || hypothesis_length == 0 ? 0.0 : brevity * std::exp(log_sum / (n + 1));
  }
}

std::size_t lcs_length(const Tokens& a, const Tokens& b) {
  std::vector<std::size_t> row(b.size() + 1, 0), prev(b.size() + 1, 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) row[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], row[j - 1]);
    std::swap(row, prev);
  }
  return prev[b.size()];
}

// CIDEr-D's TF-IDF vector of one token list for n-gram order n, and its norm.
struct CiderVector {
  std::map<Tokens, double> weights;
  double norm = 0;
  std::size_t length = 0;
};

CiderVector cider_vector(const Tokens& tokens, std::size_t n, const std::map<Tokens, double>& document_frequency, double log_documents) {
  CiderVector v;
  v.length = tokens.empty() ? 0 : tokens.size() - 1;  // coco-caption measures length in bigrams
  for (const auto& [gram, tf] : ngrams(tokens, n)) {
    const auto df = document_frequency.find(gram);
    const double log_df = std::log(std::max(1.0, df == document_frequency.end() ? 0.0 : df->second));
    v.weights[gram] = tf * (log_documents - log_df);
  }
  for (const auto& [gram, w] : v.weights) v.norm += w * w;
  v.norm = std::sqrt(v.norm);
  return v;
}

double cider_similarity(const CiderVector& hyp, const CiderVector& ref, double sigma) {
  double value = 0;
  for (const auto& [gram, w] : hyp.weights) {
    const auto found = ref.weights.find(gram);
    if (found != ref.weights.end()) value += std::min(w, found->second) * found->second;  // clipped
  }
  if (hyp.norm != 0 && ref.norm != 0) value /= hyp.norm * ref.norm;
  const double delta = static_cast<double>(hyp.length) - static_cast<double>(ref.length);
  return value * std::exp(-(delta * delta) / (2 * sigma * sigma));
}

double cider_d(const std::vector<Tokens>& generated, const std::vector<std::vector<Tokens>>& references) {
  const double sigma = 6.0;
  const double log_documents = std::log(static_cast<double>(references.size()));
  double total = 0;
  std::vector<double> per_report(generated.size(), 0);
  for (std::size_t n = 1; n <= 4; ++n) {
    // Document frequency: in how many reports' reference sets an n-gram occurs.
    std::map<Tokens, double> document_frequency;
    for (const auto& refs : references) {
      std::set<Tokens> seen;
      for (const auto& ref : refs)
        for (const auto& [gram, count] : ngrams(ref, n)) seen.insert(gram);
      for (const auto& gram : seen) document_frequency[gram] += 1;
    }
    for (std::size_t i = 0; i < generated.size(); ++i) {
      const auto hyp = cider_vector(generated[i], n, document_frequency, log_documents);
      double sum = 0;
      for (const auto& ref : references[i]) sum += cider_similarity(hyp, cider_vector(ref, n, document_frequency, log_documents), sigma);
      per_report[i] += sum / static_cast<double>(references[i].size()) / 4.0;  // mean over n
    }
  }
  for (double s : per_report) total += s * 10.0;
  return generated.empty() ? 0.0 : total / static_cast<double>(generated.size());
}

}  // namespace

double meteor_sentence(const Tokens& generated, const Tokens& reference) {
  if (generated.empty() || reference.empty()) return 0.0;
  // nltk's exact stage: generated words from the last, each taking the last unused equal reference word.
  std::vector<bool> used(reference.size(), false);
  std::vector<std::pair<std::size_t, std::size_t>> matches;
  for (std::size_t i = generated.size(); i-- > 0;) {
    for (std::size_t j = reference.size(); j-- > 0;) {
      if (!used[j] && generated[i] == reference[j]) {
        used[j] = true;
        matches.emplace_back(i, j);
        break;
      }
    }
  }
  if (matches.empty()) return 0.0;
  std::sort(matches.begin(), matches.end());
  std::size_t chunks = 1;
  for (std::size_t k = 0; k + 1 < matches.size(); ++k)
    if (!(matches[k + 1].first == matches[k].first + 1 && matches[k + 1].second == matches[k].second + 1)) ++chunks;
  const double m = static_cast<double>(matches.size());
  const double precision = m / static_cast<double>(generated.size()), recall = m / static_cast<double>(reference.size());
  const double alpha = 0.9, beta = 3.0, gamma = 0.5;
  const double fmean = precision * recall / (alpha * precision + (1 - alpha) * recall);
  const double penalty = gamma * std::pow(static_cast<double>(chunks) / m, beta);
  return (1 - penalty) * fmean;
}

double rouge_l_sentence(const Tokens& generated, const std::vector<Tokens>& references, double beta) {
  double best_precision = 0, best_recall = 0;
  for (const auto& ref : references) {
    const double lcs = static_cast<double>(lcs_length(generated, ref));
    if (!generated.empty()) best_precision = std::max(best_precision, lcs / static_cast<double>(generated.size()));
    if (!ref.empty()) best_recall = std::max(best_recall, lcs / static_cast<double>(ref.size()));
  }
  if (best_precision == 0 || best_recall == 0) return 0.0;
  return (1 + beta * beta) * best_precision * best_recall / (best_recall + beta * beta * best_precision);
}

ReportScores score_reports(const std::vector<Tokens>& generated, const std::vector<std::vector<Tokens>>& references) {
  if (generated.size() != references.size()) throw internal_error("one reference set per generated report is needed");
  for (const auto& refs : references)
    if (refs.empty()) throw internal_error("a generated report without references");
  ReportScores s;
  if (generated.empty()) return s;
  bleu(generated, references, s.bleu);
  double meteor = 0, rouge = 0;
  for (std::size_t i = 0; i < generated.size(); ++i) {
    double best = 0;
    for (const auto& ref : references[i]) best = std::max(best, meteor_sentence(generated[i], ref));
    meteor += best;
    rouge += rouge_l_sentence(generated[i], references[i]);
  }
  s.meteor = meteor / static_cast<double>(generated.size());
  s.rouge_l = rouge / static_cast<double>(generated.size());
  s.cider = cider_d(generated, references);
  return s;
}

}  // namespace unict::eval
