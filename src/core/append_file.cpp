#include "unict/core/append_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "unict/core/error.h"
#include "write_all.h"

namespace unict::core {

AppendFile::AppendFile(std::filesystem::path file) : path_(std::move(file)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot open for writing: " + system_reason(errno)).file(path_.string());
}

AppendFile::~AppendFile() {
  if (fd_ >= 0) ::close(fd_);
}

void AppendFile::append(std::string_view record) {
  const off_t before = ::lseek(fd_, 0, SEEK_END);
  if (const int err = write_all(fd_, record.data(), record.size())) {
    // Cutting back frees the space the part took; should that fail too, the part stays, and
    // readers of our record files drop an incomplete last line.
    [[maybe_unused]] const int cut = before >= 0 ? ::ftruncate(fd_, before) : -1;
    throw Error("cannot write: " + system_reason(err)).file(path_.string());
  }
}

}  // namespace unict::core
