// JSON Lines (metrics.jsonl, reports.jsonl): each non-blank line a JSON value.
#include <nlohmann/json.hpp>

#include "fuzz_input.h"
#include "unict/io/json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = unict::fuzz::write_input("input.jsonl", unict::fuzz::as_text(data, size));
  unict::fuzz::refused_only_with_errors([&] { unict::io::for_each_json_line(file, [](const nlohmann::json&, int) {}); });
  return 0;
}
