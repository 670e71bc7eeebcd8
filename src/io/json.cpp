#include "unict/io/json.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "unict/core/atomic_file.h"
#include "unict/core/error.h"

namespace unict::io {

nlohmann::json read_json(const std::filesystem::path& file) {
  const std::string text = core::read_file(file);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based; turn it into a line number.
    const std::size_t upto = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(upto), '\n'));
    std::string reason = e.what();
    if (const auto colon = reason.rfind(": "); colon != std::string::npos) reason = reason.substr(colon + 2);
    throw Error("invalid JSON: " + reason).file(file.string()).line(line);
  } catch (const nlohmann::json::exception& e) {  // a number past double's range (found by fuzzing)
    std::string reason = e.what();
    if (const auto bracket = reason.find("] "); bracket != std::string::npos) reason = reason.substr(bracket + 2);
    throw Error("invalid JSON: " + reason).file(file.string());
  }
}

void write_json(const std::filesystem::path& file, const nlohmann::json& value, int indent) {
  core::write_file_atomic(file, value.dump(indent) + "\n");
}

void for_each_json_line(const std::filesystem::path& file, const std::function<void(const nlohmann::json&, int)>& visit,
                        const std::string& expected) {
  std::ifstream in(file);
  if (!in) throw Error("cannot open: " + system_reason(errno)).file(file.string());
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      Error error("invalid JSON");
      error.file(file.string()).line(number);
      if (!expected.empty()) error.expected(expected);
      throw error;
    }
    visit(value, number);
  }
}

}  // namespace unict::io
