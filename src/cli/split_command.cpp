// `unict split`: patient-level cross-validation folds written to splits.json.
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "config_options.h"
#include "unict/core/error.h"
#include "unict/data/label_set.h"
#include "unict/data/splits.h"
#include "unict/io/json.h"

namespace unict::cli {
namespace {

struct SplitOptions {
  ConfigOptions config;
  std::string out;
  bool force = false;
};

void split(const SplitOptions& options, const GlobalOptions& globals) {
  const LoadedConfig loaded = load_config(options.config, globals);
  const auto& config = loaded.typed;
  const std::filesystem::path out = options.out.empty() ? config.run.output_root / config.run.name / "splits.json" : std::filesystem::path(options.out);
  const data::LabelSet labels = data::load_label_set(config.data.label_set);
  const data::SampleSet samples = data::rexgrounding_samples(config.data, labels);
  for (const auto& skipped : samples.skipped) spdlog::debug("left out {}: {}", skipped.name, skipped.reason);
  const data::Splits splits = data::make_splits(samples, config.split, static_cast<std::uint64_t>(config.run.seed));
  const nlohmann::json json = data::splits_to_json(splits, samples);

  if (std::filesystem::exists(out)) {
    if (io::read_json(out) == json) {
      std::cout << out.string() << " is up to date\n";
      return;
    }
    if (!options.force) throw Error("a different splits file exists; runs may depend on it").file(out.string()).hint("pass --force to replace it");
  }
  std::filesystem::create_directories(out.parent_path());
  io::write_json(out, json);
  std::cout << "wrote " << out.string() << ": " << splits.folds << " folds over " << splits.volumes_of_patient.size() << " patients ("
            << samples.samples.size() << " volumes; " << samples.skipped.size() << " left out, see --log-level debug)\n";
  for (std::size_t f = 0; f < splits.fold.size(); ++f) {
    const auto& fold = splits.fold[f];
    std::cout << "  fold " << f << ": train " << fold.train.size() << ", val " << fold.val.size() << ", test " << fold.test.size() << " patients\n";
  }
}

}  // namespace

void add_split_command(CLI::App& app, const GlobalOptions& globals) {
  auto options = std::make_shared<SplitOptions>();
  CLI::App* cmd = app.add_subcommand("split", "Write patient-level, label-stratified cross-validation folds (splits.json)");
  add_config_options(*cmd, options->config);
  cmd->add_option("--out,-o", options->out, "Output file (default: <run.output_root>/<run.name>/splits.json)");
  cmd->add_flag("--force", options->force, "Replace a different existing splits file");
  cmd->callback([options, &globals] { split(*options, globals); });
}

}  // namespace unict::cli
