// `unict ablate`: cross-validation of every variant of an ablation suite, then the ablation table.
//
// A suite file (configs/ablations/suite.yaml):
//   reference: full                      the variant the others are compared with
//   variants:
//     - {name: full, config: ../rexgroundingct/unict.yaml}
//     - {name: no_fusion, config: no_fusion.yaml}
//     - {name: no_scf, config: ../quickstart.yaml, set: [model.scf=false]}
// Paths are relative to the suite file. Each variant runs `cv` into <out>/<name>/ (finished folds
// are skipped, so an interrupted ablation continues where it stopped).
//
// The table (<out>/ablation.{md,csv,json}): rows = variants; columns = the metrics the registry
// gives a table title (eval/metric_registry.h: classification F1, AUROC, mAP, Dice, BLEU-4,
// METEOR, ROUGE-L, CIDEr, clinical-efficacy F1); each cell the mean ± std over folds, the
// difference to the reference's mean and the registry's paired test's two-sided p-value:
//   classification: paired bootstrap of patients over the pooled test predictions (1000 resamples;
//                   the volumes are the same in every variant, the splits depend on the seed only);
//   the others:     exact paired sign-flip permutation test over the folds' values (with 5 folds
//                   the smallest possible p is 2 / 32 = 0.0625).
// A variant without a column's task has an empty cell; a variant with the task but without the
// metric in its summary is an Error naming both.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "unict/eval/metric_registry.h"
#include "unict/experiments/config.h"
#include "unict/experiments/cross_validation.h"

namespace unict::train {
class ProcessGroup;
}

namespace unict::experiments {

struct AblationVariant {
  std::string name;
  std::filesystem::path config;
  std::vector<std::string> overrides;
};

struct AblationSuite {
  std::string reference;
  std::vector<AblationVariant> variants;
};

// Errors name the file and the entry.
AblationSuite read_ablation_suite(const std::filesystem::path& file);

struct AblateOptions {
  std::filesystem::path out;               // empty: runs/ablation_<suite file stem>
  std::vector<std::string> overrides;      // applied to every variant (after its own)
  std::vector<std::int64_t> folds;         // empty: all
  bool external = false;
  std::shared_ptr<train::ProcessGroup> group;  // distributed folds (cross_validation.h); rank 0 writes the table
};

struct AblationCell {
  std::optional<double> mean, std, difference, p_value;  // difference and p: not for the reference
  std::string test;                                       // the paired test behind p_value
};

struct AblationRow {
  std::string variant;
  std::vector<AblationCell> cells;  // one per column
};

struct AblationTable {
  std::string reference;
  std::vector<const eval::MetricSpec*> columns;
  std::vector<AblationRow> rows;  // in the suite's order
};
// {"reference", "columns": [{"metric", "title"}], "rows": [{"variant", "cells": {<metric>: {"mean", "std",
// "difference", "p_value", "test"}}}]}
nlohmann::json to_json(const AblationTable& table);

AblationTable run_ablation(const std::filesystem::path& suite_file, const AblateOptions& options);

// What run_ablation works with: its output folder, a variant's config (its own --set, then
// `overrides`) and the cross-validation options of the variant's folder.
std::filesystem::path ablation_folder(const std::filesystem::path& suite_file, const AblateOptions& options);
LoadedConfig variant_config(const AblationVariant& variant, const std::vector<std::string>& overrides);
CvOptions variant_cv_options(const AblateOptions& options, const std::filesystem::path& out, const AblationVariant& variant);
// ablation.{md,csv,json} in `out`; ablation.json last, so its presence means the table is complete.
void write_ablation_table(const AblationTable& table, const std::filesystem::path& out);

// The table from the variants' finished cv folders (their summary.json and pooled predictions).
AblationTable ablation_table(const AblationSuite& suite, const std::filesystem::path& out);
std::string ablation_markdown(const AblationTable& table);

// Two-sided exact sign-flip permutation p-value of paired differences (all 2^n sign patterns).
double sign_flip_p_value(const std::vector<double>& differences);

}  // namespace unict::experiments
