// NPY: the header (magic, version, the Python-literal dictionary) and the data's length.
#include "fuzz_input.h"
#include "unict/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  unict::fuzz::refused_only_with_errors([&] { unict::io::parse_npy(std::string(unict::fuzz::as_text(data, size)), "fuzz.npy"); });
  return 0;
}
