// The SentencePiece plugin (see sentencepiece_api.h for why it is one): the only code that
// includes SentencePiece's headers or links its libraries.
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include "sentencepiece_api.h"

namespace unict::text::detail {
namespace {

// Feeds the sentences to the trainer from memory, so no text file of reports is ever written.
class SentenceList : public sentencepiece::SentenceIterator {
 public:
  explicit SentenceList(const std::vector<std::string>& sentences) : sentences_(sentences) { skip_empty(); }
  bool done() const override { return index_ >= sentences_.size(); }
  void Next() override {
    ++index_;
    skip_empty();
  }
  const std::string& value() const override { return sentences_[index_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  void skip_empty() {
    while (index_ < sentences_.size() && sentences_[index_].empty()) ++index_;
  }
  const std::vector<std::string>& sentences_;
  std::size_t index_ = 0;
};

std::string message(const sentencepiece::util::Status& status) {
  return status.ok() ? std::string() : std::string(status.message()).empty() ? "failed" : std::string(status.message());
}

class Model final : public SentencePieceModel {
 public:
  std::string load(const std::string& serialized) override { return message(processor_.LoadFromSerializedProto(serialized)); }
  std::string serialized() const override { return processor_.serialized_model_proto(); }
  int piece_size() const override { return processor_.GetPieceSize(); }
  std::vector<int> special_ids() const override { return {processor_.pad_id(), processor_.unk_id(), processor_.bos_id(), processor_.eos_id()}; }
  std::string encode(const std::string& text, std::vector<int>* ids) const override { return message(processor_.Encode(text, ids)); }
  std::string decode(const std::vector<int>& ids, std::string* text) const override { return message(processor_.Decode(ids, text)); }
  std::string id_to_piece(int id) const override { return processor_.IdToPiece(id); }

 private:
  sentencepiece::SentencePieceProcessor processor_;
};

SentencePieceModel* create() { return new Model(); }

std::string train(const std::unordered_map<std::string, std::string>& args, const std::vector<std::string>& sentences, std::string* serialized) {
  SentenceList list(sentences);
  return message(sentencepiece::SentencePieceTrainer::Train(args, &list, serialized));
}

const SentencePieceApi kApi{kSentencePieceApiVersion, create, train};

}  // namespace
}  // namespace unict::text::detail

extern "C" const unict::text::detail::SentencePieceApi* unict_sentencepiece_api() { return &unict::text::detail::kApi; }
