// Configuration keys are declared once, each with its type, default, one-line help and what values
// it allows. A layer declares its keys in a Section bound to its own plain struct; the Schema is the
// union of the sections, and the loader validates every value against it. Code never sees YAML:
// it receives its struct, filled from a ResolvedConfig.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "unict/core/config_value.h"
#include "unict/core/error.h"

namespace unict::core {

class ResolvedConfig;

// An interval for numbers, integers and the elements of numeric lists.
struct Range {
  static constexpr double kInfinity = std::numeric_limits<double>::infinity();
  double min = -kInfinity, max = kInfinity;
  bool min_open = false, max_open = false;

  static Range closed(double lo, double hi) { return {lo, hi, false, false}; }
  static Range open_closed(double lo, double hi) { return {lo, hi, true, false}; }
  static Range at_least(double lo) { return {lo, kInfinity, false, true}; }
  static Range above(double lo) { return {lo, kInfinity, true, true}; }

  bool contains(double x) const;
  // "[0, 1]", "(0, 1]", ">= 1", "> 0"; integer_bounds prints "5" rather than "5.0".
  std::string describe(bool integer_bounds = false) const;
};

struct KeySpec {
  std::string path;  // "train.lr"
  ValueType type = ValueType::string;
  Value default_value;
  std::string help;
  std::optional<Range> range;
  std::vector<std::string> choices;            // strings and string-list elements
  std::optional<std::size_t> length;           // lists of a fixed length
  // A further rule: returns an empty string when `value` is acceptable, else what is expected.
  std::function<std::string(const Value&)> rule;
  std::string rule_description;

  KeySpec& in_range(Range r) { range = r; return *this; }
  KeySpec& one_of(std::vector<std::string> allowed) { choices = std::move(allowed); return *this; }
  KeySpec& of_length(std::size_t n) { length = n; return *this; }
  KeySpec& satisfying(std::string description, std::function<std::string(const Value&)> check) {
    rule_description = std::move(description);
    rule = std::move(check);
    return *this;
  }
  // Integer lists whose every element is at least 1 (channels, depths, strides).
  KeySpec& all_positive();

  // What values are allowed, in words ("a float in (0, 1]", "one of: cpu, cuda").
  std::string allowed() const;
  // Empty when `value` satisfies every constraint, else what was expected (for an Error).
  std::string violation(const Value& value) const;
};

// What is wrong with one key, found by a rule across keys; the caller's Error adds where the
// value was set (ResolvedConfig::origin).
struct KeyProblem {
  std::string key, reason, expected;
};

class Schema {
 public:
  // Throws an internal Error on a duplicate key, a key that is also a section, or a default that
  // breaks the key's own constraints.
  void add(KeySpec spec);

  const KeySpec* find(std::string_view path) const;
  // True when `path` names a section: a proper prefix ("train") of some key ("train.lr").
  bool is_section(std::string_view path) const;
  const std::vector<KeySpec>& keys() const { return keys_; }

  // For programs that read only part of a config (the model benchmark on a machine without the
  // data layer): top-level sections named here are skipped when a file is read, unchecked.
  void skip_section(std::string name) { skipped_.push_back(std::move(name)); }
  bool is_skipped_section(std::string_view name) const;

  // The declared key a mistyped `path` most likely meant: the nearest full path, or a key whose
  // last part equals the last part of `path` ("lr" -> "train.lr").
  std::optional<std::string> suggest(std::string_view path) const;

 private:
  std::vector<KeySpec> keys_;
  std::vector<std::string> skipped_;
};

namespace detail {
template <class T> constexpr ValueType value_type_of() {
  if constexpr (std::is_same_v<T, bool>) return ValueType::boolean;
  else if constexpr (std::is_integral_v<T>) return ValueType::integer;
  else if constexpr (std::is_floating_point_v<T>) return ValueType::number;
  else if constexpr (std::is_same_v<T, std::string>) return ValueType::string;
  else if constexpr (std::is_same_v<T, std::filesystem::path>) return ValueType::path;
  else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) return ValueType::integer_list;
  else if constexpr (std::is_same_v<T, std::vector<double>>) return ValueType::number_list;
  else if constexpr (std::is_same_v<T, std::vector<std::string>>) return ValueType::string_list;
  else static_assert(sizeof(T) == 0, "unsupported configuration field type");
}

template <class T> Value to_value(const T& field) {
  if constexpr (std::is_same_v<T, bool>) return field;
  else if constexpr (std::is_integral_v<T>) return static_cast<std::int64_t>(field);
  else if constexpr (std::is_floating_point_v<T>) return static_cast<double>(field);
  else if constexpr (std::is_same_v<T, std::filesystem::path>) return field.string();
  else return field;
}

template <class T> T from_value(const Value& value) {
  if constexpr (std::is_same_v<T, bool>) return std::get<bool>(value);
  else if constexpr (std::is_integral_v<T>) return static_cast<T>(std::get<std::int64_t>(value));
  else if constexpr (std::is_floating_point_v<T>) return static_cast<T>(std::get<double>(value));
  else if constexpr (std::is_same_v<T, std::filesystem::path>) return std::filesystem::path(std::get<std::string>(value));
  else return std::get<T>(value);
}

const Value& lookup(const ResolvedConfig& config, const std::string& path);
}  // namespace detail

// The keys of one struct S, under the section name `name` ("train").
//   Section<TrainConfig> s("train");
//   s.key("lr", &TrainConfig::lr, 1e-4, "peak learning rate").in_range(Range::open_closed(0, 1));
// The field's C++ type picks the key's type; int fields get an automatic range check.
template <class S>
class Section {
 public:
  explicit Section(std::string name) : name_(std::move(name)) {}

  template <class T>
  KeySpec& key(const std::string& name, T S::*field, const T& default_value, std::string help) {
    KeySpec spec;
    spec.path = name_ + "." + name;
    spec.type = detail::value_type_of<T>();
    spec.default_value = detail::to_value(default_value);
    spec.help = std::move(help);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool> && sizeof(T) < sizeof(std::int64_t)) {
      spec.range = Range::closed(static_cast<double>(std::numeric_limits<T>::min()),
                                 static_cast<double>(std::numeric_limits<T>::max()));
    }
    bindings_.push_back({std::move(spec), [field](S& s, const Value& v) { s.*field = detail::from_value<T>(v); }});
    return bindings_.back().spec;
  }

  const std::string& name() const { return name_; }

  void declare_in(Schema& schema) const {
    for (const auto& b : bindings_) schema.add(b.spec);
  }

  S read(const ResolvedConfig& config) const {
    S s{};
    for (const auto& b : bindings_) b.assign(s, detail::lookup(config, b.spec.path));
    return s;
  }

 private:
  struct Binding {
    KeySpec spec;
    std::function<void(S&, const Value&)> assign;
  };
  std::string name_;
  std::vector<Binding> bindings_;
};

}  // namespace unict::core
