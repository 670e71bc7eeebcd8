#include "unict/core/config_loader.h"

#include <gtest/gtest.h>

#include "config_test_schema.h"
#include "test_support.h"

namespace unict::core {
namespace {

namespace fs = std::filesystem;

class ConfigLoader : public ::testing::Test {
 protected:
  ResolvedConfig load(const std::string& file, const std::vector<std::string>& overrides = {}) {
    return load_config(schema_, dir_ / file, overrides);
  }
  template <class T>
  T get(const ResolvedConfig& config, const std::string& key) {
    return std::get<T>(config.get(key));
  }
  // The message of the Error that loading throws ("" when it does not throw).
  std::string error_of(const std::string& file, const std::vector<std::string>& overrides = {}) {
    try {
      load(file, overrides);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::user) << e.what();
      return e.what();
    }
    return "";
  }

  test::TempDir dir_;
  std::shared_ptr<const Schema> schema_ = test::sample_schema();
};


TEST_F(ConfigLoader, EmptyFileGivesTheDefaults) {
  dir_.write("empty.yaml", "");
  const auto config = load("empty.yaml");
  EXPECT_EQ(get<double>(config, "sample.rate"), 0.5);
  EXPECT_EQ(get<std::int64_t>(config, "sample.count"), 3);
  EXPECT_EQ(config.origin("sample.rate"), "default");
}

TEST_F(ConfigLoader, FileValuesOverrideDefaultsAndRecordWhereTheyCameFrom) {
  dir_.write("a.yaml", "sample:\n  rate: 0.25\n  flag: true\nouter:\n  inner:\n    depth: 4\n");
  const auto config = load("a.yaml");
  EXPECT_EQ(get<double>(config, "sample.rate"), 0.25);
  EXPECT_TRUE(get<bool>(config, "sample.flag"));
  EXPECT_EQ(get<std::int64_t>(config, "outer.inner.depth"), 4);
  EXPECT_EQ(config.origin("sample.rate"), (dir_ / "a.yaml").string() + ":2");
  EXPECT_EQ(config.origin("sample.count"), "default");
}

// A key that is a list or a mapping: yaml-cpp's own exception escaped every handler before (found
// by fuzzing, tests/fuzz/corpus/config/crash-key-that-is-not-a-name).
TEST_F(ConfigLoader, AKeyThatIsNotANameIsAnErrorNamingTheFileAndLine) {
  dir_.write("keys.yaml", "sample:\n  rate: 0.25\n  ? [a, b]\n  : 1\n");
  EXPECT_CONTAINS(error_of("keys.yaml"), "keys.yaml:3: a key must be a name 'a list'");
  dir_.write("map_key.yaml", "{x: 1}: 2\n");
  EXPECT_CONTAINS(error_of("map_key.yaml"), "map_key.yaml:1: a key must be a name 'a mapping'");
}

TEST_F(ConfigLoader, SkippedSectionsAreIgnoredOtherUnknownKeysStillFail) {
  dir_.write("more.yaml", "sample:\n  rate: 0.25\ndata:\n  root: /x\n  anything: [1, 2]\n");
  EXPECT_CONTAINS(error_of("more.yaml"), "unknown key");
  auto partial = std::make_shared<Schema>(*schema_);
  partial->skip_section("data");
  const auto config = load_config(partial, dir_ / "more.yaml");
  EXPECT_EQ(get<double>(config, "sample.rate"), 0.25);
  dir_.write("typo.yaml", "data:\n  root: /x\nsampel:\n  rate: 0.25\n");
  EXPECT_THROW(load_config(partial, dir_ / "typo.yaml"), Error);
}

TEST_F(ConfigLoader, BaseChainMergesDepthFirstAndTheIncludingFileWins) {
  dir_.write("grand.yaml", "sample:\n  count: 1\n  rate: 0.1\n  name: grand\n");
  dir_.write("parent.yaml", "base: grand.yaml\nsample:\n  count: 2\n");
  dir_.write("child.yaml", "base: parent.yaml\nsample:\n  name: child\n");
  const auto config = load("child.yaml");
  EXPECT_EQ(get<std::int64_t>(config, "sample.count"), 2);  // parent beats grand
  EXPECT_EQ(get<double>(config, "sample.rate"), 0.1);       // only grand sets it
  EXPECT_EQ(get<std::string>(config, "sample.name"), "child");
}

TEST_F(ConfigLoader, ListOfBasesMergesInOrderLaterWins) {
  dir_.write("a.yaml", "sample:\n  count: 1\n  name: a\n");
  dir_.write("b.yaml", "sample:\n  count: 2\n");
  dir_.write("top.yaml", "base: [a.yaml, b.yaml]\n");
  const auto config = load("top.yaml");
  EXPECT_EQ(get<std::int64_t>(config, "sample.count"), 2);
  EXPECT_EQ(get<std::string>(config, "sample.name"), "a");
}

TEST_F(ConfigLoader, BasePathsAreRelativeToTheIncludingFile) {
  dir_.write("shared/common.yaml", "sample:\n  count: 7\n");
  dir_.write("experiments/ablations/x.yaml", "base: ../../shared/common.yaml\n");
  EXPECT_EQ(get<std::int64_t>(load("experiments/ablations/x.yaml"), "sample.count"), 7);
}

TEST_F(ConfigLoader, DiamondInheritanceIsNotACycle) {
  dir_.write("common.yaml", "sample:\n  count: 5\n");
  dir_.write("left.yaml", "base: common.yaml\nsample:\n  name: left\n");
  dir_.write("right.yaml", "base: common.yaml\nsample:\n  rate: 0.9\n");
  dir_.write("top.yaml", "base: [left.yaml, right.yaml]\n");
  const auto config = load("top.yaml");
  EXPECT_EQ(get<std::int64_t>(config, "sample.count"), 5);
  EXPECT_EQ(get<std::string>(config, "sample.name"), "left");
  EXPECT_EQ(get<double>(config, "sample.rate"), 0.9);
}

TEST_F(ConfigLoader, CyclesAreErrorsThatShowTheChain) {
  dir_.write("a.yaml", "base: b.yaml\n");
  dir_.write("b.yaml", "base: a.yaml\n");
  const std::string message = error_of("a.yaml");
  EXPECT_CONTAINS(message, "cycle");
  EXPECT_CONTAINS(message, "a.yaml -> ");
  EXPECT_CONTAINS(message, "b.yaml -> ");
  dir_.write("self.yaml", "base: self.yaml\n");
  EXPECT_CONTAINS(error_of("self.yaml"), "cycle");
}

TEST_F(ConfigLoader, MissingBaseNamesTheIncludingFileAndLine) {
  dir_.write("top.yaml", "sample:\n  count: 1\nbase: nowhere.yaml\n");
  const std::string message = error_of("top.yaml");
  EXPECT_CONTAINS(message, "top.yaml:3");
  EXPECT_CONTAINS(message, "nowhere.yaml");
  EXPECT_CONTAINS(message, "not found");
  EXPECT_CONTAINS(error_of("no-such-file.yaml"), "no-such-file.yaml");
}

TEST_F(ConfigLoader, OverridesOfEveryTypeWinOverFilesAndTheLastOneWins) {
  dir_.write("a.yaml", "sample:\n  count: 1\n  name: from-file\n");
  const auto config = load("a.yaml", {"sample.flag=true", "sample.count=9", "sample.count=10", "sample.rate=3e-4",
                                      "sample.name=1e3", "sample.mode=exact", "sample.dir=data/ct",
                                      "sample.size=[8, 16, 16]", "sample.weights=0.5,2", "sample.tags=[a, \"b c\"]",
                                      "outer.inner.depth=2"});
  EXPECT_TRUE(get<bool>(config, "sample.flag"));
  EXPECT_EQ(get<std::int64_t>(config, "sample.count"), 10);
  EXPECT_EQ(get<double>(config, "sample.rate"), 3e-4);
  EXPECT_EQ(get<std::string>(config, "sample.name"), "1e3");  // strings are taken verbatim
  EXPECT_EQ(get<std::string>(config, "sample.mode"), "exact");
  EXPECT_EQ(get<std::string>(config, "sample.dir"), (fs::current_path() / "data/ct").string());
  EXPECT_EQ(get<std::vector<std::int64_t>>(config, "sample.size"), (std::vector<std::int64_t>{8, 16, 16}));
  EXPECT_EQ(get<std::vector<double>>(config, "sample.weights"), (std::vector<double>{0.5, 2.0}));
  EXPECT_EQ(get<std::vector<std::string>>(config, "sample.tags"), (std::vector<std::string>{"a", "b c"}));
  EXPECT_EQ(get<std::int64_t>(config, "outer.inner.depth"), 2);
  EXPECT_EQ(config.origin("sample.count"), "--set");
}

TEST_F(ConfigLoader, PathsInFilesAreMadeAbsoluteAgainstTheWorkingDirectory) {
  dir_.write("a.yaml", "sample:\n  dir: runs/../data\n");
  EXPECT_EQ(get<std::string>(load("a.yaml"), "sample.dir"), (fs::current_path() / "data").string());
  dir_.write("b.yaml", "sample:\n  dir: /abs/path\n");
  EXPECT_EQ(get<std::string>(load("b.yaml"), "sample.dir"), "/abs/path");
}

TEST_F(ConfigLoader, UnknownKeysNameFileLinePathAndTheNearestKey) {
  dir_.write("a.yaml", "sample:\n  count: 1\n  rat: 0.2\n");
  const std::string message = error_of("a.yaml");
  EXPECT_CONTAINS(message, "a.yaml:3");
  EXPECT_CONTAINS(message, "key 'sample.rat': unknown key");
  EXPECT_CONTAINS(message, "did you mean 'sample.rate'?");

  dir_.write("b.yaml", "smaple:\n  count: 1\n");
  EXPECT_CONTAINS(error_of("b.yaml"), "key 'smaple': unknown key (did you mean 'sample'?)");

  dir_.write("empty.yaml", "");
  const std::string from_set = error_of("empty.yaml", {"sample.rat=1"});
  EXPECT_CONTAINS(from_set, "key 'sample.rat': unknown key");
  EXPECT_CONTAINS(from_set, "did you mean 'sample.rate'?");
  EXPECT_CONTAINS(error_of("empty.yaml", {"zzz.qqq=1"}), "unict config keys");
}

TEST_F(ConfigLoader, WrongTypesNameKeyValueAndWhatIsAllowed) {
  struct Case {
    std::string yaml, key, value, expected;
  };
  const std::vector<Case> cases = {
      {"sample:\n  count: many\n", "sample.count", "'many'", "an int in [0, 10]"},
      {"sample:\n  count: 2.5\n", "sample.count", "'2.5'", "an int"},
      {"sample:\n  count: \"2\"\n", "sample.count", "'2'", "an int"},  // quoted: a string, not a number
      {"sample:\n  flag: yes\n", "sample.flag", "'yes'", "true or false"},
      {"sample:\n  rate: fast\n", "sample.rate", "'fast'", "a float in (0, 1]"},
      {"sample:\n  rate: .inf\n", "sample.rate", "'.inf'", "a float"},
      {"sample:\n  rate:\n", "sample.rate", "'null'", "a float"},
      {"sample:\n  rate: [1]\n", "sample.rate", "'a list'", "a float"},
      {"sample:\n  name: ~\n", "sample.name", "'null'", "a string"},
      {"sample:\n  size: 3\n", "sample.size", "'3'", "a list of 3 ints"},
      {"sample:\n  size: [1, x, 3]\n", "sample.size", "'x'", "a list of 3 ints"},
      {"sample: 5\n", "sample", "'5'", "a mapping"},
  };
  for (const auto& c : cases) {
    dir_.write("bad.yaml", c.yaml);
    const std::string message = error_of("bad.yaml");
    EXPECT_CONTAINS(message, "key '" + c.key + "'");
    EXPECT_CONTAINS(message, c.value);
    EXPECT_CONTAINS(message, "expected " + c.expected);
    EXPECT_CONTAINS(message, "bad.yaml:");
  }
}

TEST_F(ConfigLoader, OutOfRangeValuesAndBadChoicesAreErrors) {
  dir_.write("empty.yaml", "");
  EXPECT_CONTAINS(error_of("empty.yaml", {"sample.count=11"}), "invalid value '11'; expected an int in [0, 10]");
  EXPECT_CONTAINS(error_of("empty.yaml", {"sample.rate=0"}), "expected a float in (0, 1]");
  EXPECT_CONTAINS(error_of("empty.yaml", {"sample.size=[1,2]"}), "expected a list of 3 ints");
  EXPECT_CONTAINS(error_of("empty.yaml", {"sample.size=[1,0,2]"}), "each >= 1");
  EXPECT_CONTAINS(error_of("empty.yaml", {"sample.weights=[-1]"}), "expected a list of floats, each >= 0");
  EXPECT_CONTAINS(error_of("empty.yaml", {"sample.mode=fsat"}), "did you mean 'fast'?");
  EXPECT_CONTAINS(error_of("empty.yaml", {"sample.small=4294967296"}), "[-2147483648, 2147483647]");
  EXPECT_CONTAINS(error_of("empty.yaml", {"sample.flag=1"}), "true or false");
  EXPECT_CONTAINS(error_of("empty.yaml", {"sample.count=99999999999999999999"}), "an int");
  dir_.write("range.yaml", "sample:\n  count: -1\n");
  EXPECT_CONTAINS(error_of("range.yaml"), "range.yaml:2: key 'sample.count': invalid value '-1'; expected an int in [0, 10]");
}

TEST_F(ConfigLoader, MalformedInputIsAClearError) {
  dir_.write("syntax.yaml", "sample:\n  count: [1, 2\n");
  EXPECT_CONTAINS(error_of("syntax.yaml"), "invalid YAML");
  dir_.write("list.yaml", "- a\n- b\n");
  EXPECT_CONTAINS(error_of("list.yaml"), "expected a mapping of keys at the top level");
  dir_.write("twice.yaml", "sample:\n  count: 1\n  count: 2\n");
  EXPECT_CONTAINS(error_of("twice.yaml"), "key given twice");
  dir_.write("base.yaml", "base: {a: 1}\n");
  EXPECT_CONTAINS(error_of("base.yaml"), "key 'base'");
  dir_.write("empty.yaml", "");
  EXPECT_CONTAINS(error_of("empty.yaml", {"sample.count"}), "expected key.path=value");
  EXPECT_CONTAINS(error_of("empty.yaml", {"sample=1"}), "not a section");
  EXPECT_CONTAINS(error_of("empty.yaml", {"sample.size=[1, 2"}), "key 'sample.size'");
}

TEST_F(ConfigLoader, YamlOutputReadsBackToTheSameValues) {
  dir_.write("a.yaml", "sample:\n  rate: 0.1\n  name: \"quote \\\" and: colon\"\n  tags: [x, '#not a comment']\n");
  const auto original = load("a.yaml", {"sample.weights=[1e-9, 3.25, 7]", "sample.flag=true"});
  dir_.write("again.yaml", original.to_yaml({true, true}));
  const auto again = load("again.yaml");
  for (const auto& spec : schema_->keys()) EXPECT_EQ(original.get(spec.path), again.get(spec.path)) << spec.path;
}

}  // namespace
}  // namespace unict::core
