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
//   results.json                           {"cls": .., "seg": .., "rep": .., "attention": .., ...}
// RAD-ChestCT scores classification only, on its own classes (label_set.h's radchestct_classes:
// merged classes combine the member probabilities, labels OR-ed).
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace unict::experiments {

struct EvaluateOptions {
  std::string dataset = "rexgroundingct";  // or radchestct
  std::string split = "test";              // test or val (ReXGroundingCT)
  bool force = false;                      // replace an earlier evaluation
  std::size_t bootstrap = 1000;            // resamples of the 95 % intervals
};

// Returns results.json's content.
nlohmann::json evaluate_run(const std::filesystem::path& run_dir, const EvaluateOptions& options);

// The flat metric names of a results.json ("cls.auroc_macro", "seg.dice_mean", "rep.bleu4", ...),
// nulls left out.
std::map<std::string, double> flat_metrics(const nlohmann::json& results);

}  // namespace unict::experiments
