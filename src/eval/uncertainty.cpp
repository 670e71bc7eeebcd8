#include "unict/eval/uncertainty.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <numeric>

#include "unict/core/error.h"
#include "unict/core/seed.h"

namespace unict::eval {
namespace {

// numpy.percentile's default (linear) on sorted values, q in [0, 1].
double quantile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const auto above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (position - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

// The CT-RATE patient of a volume name, or the name itself.
std::string patient_key(const std::string& name) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '_') {
      parts.push_back(name.substr(start, i - start));
      start = i + 1;
    }
  }
  const bool numbered = parts.size() == 4 && !parts[1].empty() &&
                        std::all_of(parts[1].begin(), parts[1].end(), [](unsigned char ch) { return std::isdigit(ch) != 0; });
  return numbered ? parts[0] + "_" + parts[1] : name;
}

// Rows of one resample: whole groups drawn with replacement.
std::vector<std::size_t> draw_rows(const std::vector<std::vector<std::size_t>>& rows_of_group, core::Rng& rng) {
  std::vector<std::size_t> rows;
  for (std::size_t g = 0; g < rows_of_group.size(); ++g) {
    const auto& drawn = rows_of_group[rng.below(rows_of_group.size())];
    rows.insert(rows.end(), drawn.begin(), drawn.end());
  }
  return rows;
}

std::vector<std::vector<std::size_t>> rows_by_group(const std::vector<std::size_t>& group_of_case) {
  std::vector<std::vector<std::size_t>> rows;
  for (std::size_t i = 0; i < group_of_case.size(); ++i) {
    if (group_of_case[i] >= rows.size()) rows.resize(group_of_case[i] + 1);
    rows[group_of_case[i]].push_back(i);
  }
  rows.erase(std::remove_if(rows.begin(), rows.end(), [](const auto& r) { return r.empty(); }), rows.end());
  return rows;
}

// Resampled values per metric.
std::vector<std::vector<double>> resample(const std::vector<std::size_t>& group_of_case, std::size_t resamples, std::uint64_t seed,
                                          const Statistic& statistic) {
  const auto groups = rows_by_group(group_of_case);
  if (groups.empty()) throw Error("no cases to resample");
  core::Rng rng(seed, "bootstrap");
  std::vector<std::vector<double>> values;
  for (std::size_t r = 0; r < resamples; ++r) {
    const auto result = statistic(draw_rows(groups, rng));
    if (values.size() < result.size()) values.resize(result.size());
    for (std::size_t k = 0; k < result.size(); ++k)
      if (result[k]) values[k].push_back(*result[k]);
  }
  for (auto& v : values) std::sort(v.begin(), v.end());
  return values;
}

// Mid-ranks (1-based) of `values`.
std::vector<double> mid_ranks(const std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && values[order[j]] == values[order[i]]) ++j;
    for (std::size_t k = i; k < j; ++k) ranks[order[k]] = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    i = j;
  }
  return ranks;
}

// DeLong's placements: V10 (one per positive) and V01 (one per negative) of one score.
void placements(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels, std::vector<double>& v10,
                std::vector<double>& v01) {
  std::vector<double> pos, neg;
  for (std::size_t i = 0; i < scores.size(); ++i) (labels[i] ? pos : neg).push_back(scores[i]);
  const auto all = mid_ranks(scores), within_pos = mid_ranks(pos), within_neg = mid_ranks(neg);
  const double m = static_cast<double>(pos.size()), n = static_cast<double>(neg.size());
  v10.clear();
  v01.clear();
  std::size_t p = 0, q = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    // Negatives below a positive (ties half) = its rank among all minus its rank among positives.
    if (labels[i]) v10.push_back((all[i] - within_pos[p++]) / n);
    else v01.push_back(1.0 - (all[i] - within_neg[q++]) / m);
  }
}

double covariance(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  if (x.size() < 2) return 0;
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n, my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double s = 0;
  for (std::size_t i = 0; i < x.size(); ++i) s += (x[i] - mx) * (y[i] - my);
  return s / (n - 1);
}

}  // namespace

std::vector<std::size_t> patient_groups(const std::vector<std::string>& names) {
  std::map<std::string, std::size_t> index;
  std::vector<std::size_t> groups;
  for (const auto& name : names) groups.push_back(index.emplace(patient_key(name), index.size()).first->second);
  return groups;
}

std::vector<std::optional<Interval>> bootstrap_intervals(const std::vector<std::size_t>& group_of_case, std::size_t resamples,
                                                        std::uint64_t seed, const Statistic& statistic, double level) {
  const auto values = resample(group_of_case, resamples, seed, statistic);
  std::vector<std::optional<Interval>> out;
  for (const auto& v : values) {
    if (v.empty()) {
      out.emplace_back();
      continue;
    }
    out.push_back(Interval{quantile(v, (1 - level) / 2), quantile(v, 1 - (1 - level) / 2), v.size()});
  }
  return out;
}

std::vector<std::optional<PairedDifference>> paired_bootstrap(const std::vector<std::size_t>& group_of_case, std::size_t resamples,
                                                             std::uint64_t seed, const Statistic& difference, double level) {
  std::vector<std::size_t> all(group_of_case.size());
  std::iota(all.begin(), all.end(), 0);
  const auto observed = difference(all);
  const auto values = resample(group_of_case, resamples, seed, difference);
  std::vector<std::optional<PairedDifference>> out;
  for (std::size_t k = 0; k < observed.size(); ++k) {
    if (!observed[k] || k >= values.size() || values[k].empty()) {
      out.emplace_back();
      continue;
    }
    const auto& v = values[k];
    PairedDifference d;
    d.observed = *observed[k];
    d.interval = Interval{quantile(v, (1 - level) / 2), quantile(v, 1 - (1 - level) / 2), v.size()};
    const auto at_or_below = static_cast<double>(std::upper_bound(v.begin(), v.end(), 0.0) - v.begin());
    const auto at_or_above = static_cast<double>(v.end() - std::lower_bound(v.begin(), v.end(), 0.0));
    d.p_value = std::min(1.0, 2 * std::min(at_or_below, at_or_above) / static_cast<double>(v.size()));
    out.push_back(d);
  }
  return out;
}

std::optional<DelongResult> delong_test(const std::vector<double>& a, const std::vector<double>& b, const std::vector<std::uint8_t>& labels) {
  if (a.size() != labels.size() || b.size() != labels.size()) throw internal_error("DeLong: scores and labels differ in length");
  const auto positives = std::count_if(labels.begin(), labels.end(), [](auto l) { return l != 0; });
  if (positives == 0 || positives == static_cast<std::int64_t>(labels.size())) return std::nullopt;
  std::vector<double> a10, a01, b10, b01;
  placements(a, labels, a10, a01);
  placements(b, labels, b10, b01);
  DelongResult r;
  r.auc_a = std::accumulate(a10.begin(), a10.end(), 0.0) / static_cast<double>(a10.size());
  r.auc_b = std::accumulate(b10.begin(), b10.end(), 0.0) / static_cast<double>(b10.size());
  const double m = static_cast<double>(a10.size()), n = static_cast<double>(a01.size());
  const double variance = (covariance(a10, a10) + covariance(b10, b10) - 2 * covariance(a10, b10)) / m +
                          (covariance(a01, a01) + covariance(b01, b01) - 2 * covariance(a01, b01)) / n;
  if (variance <= 0) {
    r.z = 0;
    r.p_value = r.auc_a == r.auc_b ? 1.0 : 0.0;
    return r;
  }
  r.z = (r.auc_a - r.auc_b) / std::sqrt(variance);
  r.p_value = std::erfc(std::abs(r.z) / std::sqrt(2.0));
  return r;
}

}  // namespace unict::eval
