#include "config_options.h"

#include <CLI/CLI.hpp>

#include "unict/core/log.h"

namespace unict::cli {

void add_config_options(CLI::App& command, ConfigOptions& options) {
  command.add_option("--config,-c", options.file, "YAML config file")->required();
  command.add_option("--set", options.overrides, "Override a key: --set train.lr=0.0003 (repeatable)")->allow_extra_args(false);
}

LoadedConfig load_config(const ConfigOptions& options, const GlobalOptions& globals) {
  core::ResolvedConfig resolved = experiments::resolve_config(options.file, options.overrides);
  experiments::Config typed = experiments::typed_config(resolved);
  if (!globals.log_level) core::set_log_level(typed.run.log_level);
  return {std::move(resolved), std::move(typed)};
}

}  // namespace unict::cli
