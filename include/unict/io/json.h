// JSON files (nlohmann::json). The forward header keeps this include light; code that reads
// values includes <nlohmann/json.hpp> itself.
#pragma once

#include <filesystem>

#include <nlohmann/json_fwd.hpp>

namespace unict::io {

// Parse errors name the file, line and column.
nlohmann::json read_json(const std::filesystem::path& file);
// Written atomically, pretty-printed with `indent` spaces (-1: one line).
void write_json(const std::filesystem::path& file, const nlohmann::json& value, int indent = 2);

}  // namespace unict::io
