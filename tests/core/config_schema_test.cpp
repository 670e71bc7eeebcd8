#include "unict/core/config_schema.h"

#include <gtest/gtest.h>

#include "config_test_schema.h"
#include "unict/core/resolved_config.h"

namespace unict::core {
namespace {

TEST(Schema, KnowsKeysAndSections) {
  const auto schema = test::sample_schema();
  EXPECT_NE(schema->find("sample.rate"), nullptr);
  EXPECT_EQ(schema->find("sample"), nullptr);
  EXPECT_TRUE(schema->is_section("sample"));
  EXPECT_TRUE(schema->is_section("outer"));
  EXPECT_TRUE(schema->is_section("outer.inner"));
  EXPECT_FALSE(schema->is_section("sample.rate"));
  EXPECT_FALSE(schema->is_section("samp"));
}

TEST(Schema, SuggestsTheNearestKeyOrTheKeyWithTheSameLastPart) {
  const auto schema = test::sample_schema();
  EXPECT_EQ(schema->suggest("sample.rat"), "sample.rate");
  EXPECT_EQ(schema->suggest("smaple.count"), "sample.count");
  EXPECT_EQ(schema->suggest("smaple"), "sample");
  EXPECT_EQ(schema->suggest("depth"), "outer.inner.depth");
  EXPECT_EQ(schema->suggest("completely.different"), std::nullopt);
}

TEST(Schema, RejectsDuplicateKeysKeysThatAreSectionsAndBadDefaults) {
  Schema schema;
  KeySpec spec;
  spec.path = "a.b";
  spec.type = ValueType::integer;
  spec.default_value = std::int64_t{1};
  schema.add(spec);
  EXPECT_THROW(schema.add(spec), Error);
  KeySpec section_clash = spec;
  section_clash.path = "a";
  EXPECT_THROW(schema.add(section_clash), Error);
  KeySpec child_clash = spec;
  child_clash.path = "a.b.c";
  EXPECT_THROW(schema.add(child_clash), Error);
  KeySpec bad_default = spec;
  bad_default.path = "a.c";
  bad_default.in_range(Range::closed(5, 6));
  EXPECT_THROW(schema.add(bad_default), Error);
  KeySpec wrong_type = spec;
  wrong_type.path = "a.d";
  wrong_type.default_value = 1.5;
  EXPECT_THROW(schema.add(wrong_type), Error);
}

TEST(KeySpec, DescribesWhatIsAllowed) {
  const auto schema = test::sample_schema();
  EXPECT_EQ(schema->find("sample.rate")->allowed(), "a float in (0, 1]");
  EXPECT_EQ(schema->find("sample.count")->allowed(), "an int in [0, 10]");
  EXPECT_EQ(schema->find("sample.mode")->allowed(), "a string, one of: fast, slow, exact");
  EXPECT_EQ(schema->find("sample.size")->allowed(), "a list of 3 ints, each >= 1");
  EXPECT_EQ(schema->find("sample.flag")->allowed(), "true or false");
}

TEST(KeySpec, FindsViolations) {
  const auto schema = test::sample_schema();
  const KeySpec& rate = *schema->find("sample.rate");
  EXPECT_EQ(rate.violation(Value(1.0)), "");
  EXPECT_NE(rate.violation(Value(0.0)), "");   // open at 0
  EXPECT_NE(rate.violation(Value(1.01)), "");
  const KeySpec& size = *schema->find("sample.size");
  EXPECT_EQ(size.violation(Value(std::vector<std::int64_t>{1, 2, 3})), "");
  EXPECT_NE(size.violation(Value(std::vector<std::int64_t>{1, 2})), "");
  EXPECT_NE(size.violation(Value(std::vector<std::int64_t>{1, 0, 3})), "");
  const KeySpec& mode = *schema->find("sample.mode");
  EXPECT_NE(mode.violation(Value(std::string("fsat"))).find("did you mean 'fast'?"), std::string::npos);
  const KeySpec& small = *schema->find("sample.small");
  EXPECT_NE(small.violation(Value(std::int64_t{1} << 40)), "");  // does not fit the int field
}

TEST(KeySpec, RulesApplyToScalarsAfterTheRangeCheck) {
  KeySpec even;
  even.path = "sample.even";
  even.type = ValueType::integer;
  even.in_range(Range::closed(0, 100)).satisfying("an even number", [](const Value& v) {
    return std::get<std::int64_t>(v) % 2 == 0 ? std::string() : std::string("an even number");
  });
  EXPECT_EQ(even.violation(Value(std::int64_t{4})), "");
  EXPECT_EQ(even.violation(Value(std::int64_t{5})), "an even number");
  EXPECT_NE(even.violation(Value(std::int64_t{102})), "");  // the range, before the rule
  EXPECT_NE(even.violation(Value(std::int64_t{102})), "an even number");
  KeySpec positive;
  positive.path = "sample.positive";
  positive.type = ValueType::number;
  positive.satisfying("positive", [](const Value& v) { return std::get<double>(v) > 0 ? std::string() : std::string("positive"); });
  EXPECT_EQ(positive.violation(Value(-1.0)), "positive");
}

TEST(Section, ReadsTypedStructsFromAResolvedConfig) {
  const auto schema = test::sample_schema();
  ResolvedConfig config(schema);
  config.set("sample.rate", 0.25, "test");
  config.set("sample.dir", std::string("/data/ct"), "test");
  config.set("sample.tags", std::vector<std::string>{"a", "b"}, "test");
  const test::Sample s = test::sample_section().read(config);
  EXPECT_EQ(s.rate, 0.25);
  EXPECT_EQ(s.count, 3);
  EXPECT_EQ(s.mode, "fast");
  EXPECT_EQ(s.dir, std::filesystem::path("/data/ct"));
  EXPECT_EQ(s.size, (std::vector<std::int64_t>{2, 4, 4}));
  EXPECT_EQ(s.tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(test::deep_section().read(config).depth, 1);
}

}  // namespace
}  // namespace unict::core
