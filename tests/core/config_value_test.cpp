#include "unict/core/config_value.h"

#include <cstdlib>
#include <random>

#include <gtest/gtest.h>

namespace unict::core {
namespace {

TEST(FormatNumber, RoundTripsExactlyThroughStrtod) {
  std::mt19937_64 gen(5);
  std::uniform_real_distribution<double> mantissa(-10, 10);
  std::uniform_int_distribution<int> exponent(-300, 300);
  for (int i = 0; i < 20000; ++i) {
    const double x = std::ldexp(mantissa(gen), exponent(gen));
    const std::string text = format_number(x);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), x) << text;
  }
}

TEST(FormatNumber, WritesFloatsThatEveryYamlReaderSeesAsFloats) {
  EXPECT_EQ(format_number(0.0003), "0.0003");
  EXPECT_EQ(format_number(1e-4), "0.0001");
  EXPECT_EQ(format_number(1.0), "1.0");
  EXPECT_EQ(format_number(0.0), "0.0");
  EXPECT_EQ(format_number(-2.5), "-2.5");
  EXPECT_EQ(format_number(1e-9), "1.0e-09");
  EXPECT_EQ(format_number(2.5e20), "2.5e+20");
  EXPECT_EQ(format_number(1.0 / 0.0), ".inf");
}

TEST(FormatValue, WritesYamlFlowText) {
  EXPECT_EQ(format_value(Value(true)), "true");
  EXPECT_EQ(format_value(Value(std::int64_t{-3})), "-3");
  EXPECT_EQ(format_value(Value(std::string("a \"b\"\n"))), "\"a \\\"b\\\"\\n\"");
  EXPECT_EQ(format_value(Value(std::vector<std::int64_t>{1, 2})), "[1, 2]");
  EXPECT_EQ(format_value(Value(std::vector<double>{0.5, 2})), "[0.5, 2.0]");
  EXPECT_EQ(format_value(Value(std::vector<std::string>{"x", "y z"})), "[\"x\", \"y z\"]");
  EXPECT_EQ(format_value(Value(std::vector<std::string>{})), "[]");
}

TEST(ValueType, NamesAndAlternativesAgree) {
  EXPECT_EQ(type_name(ValueType::number_list), "list of float");
  EXPECT_TRUE(holds_type(Value(std::string("/x")), ValueType::path));
  EXPECT_FALSE(holds_type(Value(std::int64_t{1}), ValueType::number));
}

}  // namespace
}  // namespace unict::core
