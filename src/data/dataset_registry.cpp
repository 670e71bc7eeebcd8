#include "unict/data/dataset_registry.h"

#include <algorithm>

#include "unict/core/error.h"

namespace unict::data {
namespace {

using core::Task;

DatasetSpec rexgroundingct() {
  DatasetSpec d;
  d.id = kReXGroundingCT, d.title = "ReXGroundingCT", d.trains = true, d.scored = {Task::cls, Task::seg, Task::rep};
  d.read = rexgrounding_samples;
  d.source_settings = [](const DataConfig& c) {
    return nlohmann::json{{"ctrate_root", c.ctrate_root.string()}, {"ctrate_tree", c.ctrate_tree},
                          {"rexgrounding_root", c.rexgrounding_root.string()}, {"rexgrounding_json", c.rexgrounding_json},
                          {"report_source", c.report_source}};
  };
  d.configured = [](const DataConfig& c) { return !c.rexgrounding_root.empty(); };
  return d;
}

DatasetSpec radchestct() {
  DatasetSpec d;
  d.id = kRadChestCT, d.title = "RAD-ChestCT", d.trains = false, d.scored = {Task::cls};
  d.own_classes = [](const LabelSet& labels) { return labels.radchestct_classes(); };
  d.read = radchestct_samples;
  d.source_settings = [](const DataConfig& c) {
    return nlohmann::json{{"radchestct_root", c.radchestct_root.string()}, {"radchestct_spacing", c.radchestct_spacing}};
  };
  d.configured = [](const DataConfig& c) { return !c.radchestct_root.empty(); };
  return d;
}

// The declarations. A new data set is its reader and one line here.
std::vector<DatasetSpec> declare() { return {rexgroundingct(), radchestct()}; }

}  // namespace

bool DatasetSpec::scores(Task task) const { return std::find(scored.begin(), scored.end(), task) != scored.end(); }

const std::vector<DatasetSpec>& dataset_registry() {
  static const std::vector<DatasetSpec> registry = [] {
    auto specs = declare();
    if (std::count_if(specs.begin(), specs.end(), [](const DatasetSpec& d) { return d.trains; }) != 1)
      throw internal_error("exactly one registered data set must be the training one");
    return specs;
  }();
  return registry;
}

std::vector<std::string> dataset_ids() {
  std::vector<std::string> ids;
  for (const auto& d : dataset_registry()) ids.push_back(d.id);
  return ids;
}

const DatasetSpec& dataset_spec(std::string_view id) {
  for (const auto& d : dataset_registry())
    if (d.id == id) return d;
  std::string choices;
  for (const auto& name : dataset_ids()) choices += (choices.empty() ? "" : " or ") + name;
  throw Error("unknown data set").key("--dataset").value(std::string(id)).expected(choices);
}

const DatasetSpec& training_dataset() {
  for (const auto& d : dataset_registry())
    if (d.trains) return d;
  throw internal_error("no training data set registered");
}

std::vector<const DatasetSpec*> external_datasets(const DataConfig& config) {
  std::vector<const DatasetSpec*> out;
  for (const auto& d : dataset_registry())
    if (!d.trains && d.configured(config)) out.push_back(&d);
  return out;
}

}  // namespace unict::data
