// Atomic file replacement: bytes go to a hidden temporary file beside the target, which is
// fsync'ed and renamed over the target, then the folder is fsync'ed. A crash at any moment leaves
// either the old file or the new one, never a mix; a failure (or an exception in the writer)
// removes the temporary file and leaves the old file untouched.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

namespace unict::core {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path target);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();  // not committed: removes the temporary file

  void write(const void* data, std::size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }

  // Makes the new content durable and visible under the target name.
  void commit();

  const std::filesystem::path& target() const { return target_; }
  const std::filesystem::path& temporary() const { return temporary_; }

 private:
  std::filesystem::path target_;
  std::filesystem::path temporary_;
  int fd_ = -1;
  bool committed_ = false;
};

// Writes `bytes` to `target` atomically (AtomicFile in one call).
void write_file_atomic(const std::filesystem::path& target, std::string_view bytes);

// Reads a whole file; throws Error naming it when it cannot be read.
std::string read_file(const std::filesystem::path& file);

}  // namespace unict::core
