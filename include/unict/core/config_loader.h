// Loading a configuration: the declared defaults, then a YAML file and its `base:` chain, then
// `--set key.path=value` overrides. Precedence: defaults < base chain (depth first, later bases
// win) < the file itself < overrides (in order, last wins).
//
// - `base:` is a path or a list of paths, relative to the file that names it; a cycle is an error
//   that shows the chain.
// - Every key must be declared: an unknown key is an error that names the file, line and full
//   key path, and suggests the nearest declared key.
// - Values are checked against the key's type and constraints where they are read, so an error
//   points at the file and line that set the bad value.
// - Path values are made absolute against the current working directory when read.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "unict/core/resolved_config.h"

namespace unict::core {

ResolvedConfig load_config(std::shared_ptr<const Schema> schema, const std::filesystem::path& file,
                           const std::vector<std::string>& overrides = {});

// Applies one "key.path=value" override. The value is read as YAML flow text for bools, numbers
// and lists ("[1, 2]", or "1,2"), and taken verbatim for strings and paths.
void apply_override(ResolvedConfig& config, std::string_view assignment);

}  // namespace unict::core
