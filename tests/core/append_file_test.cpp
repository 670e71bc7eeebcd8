#include "unict/core/append_file.h"

#include <gtest/gtest.h>

#include "small_disk.h"
#include "test_support.h"
#include "unict/core/error.h"

namespace unict::core {
namespace {

TEST(AppendFile, AppendsRecordsAfterWhatTheFileHeld) {
  test::TempDir dir;
  const auto file = dir.write("metrics.jsonl", "{\"step\":1}\n");
  {
    AppendFile out(file);
    out.append("{\"step\":2}\n");
    out.append("{\"step\":3}\n");
  }
  AppendFile(file).append("{\"step\":4}\n");
  EXPECT_EQ(test::slurp(file), "{\"step\":1}\n{\"step\":2}\n{\"step\":3}\n{\"step\":4}\n");
  EXPECT_CONTAINS(test::error_of([&] { AppendFile(dir / "no-such-folder" / "m.jsonl"); }), "no-such-folder/m.jsonl: cannot open for writing");
}

// On a full disk a record lands whole or not at all: the file keeps its length, and the error
// names the file and the cause.
TEST(AppendFile, ARecordThatMeetsAFullDiskIsAnErrorAndLeavesNoPartOfIt) {
  test::TempDir dir;
  test::SmallDisk disk(dir / "disk", 64 * 1024);
  const auto file = disk / "metrics.jsonl";
  AppendFile out(file);
  out.append("{\"step\":1}\n");
  disk.fill(100);
  const std::string record(10000, 'x');
  EXPECT_CONTAINS(test::error_of([&] { out.append(record + "\n"); }), "metrics.jsonl: cannot write: no space left on the device");
  EXPECT_EQ(test::slurp(file), "{\"step\":1}\n");
  disk.make_room();
  out.append("{\"step\":2}\n");
  EXPECT_EQ(test::slurp(file), "{\"step\":1}\n{\"step\":2}\n");
}

}  // namespace
}  // namespace unict::core
