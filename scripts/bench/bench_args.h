// Argument helpers shared by the benchmark programs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace unict::bench {

// "48,64,64" -> {48, 64, 64}.
inline std::vector<std::int64_t> parse_size(const std::string& text) {
  std::vector<std::int64_t> out;
  std::size_t start = 0;
  for (;;) {
    const auto comma = text.find(',', start);
    out.push_back(std::stoll(text.substr(start, comma - start)));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

}  // namespace unict::bench
