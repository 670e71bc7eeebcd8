// The --config / --set options that every config-driven subcommand takes, and loading them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "commands.h"
#include "unict/experiments/config.h"

namespace unict::cli {

struct ConfigOptions {
  std::string file;
  std::vector<std::string> overrides;
};

void add_config_options(CLI::App& command, ConfigOptions& options);

using experiments::LoadedConfig;

// Resolves the config and applies run.log_level (unless --log-level was given).
LoadedConfig load_config(const ConfigOptions& options, const GlobalOptions& globals);
// The same for the config.yaml of a run folder (`train --resume`, `evaluate`, `predict`).
LoadedConfig load_run_config(const std::filesystem::path& run_dir, const GlobalOptions& globals);

// --dataset's help: the registered data sets and what each is for.
std::string dataset_choices();

}  // namespace unict::cli
