// `unict config show` and `unict config keys`.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "config_options.h"
#include "unict/core/log.h"
#include "unict/experiments/config.h"

namespace unict::cli {
namespace {

struct ShowOptions {
  ConfigOptions config;
  bool origins = false;
};

void show(const ShowOptions& options, const GlobalOptions& globals) {
  const LoadedConfig loaded = load_config(options.config, globals);
  core::ResolvedConfig::YamlOptions yaml;
  yaml.origin_comments = options.origins;
  std::cout << loaded.resolved.to_yaml(yaml);
}

// One row per key: key, type, default, allowed values, help; columns aligned.
void print_key_table(const core::Schema& schema) {
  std::vector<std::vector<std::string>> rows = {{"KEY", "TYPE", "DEFAULT", "ALLOWED", "HELP"}};
  for (const auto& spec : schema.keys()) {
    rows.push_back({spec.path, std::string(core::type_name(spec.type)), core::format_value(spec.default_value),
                    spec.allowed(), spec.help});
  }
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

}  // namespace

void add_config_command(CLI::App& app, const GlobalOptions& globals) {
  CLI::App* config = app.add_subcommand("config", "Inspect configurations");
  config->require_subcommand(1);

  auto show_options = std::make_shared<ShowOptions>();
  CLI::App* show_cmd = config->add_subcommand("show", "Print the fully resolved configuration as YAML");
  add_config_options(*show_cmd, show_options->config);
  show_cmd->add_flag("--origins", show_options->origins, "Annotate each value that is not a default with where it was set");
  show_cmd->callback([show_options, &globals] { show(*show_options, globals); });

  auto as_yaml = std::make_shared<bool>(false);
  CLI::App* keys_cmd = config->add_subcommand("keys", "List every configuration key with its type, default and help");
  keys_cmd->add_flag("--yaml", *as_yaml, "Print the defaults as commented YAML (the content of configs/base.yaml)");
  keys_cmd->callback([as_yaml] {
    const auto schema = experiments::config_schema();
    if (*as_yaml) {
      core::ResolvedConfig::YamlOptions yaml;
      yaml.help_comments = true;
      std::cout << core::ResolvedConfig(schema).to_yaml(yaml);
    } else {
      print_key_table(*schema);
    }
  });
}

}  // namespace unict::cli
