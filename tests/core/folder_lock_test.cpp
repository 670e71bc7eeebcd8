#include "unict/core/folder_lock.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "test_support.h"

namespace unict::core {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A second process (forked while this one holds no lock) that takes the lock of dir/run, writes
// dir/<ready> and holds the lock for `hold_ms` (or until killed).
pid_t hold_in_child(const test::TempDir& dir, const std::string& ready, int hold_ms) {
  const pid_t pid = fork();
  if (pid == 0) {
    try {
      const FolderLock lock = FolderLock::acquire(dir / "run");
      dir.write(ready, "locked");
      std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms));
    } catch (...) {
      _exit(3);
    }
    _exit(0);
  }
  for (int i = 0; i < 1000 && !fs::exists(dir / ready); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return pid;
}

int exit_status(pid_t pid) {
  int raw = 0;
  waitpid(pid, &raw, 0);
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -WTERMSIG(raw);
}

// util-linux's flock(1) trying the folder's lock file without waiting: 0 when it got it, 1 when held.
int flock_program(const fs::path& folder) {
  const int raw = std::system(("flock --nonblock --conflict-exit-code 1 '" + folder_lock_file(folder).string() + "' true").c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

char host[256];

TEST(FolderLock, AnotherProcessIsRefusedWithItsHostAndProcessId) {
  test::TempDir dir;
  const pid_t child = hold_in_child(dir, "ready", 30000);
  ASSERT_TRUE(fs::exists(dir / "ready"));
  gethostname(host, sizeof(host) - 1);
  const auto error = test::error_of([&] { FolderLock::acquire(dir / "run"); });
  EXPECT_CONTAINS(error, (dir / "run").string() + ": the folder is in use by process " + std::to_string(child) + " on " + host);
  EXPECT_CONTAINS(error, "kill -TERM " + std::to_string(child));
  const auto holder = folder_lock_holder(dir / "run");
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->pid, child);
  EXPECT_EQ(holder->host, host);
  // The kernel releases the lock of a killed process: no stale lock.
  kill(child, SIGKILL);
  EXPECT_EQ(exit_status(child), -SIGKILL);
  EXPECT_FALSE(folder_lock_holder(dir / "run"));
  EXPECT_TRUE(FolderLock::acquire(dir / "run").held());
  EXPECT_EQ(flock_program(dir / "run"), 0);
}

TEST(FolderLock, AWaitingProcessGetsTheLockOnceTheHolderEndsAndGivesUpAfterItsTime) {
  test::TempDir dir;
  pid_t child = hold_in_child(dir, "ready1", 1500);
  auto start = Clock::now();
  EXPECT_CONTAINS(test::error_of([&] { FolderLock::acquire(dir / "run", 0.4); }), "(waited 0.4 s)");
  EXPECT_GE(std::chrono::duration<double>(Clock::now() - start).count(), 0.4);
  start = Clock::now();
  EXPECT_TRUE(FolderLock::acquire(dir / "run", 20).held());  // the child lets go after 1.5 s
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 15.0);
  EXPECT_EQ(exit_status(child), 0);
}

TEST(FolderLock, OneProcessSharesItsLockAndReleasesItWithTheLastHandle) {
  test::TempDir dir;
  {
    FolderLock outer = FolderLock::acquire(dir / "run");
    {
      const FolderLock inner = FolderLock::acquire(dir / "run" / ".." / "run");  // the same folder, another spelling
      EXPECT_TRUE(inner.held());
    }
    ASSERT_TRUE(folder_lock_holder(dir / "run"));
    EXPECT_EQ(folder_lock_holder(dir / "run")->pid, getpid());
    // Still held after the inner handle went: util-linux's flock(1), another program, cannot take it.
    EXPECT_EQ(flock_program(dir / "run"), 1);
  }
  EXPECT_FALSE(folder_lock_holder(dir / "run"));
  EXPECT_EQ(flock_program(dir / "run"), 0);
}

}  // namespace
}  // namespace unict::core
