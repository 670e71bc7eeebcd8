#include "unict/eval/metric_registry.h"

#include "unict/core/error.h"
#include "unict/core/number_format.h"
#include "unict/core/string_distance.h"

namespace unict::eval {
namespace {

using core::Task;

MetricSpec loss(std::string id, std::optional<Task> task, MetricStage stage) {
  MetricSpec m;
  m.id = std::move(id), m.task = task, m.stage = stage, m.higher_is_better = false;
  return m;
}

MetricSpec classification(const std::string& statistic, bool threshold_free, std::string title = "") {
  MetricSpec m;
  m.id = "cls." + statistic + "_macro", m.task = Task::cls, m.pooled = threshold_free, m.paired_test = PairedTest::patient_bootstrap;
  m.statistic = statistic, m.table_title = std::move(title);
  return m;
}

MetricSpec scored(std::string id, Task task, std::string title = "") {
  MetricSpec m;
  m.id = std::move(id), m.task = task, m.table_title = std::move(title);
  return m;
}

MetricSpec validation_score(std::string id, Task task) {
  MetricSpec m;
  m.id = std::move(id), m.task = task, m.stage = MetricStage::validation;
  return m;
}

// The declarations. A new metric is one line here and its computation (which sets its value).
std::vector<MetricSpec> declare() {
  const auto training = MetricStage::training, validation = MetricStage::validation;
  return {
      loss("train.loss", std::nullopt, training),
      loss("train.cls.loss", Task::cls, training),
      loss("train.seg.loss", Task::seg, training),
      loss("train.rep.loss", Task::rep, training),
      loss("val.loss", std::nullopt, validation),
      loss("val.cls.loss", Task::cls, validation),
      loss("val.seg.loss", Task::seg, validation),
      loss("val.rep.loss", Task::rep, validation),
      validation_score("val.cls.auroc_macro", Task::cls),
      validation_score("val.seg.dice_mean", Task::seg),
      classification("f1", false, "F1"),
      classification("auroc", true, "AUROC"),
      classification("ap", true, "mAP"),
      classification("precision", false),
      classification("recall", false),
      classification("specificity", false),
      classification("accuracy", false),
      scored("seg.dice_mean", Task::seg, "Dice"),
      scored("seg.hit_rate", Task::seg),
      scored("seg.instance_f1", Task::seg),
      scored("rep.bleu1", Task::rep),
      scored("rep.bleu2", Task::rep),
      scored("rep.bleu3", Task::rep),
      scored("rep.bleu4", Task::rep, "BLEU-4"),
      scored("rep.meteor", Task::rep, "METEOR"),
      scored("rep.rouge_l", Task::rep, "ROUGE-L"),
      scored("rep.cider", Task::rep, "CIDEr"),
      scored("rep.ce_precision_macro", Task::rep),
      scored("rep.ce_recall_macro", Task::rep),
      scored("rep.ce_f1_macro", Task::rep, "CE F1"),
  };
}

std::vector<std::string> all_ids() {
  std::vector<std::string> ids;
  for (const auto& m : metric_registry()) ids.push_back(m.id);
  return ids;
}

}  // namespace

const std::vector<MetricSpec>& metric_registry() {
  static const std::vector<MetricSpec> registry = [] {
    auto specs = declare();
    for (std::size_t i = 0; i < specs.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (specs[i].id == specs[j].id) throw internal_error("metric declared twice: " + specs[i].id);
    return specs;
  }();
  return registry;
}

const MetricSpec* find_metric(std::string_view id) {
  for (const auto& m : metric_registry())
    if (m.id == id) return &m;
  return nullptr;
}

const MetricSpec& metric_spec(std::string_view id) {
  if (const auto* m = find_metric(id)) return *m;
  Error error("unknown metric");
  error.value(std::string(id));
  if (const auto near = core::nearest_word(id, all_ids())) error.hint("did you mean " + *near + "?");
  throw error.expected("a metric of eval/metric_registry.cpp");
}

std::vector<std::string> metric_ids(MetricStage stage) {
  std::vector<std::string> ids;
  for (const auto& m : metric_registry())
    if (m.stage == stage) ids.push_back(m.id);
  return ids;
}

const MetricSpec& classification_metric(std::string_view statistic) {
  for (const auto& m : metric_registry())
    if (m.task == Task::cls && m.stage == MetricStage::evaluation && m.statistic == statistic) return m;
  throw internal_error("classification statistic without a declared metric: " + std::string(statistic));
}

std::string format_metric(const MetricSpec& spec, double value) { return core::fixed(value, spec.decimals); }

void MetricValues::set(std::string_view id, std::optional<double> value) { values_[metric_spec(id).id] = value; }

bool MetricValues::has(std::string_view id) const { return values_.count(std::string(id)) > 0; }

std::optional<double> MetricValues::get(std::string_view id) const {
  const auto found = values_.find(metric_spec(id).id);
  return found == values_.end() ? std::nullopt : found->second;
}

void MetricValues::merge(const MetricValues& other) {
  for (const auto& [id, value] : other.values_) values_[id] = value;
}

}  // namespace unict::eval
