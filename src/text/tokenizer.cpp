#include "unict/text/tokenizer.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <unordered_map>

#include "unict/core/atomic_file.h"

namespace unict::text {
namespace {

// Feeds the reports to the trainer from memory, so no text file of reports is ever written.
class ReportIterator : public sentencepiece::SentenceIterator {
 public:
  explicit ReportIterator(const std::vector<std::string>& reports) : reports_(reports) { skip_empty(); }
  bool done() const override { return index_ >= reports_.size(); }
  void Next() override {
    ++index_;
    skip_empty();
  }
  const std::string& value() const override { return reports_[index_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  void skip_empty() {
    while (index_ < reports_.size() && reports_[index_].empty()) ++index_;
  }
  const std::vector<std::string>& reports_;
  std::size_t index_ = 0;
};

}  // namespace

ReportTokenizer::ReportTokenizer(std::unique_ptr<sentencepiece::SentencePieceProcessor> processor)
    : processor_(std::move(processor)) {}
ReportTokenizer::ReportTokenizer(ReportTokenizer&&) noexcept = default;
ReportTokenizer& ReportTokenizer::operator=(ReportTokenizer&&) noexcept = default;
ReportTokenizer::~ReportTokenizer() = default;

ReportTokenizer ReportTokenizer::train(const std::vector<std::string>& reports, const model::TokenizerConfig& config) {
  std::size_t non_empty = 0;
  for (const auto& r : reports) non_empty += !r.empty();
  if (non_empty == 0) throw Error("cannot train the report tokenizer: the training split has no report text");
  const std::unordered_map<std::string, std::string> args{
      {"model_type", config.model_type},
      {"vocab_size", std::to_string(config.vocab_size)},
      {"character_coverage", std::to_string(config.character_coverage)},
      {"hard_vocab_limit", "false"},  // a small corpus yields a smaller vocabulary, not an error
      {"pad_id", std::to_string(kPad)},
      {"unk_id", std::to_string(kUnk)},
      {"bos_id", std::to_string(kBos)},
      {"eos_id", std::to_string(kEos)},
      {"num_threads", "1"},  // bit-reproducible training
      {"shuffle_input_sentence", "false"},
      {"input_sentence_size", "0"},
      {"max_sentence_length", "65536"},
      {"minloglevel", "2"},
  };
  ReportIterator iterator(reports);
  std::string serialized;
  auto status = sentencepiece::SentencePieceTrainer::Train(args, &iterator, &serialized);
  if (!status.ok())
    throw Error("training the report tokenizer failed: " + std::string(status.message()))
        .key("tokenizer")
        .hint("vocab_size " + std::to_string(config.vocab_size) + ", model_type " + config.model_type);
  auto processor = std::make_unique<sentencepiece::SentencePieceProcessor>();
  status = processor->LoadFromSerializedProto(serialized);
  if (!status.ok()) throw internal_error("the trained tokenizer does not load: " + std::string(status.message()));
  return ReportTokenizer(std::move(processor));
}

ReportTokenizer ReportTokenizer::load(const std::filesystem::path& file) {
  const std::string bytes = core::read_file(file);
  auto processor = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = processor->LoadFromSerializedProto(bytes);
  if (!status.ok())
    throw Error("not a SentencePiece model: " + std::string(status.message())).file(file.string()).expected("a tokenizer.model written by unict");
  const bool ids_fixed = processor->pad_id() == kPad && processor->unk_id() == kUnk && processor->bos_id() == kBos &&
                         processor->eos_id() == kEos;
  if (!ids_fixed)
    throw Error("the tokenizer's special ids differ from UniCT's").file(file.string()).expected("PAD 0, UNK 1, BOS 2, EOS 3");
  return ReportTokenizer(std::move(processor));
}

void ReportTokenizer::save(const std::filesystem::path& file) const {
  core::write_file_atomic(file, processor_->serialized_model_proto());
}

std::int64_t ReportTokenizer::vocab_size() const { return processor_->GetPieceSize(); }

std::vector<std::int64_t> ReportTokenizer::encode(const std::string& text) const {
  std::vector<int> ids;
  const auto status = processor_->Encode(text, &ids);
  if (!status.ok()) throw internal_error("tokenizer encode failed: " + std::string(status.message()));
  return {ids.begin(), ids.end()};
}

std::vector<std::int64_t> ReportTokenizer::frame(const std::string& text, std::int64_t max_tokens) const {
  if (max_tokens < 2) throw internal_error("a framed report needs room for BOS and EOS");
  auto pieces = encode(text);
  if (static_cast<std::int64_t>(pieces.size()) > max_tokens - 2) pieces.resize(static_cast<std::size_t>(max_tokens - 2));
  std::vector<std::int64_t> ids{kBos};
  ids.insert(ids.end(), pieces.begin(), pieces.end());
  ids.push_back(kEos);
  return ids;
}

std::string ReportTokenizer::decode(const std::vector<std::int64_t>& ids) const {
  std::vector<int> kept;
  for (auto id : ids) {
    if (id == kEos) break;
    if (id == kPad || id == kBos) continue;
    if (id < 0 || id >= vocab_size()) throw internal_error("token id " + std::to_string(id) + " is outside the vocabulary");
    kept.push_back(static_cast<int>(id));
  }
  std::string text;
  const auto status = processor_->Decode(kept, &text);
  if (!status.ok()) throw internal_error("tokenizer decode failed: " + std::string(status.message()));
  return text;
}

std::string ReportTokenizer::piece(std::int64_t id) const { return processor_->IdToPiece(static_cast<int>(id)); }

}  // namespace unict::text
