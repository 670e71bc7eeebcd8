// What every fuzz target shares: the input written to a file in a scratch folder of this process
// (the parsers read files, as the framework does), and the rule that a parser may refuse an input
// only with a unict::Error. Any other exception escapes LLVMFuzzerTestOneInput and ends the run as
// a crash: a parser that lets a library's exception through fails the user with a bare message.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include "unict/core/error.h"

namespace unict::fuzz {

// This process's scratch folder, made at first use and removed at exit.
inline const std::filesystem::path& scratch() {
  static const std::filesystem::path folder = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "unict-fuzz-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    static const std::string removed = pattern;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(removed, ec);
    });
    return std::filesystem::path(pattern);
  }();
  return folder;
}

// Writes `bytes` to `name` under the scratch folder (creating its folders) and returns its path.
inline std::filesystem::path write_input(const std::string& name, std::string_view bytes) {
  const auto file = scratch() / name;
  std::filesystem::create_directories(file.parent_path());
  std::FILE* out = std::fopen(file.c_str(), "wb");
  if (!out) throw std::runtime_error("cannot write " + file.string());
  if (!bytes.empty()) std::fwrite(bytes.data(), 1, bytes.size(), out);  // an empty view's data() may be null
  std::fclose(out);
  return file;
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) { return {reinterpret_cast<const char*>(data), size}; }

// Runs `parse`; a unict::Error (a refusal with a message) is an accepted outcome.
template <class Parse>
void refused_only_with_errors(Parse&& parse) {
  try {
    parse();
  } catch (const Error&) {
  }
}

}  // namespace unict::fuzz
