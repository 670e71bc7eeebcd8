// The report tokenizer: a SentencePiece model trained on the training reports of one fold (never
// on validation or test reports), kept in the run folder and reloaded from it. The special ids are
// fixed whatever the vocabulary: PAD 0, UNK 1, BOS 2, EOS 3.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "unict/text/tokenizer_config.h"
#include "unict/text/special_tokens.h"

namespace unict::text::detail {
class SentencePieceModel;  // src/text/sentencepiece_api.h
}

namespace unict::text {

class ReportTokenizer {
 public:
  static constexpr std::int64_t kPad = kPadId, kUnk = kUnkId, kBos = kBosId, kEos = kEosId;

  // Trains on `reports` (deterministic: one thread, input order kept). The vocabulary may come
  // out smaller than config.vocab_size when the reports hold fewer distinct pieces.
  static ReportTokenizer train(const std::vector<std::string>& reports, const TokenizerConfig& config);
  // Reads a model written by save(); an unreadable or foreign file is an Error naming it.
  static ReportTokenizer load(const std::filesystem::path& file);
  // Writes the model atomically.
  void save(const std::filesystem::path& file) const;

  ReportTokenizer(ReportTokenizer&&) noexcept;
  ReportTokenizer& operator=(ReportTokenizer&&) noexcept;
  ~ReportTokenizer();

  std::int64_t vocab_size() const;
  // Piece ids without BOS / EOS.
  std::vector<std::int64_t> encode(const std::string& text) const;
  // What the report decoder trains on: BOS, the pieces (cut to fit), EOS; at most max_tokens ids.
  std::vector<std::int64_t> frame(const std::string& text, std::int64_t max_tokens) const;
  // Skips PAD, BOS and EOS ids; stops at the first EOS.
  std::string decode(const std::vector<std::int64_t>& ids) const;
  std::string piece(std::int64_t id) const;

 private:
  explicit ReportTokenizer(std::unique_ptr<detail::SentencePieceModel> processor);
  std::unique_ptr<detail::SentencePieceModel> processor_;
};

}  // namespace unict::text
