#include "unict/text/nlg_tokenize.h"

#include <cctype>

namespace unict::text {

std::vector<std::string> nlg_tokens(const std::string& text) {
  std::vector<std::string> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    std::size_t begin = i, end = j;
    while (begin < end && std::ispunct(static_cast<unsigned char>(text[begin]))) ++begin;
    while (end > begin && std::ispunct(static_cast<unsigned char>(text[end - 1]))) --end;
    if (begin < end) {
      std::string token = text.substr(begin, end - begin);
      for (auto& ch : token) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      tokens.push_back(std::move(token));
    }
    i = j;
  }
  return tokens;
}

}  // namespace unict::text
