// `unict cv`: every fold trained (or resumed) and evaluated on its test volumes, then on
// RAD-ChestCT when the config names it, then the summary over folds. A fold whose test evaluation
// exists is skipped; a fold with an unfinished training is resumed.
//
// <experiment>/summary.json (stable; scripts may rely on it):
//   {"folds": [0, 1, ...],
//    "metrics": {"<name>": {"mean": m, "std": s, "folds": [v0, v1, ...], "pooled": p or null, "ci95": [lo, hi] or null}, ...},
//    "tasks": ["cls", "seg", "rep"],
//    "attention": {"tasks": [...], "mean": [[...]], "folds": n} or null,
//    "pooled": {"cls": <classification report of all folds' test predictions together>}}
// Names: the evaluation metrics of eval/metric_registry.h (cls.auroc_macro, seg.dice_mean,
// rep.bleu4, ...), an external data set's prefixed with its id (radchestct.cls.auroc_macro). A
// fold's value is null where the metric is undefined on its volumes.
// std is the sample standard deviation over folds (n - 1; null with one fold); pooled and ci95 are
// the value and the patient-bootstrap interval on all folds' test predictions pooled, for the
// metrics the registry marks pooled (AUROC and AP: threshold metrics depend on each fold's own
// thresholds; a pooled AUROC is lower than the fold mean when the folds' models are calibrated
// differently).
// summary.md and summary.csv hold the same table; summary.json is written last, so its presence
// means all three are complete (the sweep's and `unict status`'s test of a written summary).
#pragma once

#include <filesystem>
#include <memory>
#include <map>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "unict/core/task.h"
#include "unict/data/dataset_registry.h"
#include "unict/eval/classification.h"
#include "unict/eval/classification_report.h"
#include "unict/experiments/config.h"
#include "unict/experiments/evaluation.h"

namespace unict::train {
class ProcessGroup;
}

namespace unict::experiments {

struct CvOptions {
  std::vector<std::int64_t> folds;  // empty: all
  std::filesystem::path out;        // empty: <run.output_root>/<run.name>
  bool external = true;             // evaluate on RAD-ChestCT when data.radchestct_root is set
  bool show_progress = true;
  // The ranks that train every fold together (null: this process alone). Rank 0 decides what each
  // fold needs (skip, resume, train), evaluates and summarises; the others train with it and wait.
  std::shared_ptr<train::ProcessGroup> group;
  // How long a fold waits for another process that holds its folder (a requeued SLURM attempt's
  // predecessor that is still ending); 0: refused at once.
  double lock_wait_s = 0;
};

// Returns the experiment folder.
std::filesystem::path run_cross_validation(const LoadedConfig& config, const CvOptions& options);

// The experiment folder and the folds that `run_cross_validation` works on.
std::filesystem::path cv_experiment_folder(const Config& config, const CvOptions& options);
std::vector<std::int64_t> cv_folds(const Config& config, const CvOptions& options);

// One fold of a cross-validation, by what its folder holds: skipped when every evaluation is
// there, else trained (or resumed, or only evaluated) and evaluated on the test volumes and on the
// external data sets of `options`. Returns the signal that stopped its training (the checkpoint is
// written; nothing was evaluated), or 0. `unict cv` runs the folds one after the other with this,
// a SLURM sweep one per array task (sweep_task.h).
int run_cv_fold(const LoadedConfig& config, std::int64_t fold, const std::filesystem::path& run_dir, const CvOptions& options);

// The data sets a fold is evaluated on: the training data set's test volumes, then every external
// data set the config names when `external`.
std::vector<const data::DatasetSpec*> evaluated_datasets(const Config& config, bool external);
// Every one of those evaluations is written (results.json last).
bool fold_finished(const std::filesystem::path& run_dir, const std::vector<const data::DatasetSpec*>& evaluated);

struct MetricSummary {
  std::vector<std::optional<double>> folds;  // one per fold of the summary, empty where undefined
  std::optional<double> mean, std;           // over the defined folds (std: n - 1, needs two)
  std::optional<double> pooled;              // on all folds' test predictions together
  std::optional<std::pair<double, double>> ci95;
};

struct FoldSummary {
  std::vector<std::int64_t> folds;
  std::vector<core::Task> tasks;                 // the folds' model's
  std::map<std::string, MetricSummary> metrics;  // by name (see above)
  std::optional<eval::ClassificationReport> pooled_cls;
  std::optional<TaskAttention> attention;        // mean over the folds' test volumes' means
  std::size_t attention_folds = 0;
};
nlohmann::json to_json(const FoldSummary& summary);
// summary.json back (without the pooled classification report); Errors name the file and the
// metric.
FoldSummary read_fold_summary(const std::filesystem::path& summary_json);

// Writes summary.{json,md,csv} and the pooled figures from the folds' results.
FoldSummary summarize_folds(const std::filesystem::path& experiment, const std::vector<std::int64_t>& folds);

// The declared metric behind a summary name ("radchestct.cls.auroc_macro" -> cls.auroc_macro);
// an Error names an unknown one.
const eval::MetricSpec& summary_metric(const std::string& name);
// Summary names in table order: the training data set's metrics, then each external data set's,
// each in the registry's order.
std::vector<std::string> summary_order(const std::map<std::string, MetricSummary>& metrics);

// The folds' predictions in <fold>/<part>/ (test or radchestct) as one set (each volume is in
// one test set only); nullopt when a fold has none.
std::optional<eval::ScoredCases> pooled_predictions(const std::filesystem::path& experiment, const std::vector<std::int64_t>& folds,
                                                    const std::string& part);

// "0-4", "0,2,3" -> fold numbers; Errors name the text.
std::vector<std::int64_t> parse_folds(const std::string& text, std::int64_t fold_count);

// The summary table (metric, mean ± std, 95 % CI) as Markdown.
std::string summary_markdown(const FoldSummary& summary);

}  // namespace unict::experiments
