// ReXGroundingCT's dataset.json: splits, entries, findings keyed by mask channel, categories as a
// mapping or a list, pixel and entity counts.
#include "fuzz_input.h"
#include "unict/data/rexgrounding.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = unict::fuzz::write_input("rexgroundingct/dataset.json", unict::fuzz::as_text(data, size));
  unict::fuzz::refused_only_with_errors([&] { unict::data::load_rexgrounding(file.parent_path(), "dataset.json"); });
  return 0;
}
