// The typed values a configuration key can hold, and their text form (YAML flow syntax).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace unict::core {

enum class ValueType { boolean, integer, number, string, path, integer_list, number_list, string_list };

// A path is held as a string (absolute once resolved); the other types map one to one.
using Value = std::variant<bool, std::int64_t, double, std::string, std::vector<std::int64_t>,
                           std::vector<double>, std::vector<std::string>>;

// "bool", "int", "float", "string", "path", "list of int", "list of float", "list of string"
std::string_view type_name(ValueType type);

// Whether `value` holds the alternative that `type` uses.
bool holds_type(const Value& value, ValueType type);

// YAML flow text that reads back as the same value: true, 42, 0.0003, 1.0, "text", [1, 2], [].
// Floats use the shortest text that round-trips exactly; strings are always double-quoted.
std::string format_value(const Value& value);
std::string format_number(double value);
// For messages: strings as they are, everything else as format_value.
std::string display_value(const Value& value);
std::string quote_string(std::string_view text);

}  // namespace unict::core
