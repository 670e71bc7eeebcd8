// The `tokenizer` section: how the report tokenizer is trained on a fold's training reports.
// LibTorch-free, and in the text layer so the tokenizer needs nothing above it.
#pragma once

#include <cstdint>
#include <string>

#include "unict/core/config_schema.h"

namespace unict::text {

struct TokenizerConfig {
  std::int64_t vocab_size = 0;
  std::string model_type;
  double character_coverage = 0;
};
const core::Section<TokenizerConfig>& tokenizer_section();

}  // namespace unict::text
