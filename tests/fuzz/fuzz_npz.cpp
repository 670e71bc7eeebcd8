// NPZ: the zip path (libzip), then each member as NPY, as RAD-ChestCT's volumes are read.
#include "fuzz_input.h"
#include "unict/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = unict::fuzz::write_input("input.npz", unict::fuzz::as_text(data, size));
  unict::fuzz::refused_only_with_errors([&] {
    for (const auto& member : unict::io::npz_members(file)) unict::io::read_npz_member(file, member);
  });
  return 0;
}
