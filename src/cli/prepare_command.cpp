// `unict prepare`: preprocess every sample once into the cache.
#include <iostream>

#include <CLI/CLI.hpp>

#include "config_options.h"
#include "unict/core/thread_pool.h"
#include "unict/data/label_set.h"
#include "unict/data/prepare.h"

namespace unict::cli {
namespace {

struct PrepareCommandOptions {
  ConfigOptions config;
  std::string dataset = "rexgroundingct";
};

void prepare(const PrepareCommandOptions& options, const GlobalOptions& globals) {
  const LoadedConfig loaded = load_config(options.config, globals);
  const auto& c = loaded.typed;
  const data::LabelSet labels = data::load_label_set(c.data.label_set);
  const data::SampleSet samples =
      options.dataset == "radchestct" ? data::radchestct_samples(c.data, labels) : data::rexgrounding_samples(c.data, labels);
  data::PrepareOptions prepare_options;
  prepare_options.cache_root = c.data.cache_dir;
  prepare_options.dataset = options.dataset;
  prepare_options.on_error = c.data.on_error;
  prepare_options.threads = static_cast<std::size_t>(c.run.threads);
  const auto settings = data::cache_settings(samples, c.preprocess, c.data, options.dataset);
  const auto result = data::prepare_cache(samples, c.preprocess, settings, prepare_options);
  std::cout << "cache: " << result.folder.string() << "\n";  // the counts are in the log summary
}

}  // namespace

void add_prepare_command(CLI::App& app, const GlobalOptions& globals) {
  auto options = std::make_shared<PrepareCommandOptions>();
  CLI::App* cmd = app.add_subcommand("prepare", "Preprocess every volume once into the cache (resampled, windowed, cropped; masks aligned)");
  add_config_options(*cmd, options->config);
  cmd->add_option("--dataset", options->dataset, "Which samples: rexgroundingct (training) or radchestct (external validation)")
      ->check(CLI::IsMember({"rexgroundingct", "radchestct"}))->capture_default_str();
  cmd->callback([options, &globals] { prepare(*options, globals); });
}

}  // namespace unict::cli
