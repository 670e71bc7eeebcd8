// Words joined by a separator, for messages that list names ("cls, seg, rep").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace unict::core {

inline std::string join(const std::vector<std::string>& words, std::string_view separator = ", ") {
  std::string text;
  for (std::size_t i = 0; i < words.size(); ++i) text += (i ? std::string(separator) : "") + words[i];
  return text;
}

}  // namespace unict::core
