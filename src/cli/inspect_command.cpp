// `unict inspect FILE`: JSON about a volume file.
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "unict/data/cache_item.h"
#include "unict/io/inspect.h"

namespace unict::cli {

void add_inspect_command(CLI::App& app) {
  struct Options {
    std::string file, member;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("inspect", "Print JSON about a volume file (NIfTI, NPY, NPZ member, cache item): dtype, shape, geometry, statistics");
  cmd->add_option("file", options->file, "The volume file")->required();
  cmd->add_option("--member", options->member, "The .npz member to read (default: the only one)");
  cmd->callback([options] {
    const std::string& file = options->file;
    if (file.size() > 4 && file.compare(file.size() - 4, 4, ".uct") == 0) {
      std::cout << data::inspect_cache_item(file).dump(2) << "\n";
    } else {
      std::cout << io::inspect_file(file, options->member).dump(2) << "\n";
    }
  });
}

}  // namespace unict::cli
