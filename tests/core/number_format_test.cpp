// Number formatting against printf's documented results, written out by hand.
#include <gtest/gtest.h>

#include "unict/core/number_format.h"

namespace unict::core {
namespace {

TEST(NumberFormat, FixedRoundsToTheDecimalsAndSignsOnRequest) {
  EXPECT_EQ(fixed(0.91236, 4), "0.9124");
  EXPECT_EQ(fixed(0.91234, 4), "0.9123");
  EXPECT_EQ(fixed(2.0, 0), "2");
  EXPECT_EQ(fixed(0.0123, 4, true), "+0.0123");
  EXPECT_EQ(fixed(-0.0123, 3, true), "-0.012");
  EXPECT_EQ(fixed(std::optional<double>(), 4, "-"), "-");
  EXPECT_EQ(fixed(std::optional<double>(0.5), 2, "-"), "0.50");
}

TEST(NumberFormat, SignificantKeepsTheShortestForm) {
  EXPECT_EQ(significant(0.1, 9), "0.1");
  EXPECT_EQ(significant(1e-12, 6), "1e-12");
  EXPECT_EQ(significant(0.123456789, 6), "0.123457");
  EXPECT_EQ(significant(1234567.0, 10), "1234567");
}

}  // namespace
}  // namespace unict::core
