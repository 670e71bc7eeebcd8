// JSON files (nlohmann), as every JSON the framework reads goes through io::read_json.
#include <nlohmann/json.hpp>

#include "fuzz_input.h"
#include "unict/io/json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = unict::fuzz::write_input("input.json", unict::fuzz::as_text(data, size));
  unict::fuzz::refused_only_with_errors([&] { unict::io::read_json(file); });
  return 0;
}
