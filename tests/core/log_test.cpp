#include "unict/core/log.h"

#include <gtest/gtest.h>

#include "test_support.h"
#include "unict/core/error.h"

namespace unict::core {
namespace {

TEST(Log, RejectsAnUnknownLevelNamingTheAllowedOnes) {
  try {
    set_log_level("verbose");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'verbose'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("trace, debug, info, warn, error, off"), std::string::npos);
  }
}

TEST(Log, FileSinkKeepsDebugMessagesWhateverTheConsoleLevel) {
  test::TempDir dir;
  init_logging("error");
  const auto file = dir / "run" / "train.log";
  log_to_file(file);
  spdlog::debug("debug detail {}", 7);
  spdlog::info("an info line");
  spdlog::trace("too fine for the file");
  stop_logging_to_files();
  const std::string text = test::slurp(file);
  EXPECT_NE(text.find("debug detail 7"), std::string::npos);
  EXPECT_NE(text.find("an info line"), std::string::npos);
  EXPECT_EQ(text.find("too fine"), std::string::npos);
  spdlog::info("after the file was closed");
  EXPECT_EQ(test::slurp(file).find("after the file"), std::string::npos);
  init_logging("info");
}

TEST(Log, UnwritableLogFileIsAClearError) {
  test::TempDir dir;
  const auto blocker = dir.write("not-a-folder", "x");
  EXPECT_THROW(log_to_file(blocker / "train.log"), Error);
}

}  // namespace
}  // namespace unict::core
