// CT-RATE's metadata CSV, read as the v1 tree does: volume names, rescale slope and intercept, and
// the Python-list fields of spacing, position and orientation that make each volume's geometry.
#include "fuzz_input.h"
#include "unict/data/ctrate.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = unict::fuzz::write_input("ctrate/dataset/metadata/train_metadata.csv", unict::fuzz::as_text(data, size));
  unict::fuzz::refused_only_with_errors([&] { unict::data::CtRateIndex::load(unict::fuzz::scratch() / "ctrate", "v1"); });
  return 0;
}
