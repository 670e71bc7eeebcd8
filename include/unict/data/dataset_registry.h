// The data sets a run reads, declared once in dataset_registry.cpp: how its samples are read,
// which config keys its cache depends on, whether the folds are drawn from it, which tasks its
// ground truth scores and in which classes. Preparation, training, evaluation, cross-validation
// and the CLI's --dataset all go through this table; an unknown id is an Error that names it.
//
// Adding a data set: its reader (a SampleSet from the data config) and one entry in declare().
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "unict/core/task.h"
#include "unict/data/data_config.h"
#include "unict/data/label_set.h"
#include "unict/data/samples.h"

namespace unict::data {

// The registered ids; the synthetic generator names its folders after them.
inline constexpr const char* kReXGroundingCT = "rexgroundingct";
inline constexpr const char* kRadChestCT = "radchestct";

struct DatasetSpec {
  std::string id;     // --dataset, the cache folder's prefix, an external evaluation's folder and summary prefix
  std::string title;  // for people: "ReXGroundingCT"
  // true: the folds are drawn from it, and a run is scored on its fold's test or val volumes.
  // false: external validation on every volume, by each fold's model.
  bool trains = false;
  std::vector<core::Task> scored;  // the tasks its ground truth can score
  // Its samples' labels are in these classes, made from the label set's (each a merge of
  // members); empty function: the label set's own classes.
  std::function<std::vector<LabelSet::ExternalClass>(const LabelSet&)> own_classes;
  std::function<SampleSet(const DataConfig&, const LabelSet&)> read;
  std::function<nlohmann::json(const DataConfig&)> source_settings;  // the data.* keys its cache depends on
  std::function<bool(const DataConfig&)> configured;                 // the config names where it is

  bool scores(core::Task task) const;
};

// In declaration order; exactly one entry trains.
const std::vector<DatasetSpec>& dataset_registry();
// The data set called `id`; an Error names the id and the choices.
const DatasetSpec& dataset_spec(std::string_view id);
const DatasetSpec& training_dataset();
std::vector<std::string> dataset_ids();
// The external data sets (trains == false) that this config names.
std::vector<const DatasetSpec*> external_datasets(const DataConfig& config);

}  // namespace unict::data
