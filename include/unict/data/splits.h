// Patient-level cross-validation splits. The K test sets partition the patients; in each fold the
// remaining patients are divided into validation (val_fraction of all patients) and training.
// Groups are label-stratified by iterative stratification (Sechidis et al., 2011): patients are
// placed rarest label first into the group that still needs that label most. Deterministic by
// seed; no patient is ever in two of train / val / test within a fold.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "unict/core/config_schema.h"
#include "unict/data/samples.h"

namespace unict::data {

struct SplitConfig {
  std::int64_t folds = 5;
  double val_fraction = 0.15;
};
const core::Section<SplitConfig>& split_section();

struct PatientLabels {
  std::string patient;
  std::vector<std::uint8_t> labels;  // OR over the patient's volumes
};

// Assigns each patient to one of `proportions.size()` groups of roughly those shares (summing to
// 1), stratified by label. Returns the group of each patient, in input order.
std::vector<std::size_t> stratified_groups(const std::vector<PatientLabels>& patients, const std::vector<double>& proportions,
                                           std::uint64_t seed);

struct Fold {
  std::vector<std::string> train, val, test;  // patient ids, sorted
};

struct Splits {
  std::int64_t folds = 0;
  double val_fraction = 0;
  std::uint64_t seed = 0;
  std::vector<std::string> class_names;
  std::map<std::string, std::vector<std::string>> volumes_of_patient;
  std::vector<Fold> fold;
};

Splits make_splits(const SampleSet& samples, const SplitConfig& config, std::uint64_t seed);

// The report texts a fold's tokenizer may learn from: those of its training patients' volumes, in
// sample order. Validation and test reports never reach the tokenizer.
std::vector<std::string> training_reports(const SampleSet& samples, const Fold& fold);

nlohmann::json splits_to_json(const Splits& splits, const SampleSet& samples);
Splits splits_from_json(const nlohmann::json& json, const std::string& file);

}  // namespace unict::data
