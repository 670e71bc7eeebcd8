// The boundary between UniCT and SentencePiece (private to the text layer).
//
// Debian's SentencePiece carries its own protobuf-lite 3.14 inside libsentencepiece and exports
// its symbols; LibTorch needs the system libprotobuf 3.21. In one symbol scope the two bind to each
// other's functions and the process dies at start-up or at the first model load. So SentencePiece
// lives in a plugin (libunict_sentencepiece.so) that tokenizer.cpp loads with dlopen(RTLD_LOCAL |
// RTLD_DEEPBIND): the plugin and SentencePiece resolve their symbols among themselves first, and
// nothing of theirs enters the global scope. Calls cross only through this table of virtual
// functions and plain C++ types (one libstdc++ serves both sides).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

namespace unict::text::detail {

// Every function returns an empty string on success, else SentencePiece's message.
class SentencePieceModel {
 public:
  virtual ~SentencePieceModel() = default;
  virtual std::string load(const std::string& serialized) = 0;
  virtual std::string serialized() const = 0;
  virtual int piece_size() const = 0;
  virtual std::vector<int> special_ids() const = 0;  // pad, unk, bos, eos
  virtual std::string encode(const std::string& text, std::vector<int>* ids) const = 0;
  virtual std::string decode(const std::vector<int>& ids, std::string* text) const = 0;
  virtual std::string id_to_piece(int id) const = 0;
};

struct SentencePieceApi {
  int version;  // kSentencePieceApiVersion
  SentencePieceModel* (*create)();
  std::string (*train)(const std::unordered_map<std::string, std::string>& args, const std::vector<std::string>& sentences,
                       std::string* serialized);
};

inline constexpr int kSentencePieceApiVersion = 1;

}  // namespace unict::text::detail

extern "C" const unict::text::detail::SentencePieceApi* unict_sentencepiece_api();
