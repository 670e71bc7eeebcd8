// Every metric UniCT records, selects on, summarises or compares, declared once in
// metric_registry.cpp: its id, its task, which way is better, how it is printed, whether the fold
// summary also pools it, and its column in the ablation table. Evaluation, validation, the
// trainer's checkpoint selection, the fold summaries and the ablation tables all read this table;
// an id that is not declared here is an Error that names it.
//
// Ids are <part>.<task>.<name> for what training logs (train.cls.loss, val.seg.dice_mean; the
// totals train.loss and val.loss have no task) and <task>.<name> for what an evaluation scores
// (cls.auroc_macro, seg.dice_mean, rep.bleu4). Summaries prefix an external data set's metrics
// with its id (radchestct.cls.auroc_macro).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "unict/core/task.h"

namespace unict::eval {

enum class MetricStage {
  training,    // metrics.jsonl's training rows (running means over log_every updates)
  validation,  // metrics.jsonl's validation rows; train.selection_metric picks among these
  evaluation,  // an evaluation's results.json, the fold summaries and the ablation tables
};

// How two variants' fold results are compared in the ablation table.
enum class PairedTest {
  patient_bootstrap,  // paired bootstrap of patients over the pooled test predictions
  fold_sign_flip,     // exact sign-flip permutation test over the folds' values
};

struct MetricSpec {
  std::string id;
  std::optional<core::Task> task;  // none for the total losses
  MetricStage stage = MetricStage::evaluation;
  bool higher_is_better = true;
  int decimals = 4;                // printed with this many decimals
  // The fold summary also scores all folds' test predictions together, with a patient-bootstrap
  // interval (threshold-free classification metrics only: each fold has its own thresholds).
  bool pooled = false;
  PairedTest paired_test = PairedTest::fold_sign_flip;
  std::string statistic;           // classification metrics: the name in classification_metric_names()
  std::string table_title;         // its column in ablation tables; empty: not a column
};

// In declaration order (the order of summaries and of the ablation table's columns).
const std::vector<MetricSpec>& metric_registry();
// The declared metric; an Error names an unknown id (and the nearest declared one).
const MetricSpec& metric_spec(std::string_view id);
const MetricSpec* find_metric(std::string_view id);
std::vector<std::string> metric_ids(MetricStage stage);

// The id of a classification statistic's macro average: "auroc" -> cls.auroc_macro.
const MetricSpec& classification_metric(std::string_view statistic);

// The value as the tables print it (its declared decimals).
std::string format_metric(const MetricSpec& spec, double value);

// Values of declared metrics by id. A value may be undefined on the scored volumes (an AUROC of
// a class without positives): it is recorded as absent, so "not defined" and "not computed"
// differ.
class MetricValues {
 public:
  void set(std::string_view id, std::optional<double> value);  // Error on an undeclared id
  bool has(std::string_view id) const;                          // recorded, maybe undefined
  std::optional<double> get(std::string_view id) const;         // Error on an undeclared id
  void merge(const MetricValues& other);
  const std::map<std::string, std::optional<double>>& entries() const { return values_; }
  bool empty() const { return values_.empty(); }

 private:
  std::map<std::string, std::optional<double>> values_;
};

}  // namespace unict::eval
