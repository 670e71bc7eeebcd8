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
#include "unict/experiments/slurm_config.h"
#include "unict/model/model_config.h"
#include "unict/train/distributed_config.h"
#include "unict/train/train_config.h"

namespace unict::experiments {

struct Config {
  core::RunConfig run;
  data::DataConfig data;
  data::SplitConfig split;
  data::PreprocessConfig preprocess;
  data::LoaderConfig loader;
  train::TrainConfig train;
  train::DistributedConfig distributed;
  model::ModelSettings model;  // model, encoder, seg_decoder, report_decoder, decode, tokenizer, loss
  SlurmConfig slurm;           // how `--launcher slurm` submits the folds (slurm_launcher.h)
};

// Every declared key, built once.
std::shared_ptr<const core::Schema> config_schema();

// Defaults < `file` and its base chain < overrides ("key.path=value").
core::ResolvedConfig resolve_config(const std::filesystem::path& file, const std::vector<std::string>& overrides = {});

// A config as resolved (every key's value and where it was set: what config.yaml records and what
// errors cite) and read into its typed sections, made together once. The experiments layer takes
// this pair, so a config is never typed twice.
struct LoadedConfig {
  core::ResolvedConfig resolved;
  Config typed;
};

// Reads every section and checks the rules that span several keys (model::validate_model_settings).
LoadedConfig load_config(core::ResolvedConfig resolved);
// resolve_config, then the above.
LoadedConfig load_config(const std::filesystem::path& file, const std::vector<std::string>& overrides = {});

}  // namespace unict::experiments
