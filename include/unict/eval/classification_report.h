// Classification evaluation from files, as `unict metrics cls` / `compare` do it: prediction and
// label CSVs matched by VolumeName, optional per-class thresholds (chosen on validation by maximum
// F1 and saved as JSON), bootstrap intervals, the JSON document and the printed table.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "unict/eval/classification.h"
#include "unict/eval/uncertainty.h"

namespace unict::eval {

// Both files have a VolumeName column and one column per class (probabilities in `predictions`,
// 0 / 1 in `labels`); the classes are the prediction file's columns. A name missing from either
// file, a duplicated name, a class column missing from the labels, a value that is not a number
// in [0, 1] (or not 0 / 1) are Errors naming the file, line and value.
ScoredCases read_scored_cases(const std::filesystem::path& predictions, const std::filesystem::path& labels);

// {"thresholds": {"<class>": t, ...}, "chosen_by": "..."}; every class needs one.
void write_thresholds(const std::filesystem::path& file, const std::map<std::string, double>& thresholds, const std::string& chosen_by);
std::vector<double> read_thresholds(const std::filesystem::path& file, const std::vector<std::string>& classes);
// Best-F1 threshold per class (0.5 where the class is undefined on these cases).
std::map<std::string, double> choose_thresholds(const ScoredCases& validation);

struct ClassificationReport {
  ClassificationResult result;
  std::vector<std::optional<Interval>> macro_intervals;  // empty without bootstrap
  std::size_t resamples = 0;
  std::uint64_t seed = 0;
};

ClassificationReport classification_report(const ScoredCases& data, const std::vector<double>& thresholds, std::size_t resamples,
                                           std::uint64_t seed);

// {"per_class": {...}, "macro": {...}, "macro_ci95": {...}, "undefined": [{"class", "reason"}], "cases": n, ...}
nlohmann::json to_json(const ClassificationReport& report);
std::string to_table(const ClassificationReport& report);

// The paired comparison of two prediction files on the same cases and labels.
struct Comparison {
  std::vector<std::string> metrics;                         // macro metric names
  std::vector<std::optional<PairedDifference>> macro;      // A - B, paired bootstrap
  std::vector<std::string> classes;
  std::vector<std::optional<DelongResult>> auroc_delong;   // per class
  std::size_t resamples = 0, cases = 0;
};
Comparison compare_predictions(const ScoredCases& a, const ScoredCases& b, const std::vector<double>& thresholds, std::size_t resamples,
                               std::uint64_t seed);
nlohmann::json to_json(const Comparison& comparison);
std::string to_table(const Comparison& comparison);

}  // namespace unict::eval
