#include "unict/core/atomic_file.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "test_support.h"
#include "unict/core/error.h"

namespace unict::core {
namespace {

using test::file_names;
using test::slurp;

TEST(AtomicFile, CreatesThenReplacesLeavingNoTemporaryFile) {
  test::TempDir dir;
  const auto target = dir / "results.json";
  write_file_atomic(target, "first");
  EXPECT_EQ(slurp(target), "first");
  write_file_atomic(target, "second, longer content");
  EXPECT_EQ(slurp(target), "second, longer content");
  EXPECT_EQ(file_names(dir.path()), std::vector<std::string>{"results.json"});
}

TEST(AtomicFile, ExceptionMidWriteKeepsTheOldFileAndRemovesTheTemporary) {
  test::TempDir dir;
  const auto target = dir.write("model.ckpt", "old and complete");
  try {
    AtomicFile file(target);
    file.write("half of the new ");
    throw std::runtime_error("writer failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(slurp(target), "old and complete");
  EXPECT_EQ(file_names(dir.path()), std::vector<std::string>{"model.ckpt"});
}

// A real write(2) failure: the file size limit makes the kernel refuse the bytes (EFBIG), as a
// full disk would. Runs in a child process so the limit does not leak into other tests.
TEST(AtomicFile, FailedWriteIsAnErrorNamingTheFileAndLosesNothing) {
  test::TempDir dir;
  const auto target = dir.write("metrics.jsonl", "old");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    try {
      write_file_atomic(target, std::string(1 << 20, 'x'));
    } catch (const Error& e) {
      const bool names_file = std::string(e.what()).find("metrics.jsonl") != std::string::npos;
      ::_exit(names_file ? 0 : 3);
    }
    ::_exit(4);  // no error: the failure went unnoticed
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "3: error does not name the file, 4: no error";
  EXPECT_EQ(slurp(target), "old");
  EXPECT_EQ(file_names(dir.path()), std::vector<std::string>{"metrics.jsonl"});
}

// A process killed in the middle of writing: the target still holds the old, complete content.
TEST(AtomicFile, KillDuringWriteLeavesTheOldFileIntact) {
  test::TempDir dir;
  const auto target = dir.write("config.yaml", "seed: 1\n");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    AtomicFile file(target);
    file.write("seed: 2\n# and more to come");
    ::raise(SIGKILL);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(slurp(target), "seed: 1\n");
}

TEST(AtomicPath, TemporaryKeepsTheExtensionAndVanishesUnlessCommitted) {
  test::TempDir dir;
  const auto target = dir / "mask.nii.gz";
  {
    AtomicPath path(target);
    EXPECT_EQ(path.temporary().parent_path(), dir.path());
    EXPECT_EQ(path.temporary().filename().string().rfind(".tmp-", 0), 0u);
    EXPECT_TRUE(path.temporary().string().size() > 7 && path.temporary().string().substr(path.temporary().string().size() - 7) == ".nii.gz");
    std::ofstream(path.temporary()) << "half";
  }
  EXPECT_TRUE(file_names(dir.path()).empty());
  {
    AtomicPath path(target);
    std::ofstream(path.temporary()) << "whole";
    path.commit();
  }
  EXPECT_EQ(slurp(target), "whole");
  EXPECT_EQ(file_names(dir.path()), std::vector<std::string>{"mask.nii.gz"});
  AtomicPath never_written(dir / "x.json");
  EXPECT_THROW(never_written.commit(), Error);  // nothing was written: an error, not an empty file
}

TEST(AtomicFile, MissingFolderIsAnErrorNamingTheFile) {
  test::TempDir dir;
  try {
    write_file_atomic(dir / "no-such-folder" / "x.json", "{}");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-folder/x.json"), std::string::npos) << e.what();
  }
}

TEST(ReadFile, ReadsBytesAndRejectsMissingFilesAndFolders) {
  test::TempDir dir;
  const std::string bytes("a\0b\nc", 5);
  EXPECT_EQ(read_file(dir.write("bin", bytes)), bytes);
  EXPECT_THROW(read_file(dir / "missing"), Error);
  EXPECT_THROW(read_file(dir.path()), Error);
}

}  // namespace
}  // namespace unict::core
