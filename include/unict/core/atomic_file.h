// Atomic file replacement: bytes go to a hidden temporary file beside the target, which is
// fsync'ed and renamed over the target, then the folder is fsync'ed. A crash at any moment leaves
// either the old file or the new one, never a mix; a failure (or an exception in the writer)
// removes the temporary file and leaves the old file untouched.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

namespace unict::core {

// For libraries that write by file name (ITK, libzip): they write `temporary()`, a hidden sibling
// whose name ends like the target's (".nii.gz" stays ".nii.gz"); commit() fsyncs it and renames it
// over the target. Not committed: the temporary is removed.
class AtomicPath {
 public:
  explicit AtomicPath(std::filesystem::path target);
  AtomicPath(const AtomicPath&) = delete;
  AtomicPath& operator=(const AtomicPath&) = delete;
  ~AtomicPath();

  const std::filesystem::path& target() const { return target_; }
  const std::filesystem::path& temporary() const { return temporary_; }
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temporary_;
  bool committed_ = false;
};

// Streams bytes into an AtomicPath's temporary through a file descriptor.
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

  const std::filesystem::path& target() const { return path_.target(); }
  const std::filesystem::path& temporary() const { return path_.temporary(); }

 private:
  AtomicPath path_;
  int fd_ = -1;
};

// Writes `bytes` to `target` atomically (AtomicFile in one call).
void write_file_atomic(const std::filesystem::path& target, std::string_view bytes);

// Reads a whole file; throws Error naming it when it cannot be read.
std::string read_file(const std::filesystem::path& file);

}  // namespace unict::core
