// Uncertainty of the metrics: percentile bootstrap intervals that resample patients (all volumes
// of a drawn patient come along), a paired bootstrap of the difference between two prediction
// files on the same cases, and DeLong's test for two correlated AUROCs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace unict::eval {

// Case rows -> metric values (nullopt where a resample leaves a metric undefined).
using Statistic = std::function<std::vector<std::optional<double>>(const std::vector<std::size_t>& rows)>;

struct Interval {
  double lower = 0, upper = 0;
  std::size_t resamples = 0;  // resamples in which the metric was defined
};

// Group index of each case (its patient), from the case names: CT-RATE names
// (<split>_<patient>_<scan>_<reconstruction>) group by patient; any other name is its own patient.
std::vector<std::size_t> patient_groups(const std::vector<std::string>& names);

// Percentile intervals (numpy's linear interpolation) of `statistic` over `resamples` resamples of
// the groups with replacement; deterministic for a seed. One entry per value of the statistic,
// empty when the metric was never defined.
std::vector<std::optional<Interval>> bootstrap_intervals(const std::vector<std::size_t>& group_of_case, std::size_t resamples,
                                                        std::uint64_t seed, const Statistic& statistic, double level = 0.95);

struct PairedDifference {
  double observed = 0;    // statistic(A) - statistic(B) on all cases
  Interval interval;      // of the resampled differences
  double p_value = 1;     // two-sided: twice the smaller share of resampled differences on either side of 0
};

// `difference(rows)` gives A - B per metric on the same resampled rows.
std::vector<std::optional<PairedDifference>> paired_bootstrap(const std::vector<std::size_t>& group_of_case, std::size_t resamples,
                                                             std::uint64_t seed, const Statistic& difference, double level = 0.95);

struct DelongResult {
  double auc_a = 0, auc_b = 0, z = 0, p_value = 1;
};
// DeLong, DeLong & Clarke-Pearson (1988) for two scores of the same cases; nullopt when the labels
// hold one value only. p is two-sided; identical scores give z = 0, p = 1.
std::optional<DelongResult> delong_test(const std::vector<double>& a, const std::vector<double>& b, const std::vector<std::uint8_t>& labels);

}  // namespace unict::eval
