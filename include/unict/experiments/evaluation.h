// `unict evaluate`: a trained fold's best checkpoint on its test (or validation) volumes, or on
// RAD-ChestCT for external validation. Writes into <run>/<split>/ (or <run>/radchestct/):
//   predictions_cls.csv, labels_cls.csv   VolumeName + one probability / label column per class
//   thresholds.json                        per-class best-F1 thresholds chosen on the validation volumes
//   masks/                                 predicted class masks in each CT's original geometry
//                                          (classes.json + <VolumeName>.nii.gz, 4-D x, y, z, class)
//   masks_grid/pred, masks_grid/truth      the same on the preprocessed grid, where they are scored
//   reports.jsonl, references.jsonl        generated and reference reports ({"VolumeName", "report"})
//   attention.json                         the fusion block's task-to-task attention, per volume and mean
//   figures/                               roc_pr.png, attention.png, example.png
//   results.json                           written last: {"dataset", "split", "volumes", "run", "checkpoint",
//                                          "tasks", "cls", "seg", "rep", "attention", "metrics": {<id>: value or null}}
// What is scored is the data set's (data/dataset_registry.h): RAD-ChestCT scores classification
// only, on its own classes (label_set.h's radchestct_classes: merged classes combine the member
// probabilities, labels OR-ed).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "unict/core/task.h"
#include "unict/eval/classification_report.h"
#include "unict/eval/metric_registry.h"
#include "unict/eval/report_evaluation.h"
#include "unict/eval/segmentation_report.h"

namespace unict::experiments {

struct EvaluateOptions {
  std::string dataset;              // a data set's id (data/dataset_registry.h); empty: the training one
  std::string split = "test";       // test or val (the training data set)
  bool force = false;               // replace an earlier evaluation
  std::size_t bootstrap = 1000;     // resamples of the 95 % intervals
};

// The fusion block's task-to-task attention, mean over the volumes.
struct TaskAttention {
  std::vector<std::string> tasks;
  std::vector<std::vector<double>> mean;  // [query task][key task]
};

// One evaluation, as results.json holds it.
struct EvaluationResult {
  std::string dataset, split;  // split: empty for an external data set
  std::size_t volumes = 0;
  std::filesystem::path run, checkpoint;
  std::vector<core::Task> tasks;  // the model's
  std::optional<eval::ClassificationReport> cls;
  std::optional<eval::SegmentationReport> seg;
  double seg_detection_gate = 0;  // the run's model.seg_detection_gate: masks drawn only for detected classes when > 0
  std::optional<eval::ReportEvaluation> rep;
  std::filesystem::path labeler;  // the report labeler's vocabulary (with rep)
  std::optional<TaskAttention> attention;
  eval::MetricValues metrics;     // every scored metric of the registry, undefined ones recorded as such
};
nlohmann::json to_json(const EvaluationResult& result);

EvaluationResult evaluate_run(const std::filesystem::path& run_dir, const EvaluateOptions& options);

// The "tasks" and "metrics" of a results.json (Errors name the file and the metric).
struct ScoredMetrics {
  std::vector<core::Task> tasks;
  eval::MetricValues metrics;
};
ScoredMetrics read_scored_metrics(const std::filesystem::path& results_json);

}  // namespace unict::experiments
