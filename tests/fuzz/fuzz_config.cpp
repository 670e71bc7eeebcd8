// The YAML config loader with a `base:` chain: the input is two files, split at the first line
// "#8<" (the run's config, then base.yaml); the run's config names base.yaml when it says
// `base: base.yaml`. Read through the whole schema of every section, as `unict train` does.
#include "fuzz_input.h"
#include "unict/experiments/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = unict::fuzz::as_text(data, size);
  const auto cut = text.find("\n#8<\n");
  const auto config = unict::fuzz::write_input("config/run.yaml", text.substr(0, cut));
  unict::fuzz::write_input("config/base.yaml", cut == std::string_view::npos ? std::string_view() : text.substr(cut + 5));
  unict::fuzz::refused_only_with_errors([&] { unict::experiments::load_config(config); });
  return 0;
}
