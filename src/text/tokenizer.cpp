#include "unict/text/tokenizer.h"

#include <dlfcn.h>
#include <unistd.h>

#include <mutex>
#include <unordered_map>

#include "sentencepiece_api.h"
#include "unict/core/atomic_file.h"

namespace unict::text {
namespace {

// Where the plugin is: $UNICT_SENTENCEPIECE_PLUGIN, else beside the running executable, else
// where the build put it.
std::vector<std::string> plugin_candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("UNICT_SENTENCEPIECE_PLUGIN"); env && *env) out.emplace_back(env);
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) out.push_back((std::filesystem::path(std::string(exe, static_cast<std::size_t>(n))).parent_path() / UNICT_SENTENCEPIECE_PLUGIN_NAME).string());
  out.emplace_back(UNICT_SENTENCEPIECE_PLUGIN_PATH);
  return out;
}

// RTLD_DEEPBIND: SentencePiece binds to its own protobuf, never to LibTorch's.
//
// ThreadSanitizer's dlopen refuses RTLD_DEEPBIND outright (the process dies), for fear that a
// library bound to its own dependencies first calls malloc and pthread past its interceptors.
// Ours cannot: in the tsan build the plugin is itself built with -fsanitize=thread, so libtsan is
// the first library of the plugin's own scope and still wins those lookups. So that build calls
// libc's dlopen directly.
void* open_plugin(const std::string& path) {
  constexpr int kFlags = RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND;
#if defined(__SANITIZE_THREAD__)
  // A null handle would make dlsym search the global scope (RTLD_DEFAULT), whose dlopen is TSan's.
  void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  void* libc_dlopen = libc ? dlsym(libc, "dlopen") : nullptr;
  if (libc_dlopen == nullptr) throw internal_error("cannot find libc's dlopen");
  return reinterpret_cast<void* (*)(const char*, int)>(libc_dlopen)(path.c_str(), kFlags);
#else
  return dlopen(path.c_str(), kFlags);
#endif
}

const detail::SentencePieceApi& api() {
  static const detail::SentencePieceApi* loaded = [] {
    std::string tried;
    for (const auto& path : plugin_candidates()) {
      if (!std::filesystem::exists(path)) {
        tried += " " + path + " (missing)";
        continue;
      }
      void* handle = open_plugin(path);
      if (!handle) {
        tried += " " + path + " (" + dlerror() + ")";
        continue;
      }
      using Entry = const detail::SentencePieceApi* (*)();
      const auto entry = reinterpret_cast<Entry>(dlsym(handle, "unict_sentencepiece_api"));
      if (entry && entry()->version == detail::kSentencePieceApiVersion) return entry();
      tried += " " + path + " (not a UniCT SentencePiece plugin of this version)";
    }
    throw Error("cannot load the SentencePiece plugin:" + tried).hint("build the unict_sentencepiece target, or set UNICT_SENTENCEPIECE_PLUGIN");
  }();
  return *loaded;
}

void check(const std::string& message, const char* what) {
  if (!message.empty()) throw internal_error(std::string(what) + ": " + message);
}

}  // namespace

ReportTokenizer::ReportTokenizer(std::unique_ptr<detail::SentencePieceModel> processor)
    : processor_(std::move(processor)) {}
ReportTokenizer::ReportTokenizer(ReportTokenizer&&) noexcept = default;
ReportTokenizer& ReportTokenizer::operator=(ReportTokenizer&&) noexcept = default;
ReportTokenizer::~ReportTokenizer() = default;

ReportTokenizer ReportTokenizer::train(const std::vector<std::string>& reports, const TokenizerConfig& config) {
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
  std::string serialized;
  const std::string failure = api().train(args, reports, &serialized);
  if (!failure.empty())
    throw Error("training the report tokenizer failed: " + failure)
        .key("tokenizer")
        .hint("vocab_size " + std::to_string(config.vocab_size) + ", model_type " + config.model_type);
  std::unique_ptr<detail::SentencePieceModel> processor(api().create());
  check(processor->load(serialized), "the trained tokenizer does not load");
  return ReportTokenizer(std::move(processor));
}

ReportTokenizer ReportTokenizer::load(const std::filesystem::path& file) {
  const std::string bytes = core::read_file(file);
  std::unique_ptr<detail::SentencePieceModel> processor(api().create());
  const std::string failure = processor->load(bytes);
  if (!failure.empty())
    throw Error("not a SentencePiece model: " + failure).file(file.string()).expected("a tokenizer.model written by unict");
  const bool ids_fixed = processor->special_ids() == std::vector<int>{kPad, kUnk, kBos, kEos};
  if (!ids_fixed)
    throw Error("the tokenizer's special ids differ from UniCT's").file(file.string()).expected("PAD 0, UNK 1, BOS 2, EOS 3");
  return ReportTokenizer(std::move(processor));
}

void ReportTokenizer::save(const std::filesystem::path& file) const {
  core::write_file_atomic(file, processor_->serialized());
}

std::int64_t ReportTokenizer::vocab_size() const { return processor_->piece_size(); }

std::vector<std::int64_t> ReportTokenizer::encode(const std::string& text) const {
  std::vector<int> ids;
  check(processor_->encode(text, &ids), "tokenizer encode failed");
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
  check(processor_->decode(kept, &text), "tokenizer decode failed");
  return text;
}

std::string ReportTokenizer::piece(std::int64_t id) const { return processor_->id_to_piece(static_cast<int>(id)); }

}  // namespace unict::text
