// The subcommands of `unict`. Each add_*_command registers one subcommand (and its children) on
// the app; the CLI stays thin: parse, load the config, call one function of the layers below.
#pragma once

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace unict::cli {

// Options given before the subcommand, shared by all of them.
struct GlobalOptions {
  std::optional<std::string> log_level;  // --log-level; wins over run.log_level
};

void add_config_command(CLI::App& app, const GlobalOptions& globals);
void add_synth_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_split_command(CLI::App& app, const GlobalOptions& globals);
void add_prepare_command(CLI::App& app, const GlobalOptions& globals);
void add_model_command(CLI::App& app, const GlobalOptions& globals);
void add_metrics_command(CLI::App& app);
void add_train_commands(CLI::App& app, const GlobalOptions& globals);  // train, evaluate, cv, ablate, predict
void add_sweep_commands(CLI::App& app);                                // status, sweep task | record | summarize

}  // namespace unict::cli
