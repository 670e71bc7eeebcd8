// A cache item (.uct): prefix, JSON header, voxels and packed masks. Most mutated inputs would
// stop at the checksum, so the checksum is made right for inputs of even length (a rule of the
// input alone, so that a crash replays): the header and the lengths behind it get fuzzed too, and
// so does the checksum's own refusal.
#include "fuzz_input.h"
#include "unict/core/checksum.h"
#include "unict/data/cache_item.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(unict::fuzz::as_text(data, size));
  static unsigned inputs = 0;
  ++inputs;
  if (bytes.size() >= 32 && bytes.size() % 2 == 0) {
    const std::uint32_t crc = unict::core::crc32(bytes.data() + 32, bytes.size() - 32);
    for (int b = 0; b < 8; ++b) bytes[24 + b] = b < 4 ? static_cast<char>((crc >> (8 * b)) & 0xff) : '\0';
  }
  // A new name each time: the reader trusts a file it verified before (by inode, size and time).
  const auto file = unict::fuzz::write_input("item" + std::to_string(inputs) + ".uct", bytes);
  unict::fuzz::refused_only_with_errors([&] { unict::data::inspect_cache_item(file); });
  std::filesystem::remove(file);
  return 0;
}
