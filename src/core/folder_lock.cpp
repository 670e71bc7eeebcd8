#include "unict/core/folder_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "unict/core/error.h"
#include "unict/core/number_format.h"

namespace unict::core {

namespace fs = std::filesystem;

namespace {

constexpr const char* kLockFileName = ".unict.lock";

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "unknown host";
  return name;
}

// The locks this process holds, by folder: taking a held folder again shares its lock (a second
// open file description would conflict with the first, even in one process).
std::mutex registry_mutex;
std::map<std::string, std::weak_ptr<void>>& registry() {
  static std::map<std::string, std::weak_ptr<void>> held;
  return held;
}

std::string registry_key(const fs::path& folder) {
  std::error_code ec;
  const auto canonical = fs::weakly_canonical(folder, ec);
  return (ec ? fs::absolute(folder) : canonical).lexically_normal().string();
}

int open_lock_file(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot open the folder's lock file: " + system_reason(errno)).file(file.string());
  return fd;
}

LockHolder read_holder(int fd) {
  char text[512] = {};
  const ssize_t n = ::pread(fd, text, sizeof(text) - 1, 0);
  LockHolder holder;
  if (n <= 0) return holder;
  const std::string line(text, static_cast<std::size_t>(n));
  const auto space = line.rfind(' ');
  if (space == std::string::npos) return holder;
  holder.host = line.substr(0, space);
  try {
    holder.pid = std::stol(line.substr(space + 1));
  } catch (const std::exception&) {
    holder.host.clear();
  }
  return holder;
}

// Who holds it, for the message; the file is written right after the lock is taken, so a holder
// caught in between shows as unknown.
std::string describe(const LockHolder& holder) {
  if (holder.host.empty()) return "another process (not yet identified)";
  return "process " + std::to_string(holder.pid) + " on " + holder.host;
}

}  // namespace

struct FolderLock::Held {
  int fd = -1;
  std::string key;
  ~Held() {
    {
      std::lock_guard<std::mutex> guard(registry_mutex);
      // Only this lock's own entry: another thread may have locked the folder anew since.
      const auto found = registry().find(key);
      if (found != registry().end() && found->second.expired()) registry().erase(found);
    }
    ::close(fd);  // releases the flock
  }
};

fs::path folder_lock_file(const fs::path& folder) { return folder / kLockFileName; }

FolderLock FolderLock::acquire(const fs::path& folder, double wait_s, const std::string& hint) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw Error("cannot create the folder: " + ec.message()).file(folder.string());
  const std::string key = registry_key(folder);
  std::lock_guard<std::mutex> guard(registry_mutex);
  if (auto shared = registry()[key].lock()) return FolderLock(std::static_pointer_cast<Held>(shared));

  const fs::path file = folder_lock_file(folder);
  const int fd = open_lock_file(file);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_s);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err != EWOULDBLOCK && err != EINTR) {
      ::close(fd);
      throw Error("cannot lock the folder: " + system_reason(err)).file(file.string());
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      const LockHolder holder = read_holder(fd);
      ::close(fd);
      Error e("the folder is in use by " + describe(holder) + (wait_s > 0 ? " (waited " + significant(wait_s, 6) + " s)" : ""));
      e.file(folder.string());
      e.hint(!hint.empty() ? hint
                           : holder.host.empty() ? "wait for it to end, then run this again"
                                                 : "wait for it to end, or stop it (kill -TERM " + std::to_string(holder.pid) + " on " + holder.host +
                                                       "), then run this again");
      throw e;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // Who holds it, for the next process's message. The lock matters, not this text: a failed write
  // (a full disk) leaves the holder unnamed and the folder locked all the same.
  const std::string text = host_name() + " " + std::to_string(static_cast<long>(::getpid())) + "\n";
  if (::pwrite(fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size())) {
    [[maybe_unused]] const int cut = ::ftruncate(fd, static_cast<off_t>(text.size()));  // a longer earlier holder's text
  }
  auto held = std::make_shared<Held>();
  held->fd = fd;
  held->key = key;
  registry()[key] = held;
  return FolderLock(std::move(held));
}

std::optional<LockHolder> folder_lock_holder(const fs::path& folder) {
  {
    std::lock_guard<std::mutex> guard(registry_mutex);
    const auto found = registry().find(registry_key(folder));
    if (found != registry().end() && !found->second.expired()) return LockHolder{host_name(), static_cast<long>(::getpid())};
  }
  const fs::path file = folder_lock_file(folder);
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<LockHolder> holder;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) holder = read_holder(fd);
  ::close(fd);  // a shared lock taken to probe ends here
  return holder;
}

}  // namespace unict::core
