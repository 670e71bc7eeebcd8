#include "config_options.h"

#include <CLI/CLI.hpp>

#include "unict/core/log.h"
#include "unict/data/dataset_registry.h"
#include "unict/experiments/run_folder.h"

namespace unict::cli {

void add_config_options(CLI::App& command, ConfigOptions& options) {
  command.add_option("--config,-c", options.file, "YAML config file")->required();
  command.add_option("--set", options.overrides, "Override a key: --set train.lr=0.0003 (repeatable)")->allow_extra_args(false);
}

namespace {

LoadedConfig applied(LoadedConfig loaded, const GlobalOptions& globals) {
  if (!globals.log_level) core::set_log_level(loaded.typed.run.log_level);
  return loaded;
}

}  // namespace

LoadedConfig load_config(const ConfigOptions& options, const GlobalOptions& globals) {
  return applied(experiments::load_config(options.file, options.overrides), globals);
}

LoadedConfig load_run_config(const std::filesystem::path& run_dir, const GlobalOptions& globals) {
  return applied(experiments::load_config(experiments::config_file(run_dir)), globals);
}

std::string dataset_choices() {
  std::string text;
  for (const auto& d : data::dataset_registry())
    text += (text.empty() ? "" : " or ") + d.id + (d.trains ? " (training; the fold's volumes)" : " (external validation)");
  return text;
}

}  // namespace unict::cli
