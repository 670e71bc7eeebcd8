// The whole configuration of UniCT: one typed struct per layer, and the schema that declares
// every key. This is the only place that knows all sections; a layer's code receives its own.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "unict/core/resolved_config.h"
#include "unict/core/run_config.h"
#include "unict/data/data_config.h"
#include "unict/data/loader_config.h"
#include "unict/data/preprocess.h"
#include "unict/data/splits.h"
#include "unict/model/model_config.h"
#include "unict/train/train_config.h"

namespace unict::experiments {

struct Config {
  core::RunConfig run;
  data::DataConfig data;
  data::SplitConfig split;
  data::PreprocessConfig preprocess;
  data::LoaderConfig loader;
  train::TrainConfig train;
  model::ModelSettings model;  // model, encoder, seg_decoder, report_decoder, decode, tokenizer, loss
};

// Every declared key, built once.
std::shared_ptr<const core::Schema> config_schema();

// Defaults < `file` and its base chain < overrides ("key.path=value").
core::ResolvedConfig resolve_config(const std::filesystem::path& file, const std::vector<std::string>& overrides = {});

// Also checks the rules that span several keys (model::validate_model_settings).
Config typed_config(const core::ResolvedConfig& resolved);

}  // namespace unict::experiments
