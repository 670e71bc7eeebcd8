// A schema with one key of every type and constraint, for the config tests.
#pragma once

#include <filesystem>
#include <memory>

#include "unict/core/config_schema.h"

namespace unict::test {

struct Sample {
  bool flag = false;
  std::int64_t count = 0;
  int small = 0;
  double rate = 0;
  std::string name, mode;
  std::filesystem::path dir;
  std::vector<std::int64_t> size;
  std::vector<double> weights;
  std::vector<std::string> tags;
};

struct Deep {
  std::int64_t depth = 0;
};

inline const core::Section<Sample>& sample_section() {
  static const core::Section<Sample> section = [] {
    core::Section<Sample> s("sample");
    s.key("flag", &Sample::flag, false, "a switch");
    s.key("count", &Sample::count, std::int64_t{3}, "a count").in_range(core::Range::closed(0, 10));
    s.key("small", &Sample::small, 1, "an int field with the automatic int32 range");
    s.key("rate", &Sample::rate, 0.5, "a rate").in_range(core::Range::open_closed(0, 1));
    s.key("name", &Sample::name, std::string("x"), "a free string");
    s.key("mode", &Sample::mode, std::string("fast"), "a choice").one_of({"fast", "slow", "exact"});
    s.key("dir", &Sample::dir, std::filesystem::path(""), "a path");
    s.key("size", &Sample::size, std::vector<std::int64_t>{2, 4, 4}, "a shape").of_length(3).in_range(core::Range::at_least(1));
    s.key("weights", &Sample::weights, std::vector<double>{1.0}, "weights").in_range(core::Range::at_least(0));
    s.key("tags", &Sample::tags, std::vector<std::string>{}, "tags");
    return s;
  }();
  return section;
}

inline const core::Section<Deep>& deep_section() {
  static const core::Section<Deep> section = [] {
    core::Section<Deep> s("outer.inner");
    s.key("depth", &Deep::depth, std::int64_t{1}, "a key two sections down");
    return s;
  }();
  return section;
}

inline std::shared_ptr<const core::Schema> sample_schema() {
  auto schema = std::make_shared<core::Schema>();
  sample_section().declare_in(*schema);
  deep_section().declare_in(*schema);
  return schema;
}

}  // namespace unict::test
