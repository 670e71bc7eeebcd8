// `unict prepare`: preprocess every sample once into the cache.
#include <iostream>

#include <CLI/CLI.hpp>

#include "config_options.h"
#include "unict/data/dataset_registry.h"
#include "unict/experiments/run_setup.h"

namespace unict::cli {
namespace {

struct PrepareCommandOptions {
  ConfigOptions config;
  std::string dataset = data::training_dataset().id;
};

void prepare(const PrepareCommandOptions& options, const GlobalOptions& globals) {
  const LoadedConfig loaded = load_config(options.config, globals);
  const auto run_data = experiments::load_run_data(loaded.typed, data::dataset_spec(options.dataset));
  std::cout << "cache: " << run_data.cache.string() << "\n";  // the counts are in the log summary
}

}  // namespace

void add_prepare_command(CLI::App& app, const GlobalOptions& globals) {
  auto options = std::make_shared<PrepareCommandOptions>();
  CLI::App* cmd = app.add_subcommand("prepare", "Preprocess every volume once into the cache (resampled, windowed, cropped; masks aligned)");
  add_config_options(*cmd, options->config);
  cmd->add_option("--dataset", options->dataset, "Which samples: " + dataset_choices())->check(CLI::IsMember(data::dataset_ids()))->capture_default_str();
  cmd->callback([options, &globals] { prepare(*options, globals); });
}

}  // namespace unict::cli
