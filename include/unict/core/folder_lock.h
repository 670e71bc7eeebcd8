// One process per folder. A run folder, an experiment folder or a sweep task's folder is written by
// one process at a time: it holds an exclusive flock(2) on <folder>/.unict.lock, which the kernel
// releases when the process ends however it ends (a SIGKILL leaves no stale lock). A second
// process is refused with the folder, the holder's host and process id, and what to do. Within one
// process the lock is shared: `unict cv` holds a fold folder while its training and evaluation take
// it again.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace unict::core {

struct LockHolder {
  std::string host;  // empty when the holder had not written it yet
  long pid = 0;
};

class FolderLock {
 public:
  FolderLock() = default;

  // Locks `folder` (created when missing) for this process. When another process holds it, waits
  // up to `wait_s` seconds for its release, then throws an Error naming the folder and the holder;
  // `hint` says what the user can do (the default: wait for it or stop it).
  static FolderLock acquire(const std::filesystem::path& folder, double wait_s = 0, const std::string& hint = "");

  bool held() const { return static_cast<bool>(held_); }

 private:
  struct Held;
  explicit FolderLock(std::shared_ptr<Held> held) : held_(std::move(held)) {}
  std::shared_ptr<Held> held_;  // released (closed) when the last FolderLock of this process goes
};

// The lock file of `folder`. It stays after release; holding the lock, not the file, is what counts.
std::filesystem::path folder_lock_file(const std::filesystem::path& folder);

// Who holds `folder`'s lock now, if any process does (this one included).
std::optional<LockHolder> folder_lock_holder(const std::filesystem::path& folder);

}  // namespace unict::core
