// Durations with units and the warm-up + cosine schedule, against their closed forms.
#include <cmath>

#include <gtest/gtest.h>

#include "unict/core/error.h"
#include "unict/train/schedule.h"

namespace unict::train {
namespace {

TEST(Duration, ParsesEpochsAndUpdates) {
  const auto e = parse_duration("30e", "train.duration");
  EXPECT_TRUE(e.epochs);
  EXPECT_DOUBLE_EQ(e.value, 30);
  const auto half = parse_duration("0.5e", "train.duration");
  EXPECT_DOUBLE_EQ(half.value, 0.5);
  const auto u = parse_duration("2000u", "train.duration");
  EXPECT_FALSE(u.epochs);
  EXPECT_DOUBLE_EQ(u.value, 2000);
}

TEST(Duration, RejectsWhatIsNotADurationNamingKeyAndValue) {
  for (const char* bad : {"", "30", "e", "-1e", "0u", "1.5u", "3x", "e5", "nanE", "inf e", "1,5e"}) {
    try {
      parse_duration(bad, "train.warmup");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find("train.warmup"), std::string::npos) << error.what();
    }
  }
}

TEST(Duration, BecomesUpdatesRoundingUp) {
  EXPECT_EQ(to_updates(parse_duration("3e", ""), 10), 30);
  EXPECT_EQ(to_updates(parse_duration("0.25e", ""), 10), 3);  // 2.5 rounds up
  EXPECT_EQ(to_updates(parse_duration("0.01e", ""), 10), 1);  // never 0
  EXPECT_EQ(to_updates(parse_duration("7u", ""), 10), 7);
}

TEST(Schedule, WarmsUpLinearlyThenFollowsTheCosineToItsFloor) {
  const Schedule s{0.01, 4, 24, 0.1};
  for (std::int64_t step = 0; step < 4; ++step) EXPECT_DOUBLE_EQ(s.lr(step), 0.01 * static_cast<double>(step + 1) / 4.0);
  // Decay over updates 4..23: progress (step - 4) / 19.
  for (std::int64_t step = 4; step < 24; ++step) {
    const double progress = static_cast<double>(step - 4) / 19.0;
    const double expected = 0.01 * (0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * progress)));
    EXPECT_NEAR(s.lr(step), expected, 1e-15) << step;
  }
  EXPECT_DOUBLE_EQ(s.lr(4), 0.01);
  EXPECT_NEAR(s.lr(23), 0.001, 1e-15);
}

TEST(Schedule, WithoutWarmupStartsAtThePeak) {
  const Schedule s{1.0, 0, 10, 0.0};
  EXPECT_DOUBLE_EQ(s.factor(0), 1.0);
  EXPECT_NEAR(s.factor(9), 0.0, 1e-15);
}

}  // namespace
}  // namespace unict::train
