// write(2) until every byte is written, retrying on EINTR: the one write loop of AtomicFile and
// AppendFile. Returns 0, or the errno of the write that failed.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace unict::core {

inline int write_all(int fd, const void* data, std::size_t size) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return 0;
}

}  // namespace unict::core
