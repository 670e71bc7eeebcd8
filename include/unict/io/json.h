// JSON files (nlohmann::json). The forward header keeps this include light; code that reads
// values includes <nlohmann/json.hpp> itself.
#pragma once

#include <filesystem>
#include <functional>

#include <nlohmann/json_fwd.hpp>

namespace unict::io {

// Parse errors name the file, line and column.
nlohmann::json read_json(const std::filesystem::path& file);
// Written atomically, pretty-printed with `indent` spaces (-1: one line).
void write_json(const std::filesystem::path& file, const nlohmann::json& value, int indent = 2);

// JSON Lines: calls `visit(value, line)` for each non-blank line; a line that is not JSON is an
// Error naming the file and line (and `expected`, when given).
void for_each_json_line(const std::filesystem::path& file, const std::function<void(const nlohmann::json&, int)>& visit,
                        const std::string& expected = "");

}  // namespace unict::io
