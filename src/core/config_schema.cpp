#include "unict/core/config_schema.h"

#include <algorithm>
#include <cmath>

#include "unict/core/join.h"
#include "unict/core/resolved_config.h"
#include "unict/core/string_distance.h"

namespace unict::core {

bool Range::contains(double x) const {
  const bool above_min = min_open ? x > min : x >= min;
  const bool below_max = max_open ? x < max : x <= max;
  return above_min && below_max;
}

std::string Range::describe(bool integer_bounds) const {
  const auto bound = [&](double x) {
    const bool integral = integer_bounds || (x == std::floor(x) && std::fabs(x) < 1e15);
    return integral ? std::to_string(static_cast<long long>(x)) : format_number(x);
  };
  if (max == kInfinity) return (min_open ? "> " : ">= ") + bound(min);
  return std::string(min_open ? "(" : "[") + bound(min) + ", " + bound(max) + (max_open ? ")" : "]");
}

namespace {

std::string element_violation(const KeySpec& spec, double number) {
  if (spec.range && !spec.range->contains(number)) return spec.allowed();
  return {};
}

std::string string_violation(const KeySpec& spec, const std::string& text) {
  if (!spec.choices.empty() && std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end()) {
    std::string expected = spec.allowed();
    if (auto near = nearest_word(text, spec.choices)) expected += " (did you mean '" + *near + "'?)";
    return expected;
  }
  return {};
}

}  // namespace

KeySpec& KeySpec::all_positive() {
  return satisfying("positive integers", [](const Value& value) {
    for (auto v : std::get<std::vector<std::int64_t>>(value))
      if (v < 1) return std::string("positive integers");
    return std::string();
  });
}

std::string KeySpec::allowed() const {
  std::string text;
  const bool is_list = type == ValueType::integer_list || type == ValueType::number_list || type == ValueType::string_list;
  if (is_list) {
    text = length ? "a list of " + std::to_string(*length) + " " : "a list of ";
    text += type == ValueType::integer_list ? "ints" : type == ValueType::number_list ? "floats" : "strings";
  } else {
    text = type == ValueType::boolean ? "true or false"
         : type == ValueType::integer  ? "an int"
         : type == ValueType::number   ? "a float"
         : type == ValueType::path     ? "a path"
                                       : "a string";
  }
  const bool integers = type == ValueType::integer || type == ValueType::integer_list;
  if (range) {
    const bool interval = range->max != Range::kInfinity;
    text += std::string(is_list ? ", each" : "") + (interval ? " in " : " ") + range->describe(integers);
  }
  if (!choices.empty()) text += (is_list ? ", each one of: " : ", one of: ") + join(choices, ", ");
  if (!rule_description.empty()) text += " (" + rule_description + ")";
  return text;
}

std::string KeySpec::violation(const Value& value) const {
  if (!holds_type(value, type)) return allowed();
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    if (auto v = element_violation(*this, static_cast<double>(*i)); !v.empty()) return v;
  }
  if (const auto* d = std::get_if<double>(&value)) {
    if (auto v = element_violation(*this, *d); !v.empty()) return v;
  }
  if (const auto* s = std::get_if<std::string>(&value)) {
    if (auto v = string_violation(*this, *s); !v.empty()) return v;
  }
  if (const auto* list = std::get_if<std::vector<std::int64_t>>(&value)) {
    if (length && list->size() != *length) return allowed();
    for (auto x : *list)
      if (auto v = element_violation(*this, static_cast<double>(x)); !v.empty()) return v;
  }
  if (const auto* list = std::get_if<std::vector<double>>(&value)) {
    if (length && list->size() != *length) return allowed();
    for (auto x : *list)
      if (auto v = element_violation(*this, x); !v.empty()) return v;
  }
  if (const auto* list = std::get_if<std::vector<std::string>>(&value)) {
    if (length && list->size() != *length) return allowed();
    for (const auto& x : *list)
      if (auto v = string_violation(*this, x); !v.empty()) return v;
  }
  if (rule) {
    if (auto expected = rule(value); !expected.empty()) return expected;
  }
  return {};
}

void Schema::add(KeySpec spec) {
  if (find(spec.path)) throw internal_error("configuration key declared twice").key(spec.path);
  for (const auto& k : keys_) {
    if (k.path.rfind(spec.path + ".", 0) == 0 || spec.path.rfind(k.path + ".", 0) == 0)
      throw internal_error("configuration key is also a section").key(spec.path);
  }
  if (auto problem = spec.violation(spec.default_value); !problem.empty())
    throw internal_error("default breaks its own constraints").key(spec.path).value(format_value(spec.default_value)).expected(problem);
  keys_.push_back(std::move(spec));
}

bool Schema::is_skipped_section(std::string_view name) const {
  return std::find(skipped_.begin(), skipped_.end(), name) != skipped_.end();
}

const KeySpec* Schema::find(std::string_view path) const {
  for (const auto& k : keys_)
    if (k.path == path) return &k;
  return nullptr;
}

bool Schema::is_section(std::string_view path) const {
  const std::string prefix = std::string(path) + ".";
  return std::any_of(keys_.begin(), keys_.end(), [&](const KeySpec& k) { return k.path.rfind(prefix, 0) == 0; });
}

std::optional<std::string> Schema::suggest(std::string_view path) const {
  // Candidates: every key and every section ("sample" for a mistyped "smaple").
  std::vector<std::string> paths;
  for (const auto& k : keys_) {
    for (auto dot = k.path.find('.'); dot != std::string::npos; dot = k.path.find('.', dot + 1)) {
      std::string section = k.path.substr(0, dot);
      if (std::find(paths.begin(), paths.end(), section) == paths.end()) paths.push_back(std::move(section));
    }
    paths.push_back(k.path);
  }
  if (auto near = nearest_word(path, paths)) return near;
  const auto last_part = [](std::string_view p) { return p.substr(p.rfind('.') + 1); };
  for (const auto& k : keys_)
    if (last_part(k.path) == last_part(path)) return k.path;
  return std::nullopt;
}

namespace detail {
const Value& lookup(const ResolvedConfig& config, const std::string& path) { return config.get(path); }
}  // namespace detail

}  // namespace unict::core
