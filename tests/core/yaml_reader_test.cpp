#include "unict/core/yaml_reader.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace unict::core {
namespace {

YamlNode parse(const std::string& text) { return YamlNode::parse(text, "f.yaml"); }

TEST(YamlReader, TypedValuesReadAsWritten) {
  const auto root = parse("n: 3\nx: -2.5e-3\nb: false\ns: hello\nl: [a, b]\nm: {k: 1}\nempty:\n");
  EXPECT_EQ(root["n"].as_integer(), 3);
  EXPECT_DOUBLE_EQ(root["x"].as_number(), -2.5e-3);
  EXPECT_FALSE(root["b"].as_bool());
  EXPECT_EQ(root["s"].as_string(), "hello");
  EXPECT_EQ(root["l"].string_list(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(root["m"]["k"].as_integer(), 1);
  EXPECT_TRUE(root["empty"].is_null());
  EXPECT_TRUE(root["absent"].is_null());
  EXPECT_TRUE(root["absent"].items().empty());
  EXPECT_FALSE(root.has("absent"));
  EXPECT_TRUE(root.has("n"));
  EXPECT_EQ(root["m"]["k"].path(), "m.k");
  EXPECT_EQ(root["l"].items()[1].path(), "l[1]");
  EXPECT_EQ(root["l"].items()[1].line(), 5);
}

TEST(YamlReader, AWrongTypeNamesTheFileLineKeyAndWhatWasExpected) {
  const auto root = parse("a: 1\nn: three\nq: '3'\nb: yes please\nl: x\nt: [1, [2]]\ninf: .inf\n");
  EXPECT_EQ(test::error_of([&] { root["n"].as_integer(); }), "f.yaml:2: key 'n': invalid value 'three'; expected an integer");
  // A quoted number is text, as in configs.
  EXPECT_CONTAINS(test::error_of([&] { root["q"].as_number(); }), "f.yaml:3: key 'q': invalid value '3'; expected a finite number");
  EXPECT_CONTAINS(test::error_of([&] { root["b"].as_bool(); }), "key 'b': invalid value 'yes please'; expected true or false");
  EXPECT_CONTAINS(test::error_of([&] { root["l"].items(); }), "f.yaml:5: key 'l': invalid value 'x'; expected a list");
  EXPECT_CONTAINS(test::error_of([&] { root["t"].string_list(); }), "key 't[1]': invalid value 'a list'; expected a non-empty text");
  EXPECT_CONTAINS(test::error_of([&] { root["inf"].as_number(); }), "expected a finite number");
  EXPECT_CONTAINS(test::error_of([&] { root["a"].entries(); }), "key 'a': invalid value '1'; expected a mapping");
}

TEST(YamlReader, UnknownKeysAreRefusedWithTheNearestAllowedKey) {
  const auto root = parse("name: a\nconfg: b.yaml\n");
  EXPECT_EQ(test::error_of([&] { root.expect_keys({"name", "config", "set"}, "a variant"); }),
            "f.yaml:2: key 'confg': unknown key in a variant (did you mean 'config'? a variant takes name, config, set)");
  EXPECT_EQ(test::error_of([&] { root.expect_keys({"name", "x"}, "a thing"); }),
            "f.yaml:2: key 'confg': unknown key in a thing; expected one of: name, x");
  EXPECT_NO_THROW(root.expect_keys({"name", "confg"}, "a thing"));
  EXPECT_CONTAINS(test::error_of([&] { parse("- a\n").expect_keys({"name"}, "a thing"); }), "expected a thing: a mapping of name");
  EXPECT_CONTAINS(test::error_of([&] { parse("a: 1\na: 2\n").expect_keys({"a"}, "a thing"); }), "f.yaml:2: key 'a': key given twice in one mapping");
  EXPECT_CONTAINS(test::error_of([&] { parse("? [a]\n: 1\n").expect_keys({"a"}, "a thing"); }), "a key must be a name 'a list'");
}

TEST(YamlReader, MissingKeysAndBadFilesAreErrors) {
  const auto root = parse("top:\n  a: 1\n");
  EXPECT_EQ(test::error_of([&] { root["top"].required("b"); }), "f.yaml:2: key 'top.b': missing key");
  EXPECT_CONTAINS(test::error_of([&] { parse("a: [1,\n"); }), "f.yaml:");
  EXPECT_CONTAINS(test::error_of([&] { parse("a: [1,\n"); }), "invalid YAML");
  test::TempDir dir;
  EXPECT_CONTAINS(test::error_of([&] { YamlNode::load_file(dir / "nowhere.yaml"); }), "nowhere.yaml");
  EXPECT_TRUE(YamlNode::load_file(dir.write("empty.yaml", "")).is_null());
}

TEST(YamlReader, FreeKeyedMappingsKeepTheFileOrder) {
  const auto entries = parse("classes:\n  b: {terms: [x]}\n  a: {terms: [y]}\n")["classes"].entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].first, "b");
  EXPECT_EQ(entries[1].first, "a");
  EXPECT_EQ(entries[1].second.path(), "classes.a");
  EXPECT_EQ(entries[1].second["terms"].string_list(), (std::vector<std::string>{"y"}));
  EXPECT_CONTAINS(test::error_of([&] { parse("m:\n  a: 1\n  a: 2\n")["m"].entries(); }), "f.yaml:3: key 'm.a': key given twice");
}

}  // namespace
}  // namespace unict::core
