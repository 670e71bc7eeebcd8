#include "unict/core/phase_clock.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include <gtest/gtest.h>

namespace unict::core {
namespace {

// The milliseconds printed for `phase` in a summary line ("a 2.0, b 0.1 (total 2.1) ms per update").
double printed_ms(const std::string& summary, const std::string& phase) {
  const auto at = summary.find(phase + " ");
  if (at == std::string::npos) return -1;
  return std::stod(summary.substr(at + phase.size() + 1));
}

TEST(PhaseClock, ChargesEachLapToItsPhaseAndAveragesOverRepetitions) {
  int syncs = 0;
  PhaseClock clock([&] { ++syncs; });
  EXPECT_EQ(clock.summary(), "");  // nothing to report before a repetition
  for (int r = 0; r < 2; ++r) {
    clock.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    clock.lap("slow");
    clock.lap("fast");
    clock.lap("slow");  // a phase met again in one repetition adds to its time
    clock.finish_repetition();
  }
  EXPECT_EQ(syncs, 2 * 4);  // before every reading: start and each lap
  const std::string summary = clock.summary();
  EXPECT_EQ(summary.find("slow"), 0u) << summary;  // first-seen order
  EXPECT_LT(summary.find("slow"), summary.find("fast"));
  EXPECT_NE(summary.find("ms per update"), std::string::npos);
  // Sleeping 20 ms per repetition is at least 20 ms per update of "slow", whatever else ran.
  EXPECT_GE(printed_ms(summary, "slow"), 19.9) << summary;
  EXPECT_LT(printed_ms(summary, "fast"), printed_ms(summary, "slow"));
  EXPECT_GE(printed_ms(summary, "total"), printed_ms(summary, "slow")) << summary;
  clock.reset();
  EXPECT_EQ(clock.summary(), "");
}

}  // namespace
}  // namespace unict::core
