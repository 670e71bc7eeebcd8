#include "unict/core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>

#include "unict/core/error.h"
#include "write_all.h"

namespace unict::core {
namespace {

// Unique per process and per call, so concurrent writers of one target never share a temporary;
// the target's name comes last so that its extension is kept.
std::filesystem::path temporary_sibling(const std::filesystem::path& target) {
  static std::atomic<unsigned long> counter{0};
  const auto name = ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)) + "-" +
                    target.filename().string();
  return target.parent_path() / name;
}

void fsync_folder(const std::filesystem::path& folder) {
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // durability of the rename is best effort where the folder cannot be opened
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

AtomicPath::AtomicPath(std::filesystem::path target) : target_(std::move(target)) {
  if (target_.filename().empty()) throw Error("not a file name").file(target_.string());
  temporary_ = temporary_sibling(target_);
}

AtomicPath::~AtomicPath() {
  if (!committed_) ::unlink(temporary_.c_str());
}

void AtomicPath::commit() {
  if (committed_) throw internal_error("AtomicPath::commit called twice").file(target_.string());
  const int fd = ::open(temporary_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot reopen the written file: " + system_reason(errno)).file(target_.string());
  const int synced = ::fsync(fd);
  const int sync_errno = errno;
  ::close(fd);
  if (synced != 0) throw Error("cannot flush to disk: " + system_reason(sync_errno)).file(target_.string());
  if (::rename(temporary_.c_str(), target_.c_str()) != 0)
    throw Error("cannot replace the file: " + system_reason(errno)).file(target_.string());
  committed_ = true;
  fsync_folder(target_.parent_path());
}

AtomicFile::AtomicFile(std::filesystem::path target_file) : path_(std::move(target_file)) {
  fd_ = ::open(path_.temporary().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot create a file: " + system_reason(errno)).file(target().string());
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
}

void AtomicFile::write(const void* data, std::size_t size) {
  if (fd_ < 0) throw internal_error("AtomicFile::write after commit").file(target().string());
  if (const int err = write_all(fd_, data, size)) throw Error("cannot write: " + system_reason(err)).file(target().string());
}

void AtomicFile::commit() {
  if (fd_ < 0) throw internal_error("AtomicFile::commit called twice").file(target().string());
  const int closed = ::close(fd_);
  fd_ = -1;
  if (closed != 0) throw Error("cannot close: " + system_reason(errno)).file(target().string());
  path_.commit();
}

void write_file_atomic(const std::filesystem::path& target, std::string_view bytes) {
  AtomicFile file(target);
  file.write(bytes);
  file.commit();
}

std::string read_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) throw Error("is a folder; expected a file").file(file.string());
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot open: " + system_reason(errno)).file(file.string());
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throw Error("cannot read: " + system_reason(errno)).file(file.string());
  return content.str();
}

}  // namespace unict::core
