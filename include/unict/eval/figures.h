// Figures as PNG files (PLplot's C++ API, pngcairo driver), readable without any other tool:
// ROC and PR curves per class, the task-attention matrix as an annotated heatmap, training
// curves from metrics.jsonl, and an example panel (an axial slice with ground-truth and predicted
// mask contours, the generated and the reference report). Files are written atomically.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "unict/eval/classification.h"

namespace unict::eval {

// The ROC curve (false positive rate, true positive rate) and PR curve (recall, precision) points
// of one class, one point per distinct score threshold, from (0, 0) / (0, 1).
struct Curve {
  std::vector<double> x, y;
};
Curve roc_curve(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels);
Curve pr_curve(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels);

// Two panels, ROC and PR, one coloured curve per defined class, AUROC / AP in the legend.
void plot_roc_pr(const ScoredCases& data, const std::filesystem::path& png);

// `matrix[i][j]`: how much task i attends to task j; values printed in the cells.
void plot_attention(const std::vector<std::vector<double>>& matrix, const std::vector<std::string>& tasks, const std::string& title,
                    const std::filesystem::path& png);

// From metrics.jsonl (x: "step"): one panel per task loss with its training and validation curves
// on the same axes (total, cls, seg, rep; a panel only where the run has that loss), and one panel
// of the validation task metrics (macro AUROC, mean Dice) on [0, 1].
void plot_training_curves(const std::filesystem::path& metrics_jsonl, const std::filesystem::path& png);

struct ExamplePanel {
  std::vector<float> slice;  // y * x, intensities in [0, 1]
  std::int64_t height = 0, width = 0;
  std::vector<std::uint8_t> truth, predicted;  // y * x masks (any class), may be empty
  std::string title, generated_report, reference_report;
};
void plot_example(const ExamplePanel& panel, const std::filesystem::path& png);

}  // namespace unict::eval
