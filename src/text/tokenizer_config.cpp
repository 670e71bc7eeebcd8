#include "unict/text/tokenizer_config.h"

namespace unict::text {
namespace {

using core::Range;

core::Section<TokenizerConfig> make_tokenizer_section() {
  core::Section<TokenizerConfig> s("tokenizer");
  s.key("vocab_size", &TokenizerConfig::vocab_size, std::int64_t{2000},
        "SentencePiece vocabulary, the 4 special pieces (PAD 0, UNK 1, BOS 2, EOS 3) included")
      .in_range(Range::closed(8, 1000000));
  s.key("model_type", &TokenizerConfig::model_type, std::string("unigram"), "SentencePiece model type")
      .one_of({"unigram", "bpe", "word", "char"});
  s.key("character_coverage", &TokenizerConfig::character_coverage, 1.0, "share of characters the vocabulary must cover")
      .in_range(Range::closed(0.9, 1));
  return s;
}

}  // namespace

const core::Section<TokenizerConfig>& tokenizer_section() {
  static const core::Section<TokenizerConfig> section = make_tokenizer_section();
  return section;
}

}  // namespace unict::text
