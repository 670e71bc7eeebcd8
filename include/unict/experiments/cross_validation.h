// `unict cv`: every fold trained (or resumed) and evaluated on its test volumes, then on
// RAD-ChestCT when the config names it, then the summary over folds. A fold whose test evaluation
// exists is skipped; a fold with an unfinished training is resumed.
//
// <experiment>/summary.json (stable; scripts may rely on it):
//   {"folds": [0, 1, ...],
//    "metrics": {"<name>": {"mean": m, "std": s, "folds": [v0, v1, ...], "pooled": p or null, "ci95": [lo, hi] or null}, ...},
//    "attention": {"tasks": [...], "mean": [[...]]} or null,
//    "pooled": {"cls": <classification report of all folds' test predictions together>}}
// Names: cls.<metric>_macro (auroc, ap, f1, precision, recall, specificity, accuracy), seg.dice_mean,
// seg.hit_rate, seg.instance_f1, rep.bleu1..4, rep.meteor, rep.rouge_l, rep.cider,
// rep.ce_{precision,recall,f1}_macro, and radchestct.cls.<metric>_macro for external validation.
// std is the sample standard deviation over folds (n - 1; null with one fold); pooled and ci95 are
// the value and the patient-bootstrap interval on all folds' test predictions pooled, for AUROC and
// AP only (threshold metrics depend on each fold's own thresholds; a pooled AUROC is lower than the
// fold mean when the folds' models are calibrated differently).
// summary.md and summary.csv hold the same table.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "unict/core/resolved_config.h"
#include "unict/eval/classification.h"

namespace unict::experiments {

struct CvOptions {
  std::vector<std::int64_t> folds;  // empty: all
  std::filesystem::path out;        // empty: <run.output_root>/<run.name>
  bool external = true;             // evaluate on RAD-ChestCT when data.radchestct_root is set
  bool show_progress = true;
};

// Returns the experiment folder.
std::filesystem::path run_cross_validation(const core::ResolvedConfig& resolved, const CvOptions& options);

// Writes summary.{json,md,csv} from the folds' results; returns summary.json's content.
nlohmann::json summarize_folds(const std::filesystem::path& experiment, const std::vector<std::int64_t>& folds);

// The folds' predictions in <fold>/<part>/ (test or radchestct) as one set (each volume is in
// one test set only); nullopt when a fold has none.
std::optional<eval::ScoredCases> pooled_predictions(const std::filesystem::path& experiment, const std::vector<std::int64_t>& folds,
                                                    const std::string& part);

// "0-4", "0,2,3" -> fold numbers; Errors name the text.
std::vector<std::int64_t> parse_folds(const std::string& text, std::int64_t fold_count);

// The summary table (metric, mean ± std, 95 % CI) as Markdown.
std::string summary_markdown(const nlohmann::json& summary);

}  // namespace unict::experiments
