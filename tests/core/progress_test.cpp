#include "unict/core/progress.h"

#include <sstream>
#include <thread>

#include <gtest/gtest.h>

namespace unict::core {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(Progress, PlainModePrintsAPeriodicLineWithRateAndEta) {
  std::ostringstream out;
  double now = 0;
  {
    ProgressStyle style;
    style.terminal = false;
    style.plain_interval = 10;
    style.unit = "vol";
    Progress progress("prepare", 100, out, style, [&] { return now; });
    for (int i = 1; i <= 100; ++i) {
      now = i;  // one volume per second
      progress.advance();
    }
  }
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 11u);  // at 10 s, 20 s, ... 100 s, and the closing line
  EXPECT_EQ(lines[0], "prepare: 10/100 (10%) 1.00 vol/s ETA 01:30");
  EXPECT_EQ(lines[4], "prepare: 50/100 (50%) 1.00 vol/s ETA 00:50");
  EXPECT_EQ(lines[10], "prepare: done 100/100 (100%) 1.00 vol/s elapsed 01:40");
}

TEST(Progress, TerminalModeRedrawsOneLineWithABar) {
  std::ostringstream out;
  double now = 0;
  ProgressStyle style;
  style.terminal = true;
  Progress progress("train", 4, out, style, [&] { return now; });
  now = 1;
  progress.set_status("loss 0.52");
  progress.advance(2);
  const std::string text = out.str();
  EXPECT_EQ(text, "\rtrain [############............] 2/4 (50%) 2.00 it/s ETA 00:01 loss 0.52");
  now = 2;
  progress.advance(2);
  progress.finish();
  EXPECT_EQ(out.str().back(), '\n');
  EXPECT_EQ(lines_of(out.str()).size(), 1u);  // redrawn in place, never a new line until the end
}

TEST(Progress, CountsAdvancesFromManyThreads) {
  std::ostringstream out;
  ProgressStyle style;
  Progress progress("load", 0, out, style);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) progress.advance();
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(progress.done(), 4000u);
}

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(Progress::format_duration(0), "00:00");
  EXPECT_EQ(Progress::format_duration(59.6), "01:00");
  EXPECT_EQ(Progress::format_duration(3725), "1:02:05");
  EXPECT_EQ(Progress::format_duration(-1), "--:--");
  EXPECT_EQ(Progress::format_duration(1.0 / 0.0), "--:--");
}

}  // namespace
}  // namespace unict::core
