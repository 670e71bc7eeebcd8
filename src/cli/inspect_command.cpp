// `unict inspect FILE`: JSON about a volume file.
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "unict/io/inspect.h"

namespace unict::cli {

void add_inspect_command(CLI::App& app) {
  struct Options {
    std::string file, member;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("inspect", "Print JSON about a volume file (NIfTI, NPY, NPZ member): dtype, shape, geometry, statistics");
  cmd->add_option("file", options->file, "The volume file")->required();
  cmd->add_option("--member", options->member, "The .npz member to read (default: the only one)");
  cmd->callback([options] { std::cout << io::inspect_file(options->file, options->member).dump(2) << "\n"; });
}

}  // namespace unict::cli
