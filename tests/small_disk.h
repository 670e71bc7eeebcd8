// A small tmpfs that a test mounts (CI runs as root) to meet a full disk on purpose, without
// filling the machine's. Unmounted at scope exit; a mount that fails throws, so the test fails
// rather than skips.
#pragma once

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace unict::test {

class SmallDisk {
 public:
  SmallDisk(std::filesystem::path folder, std::size_t bytes) : folder_(std::move(folder)) {
    std::filesystem::create_directories(folder_);
    const std::string options = "size=" + std::to_string(bytes);
    if (::mount("tmpfs", folder_.c_str(), "tmpfs", 0, options.c_str()) != 0)
      throw std::runtime_error("cannot mount a tmpfs on " + folder_.string() + " (needs root): " + std::strerror(errno));
  }
  ~SmallDisk() { ::umount2(folder_.c_str(), MNT_DETACH); }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  const std::filesystem::path& path() const { return folder_; }
  std::filesystem::path operator/(const std::string& name) const { return folder_ / name; }

  // Takes every free byte with a filler file, then gives `left` bytes of it back.
  void fill(std::size_t left = 0) {
    const auto filler = folder_ / ".filler";
    const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("cannot create " + filler.string());
    const std::string chunk(4096, 'f');
    while (::write(fd, chunk.data(), chunk.size()) > 0) {
    }
    const off_t size = ::lseek(fd, 0, SEEK_END);
    const int cut = ::ftruncate(fd, size > static_cast<off_t>(left) ? size - static_cast<off_t>(left) : 0);
    ::close(fd);
    if (cut != 0) throw std::runtime_error("cannot shorten " + filler.string());
  }

  // Space is back: the filler is removed.
  void make_room() { std::filesystem::remove(folder_ / ".filler"); }

 private:
  std::filesystem::path folder_;
};

}  // namespace unict::test
