#include "unict/core/config_value.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace unict::core {

std::string_view type_name(ValueType type) {
  switch (type) {
    case ValueType::boolean: return "bool";
    case ValueType::integer: return "int";
    case ValueType::number: return "float";
    case ValueType::string: return "string";
    case ValueType::path: return "path";
    case ValueType::integer_list: return "list of int";
    case ValueType::number_list: return "list of float";
    case ValueType::string_list: return "list of string";
  }
  return "?";
}

bool holds_type(const Value& value, ValueType type) {
  switch (type) {
    case ValueType::boolean: return std::holds_alternative<bool>(value);
    case ValueType::integer: return std::holds_alternative<std::int64_t>(value);
    case ValueType::number: return std::holds_alternative<double>(value);
    case ValueType::string:
    case ValueType::path: return std::holds_alternative<std::string>(value);
    case ValueType::integer_list: return std::holds_alternative<std::vector<std::int64_t>>(value);
    case ValueType::number_list: return std::holds_alternative<std::vector<double>>(value);
    case ValueType::string_list: return std::holds_alternative<std::vector<std::string>>(value);
  }
  return false;
}

std::string format_number(double value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  // Shortest text that round-trips, written so that YAML 1.1 readers (PyYAML) also see a float:
  // plain decimals in the usual range, otherwise a mantissa with a dot ("1.0e-09").
  const double magnitude = std::fabs(value);
  const bool plain = magnitude == 0.0 || (magnitude >= 1e-6 && magnitude < 1e15);
  char buffer[400];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value,
                                    plain ? std::chars_format::fixed : std::chars_format::scientific);
  std::string text(buffer, result.ptr);
  const auto exponent = text.find('e');
  if (text.find('.') == std::string::npos) text.insert(exponent == std::string::npos ? text.size() : exponent, ".0");
  return text;
}

std::string quote_string(std::string_view text) {
  std::string quoted = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': quoted += "\\\""; break;
      case '\\': quoted += "\\\\"; break;
      case '\n': quoted += "\\n"; break;
      case '\t': quoted += "\\t"; break;
      case '\r': quoted += "\\r"; break;
      default:
        if (c < 0x20) {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\x%02x", c);
          quoted += escape;
        } else {
          quoted += static_cast<char>(c);
        }
    }
  }
  return quoted + "\"";
}

namespace {

template <class T, class Format>
std::string format_list(const std::vector<T>& items, Format format) {
  std::string text = "[";
  for (std::size_t i = 0; i < items.size(); ++i) text += (i ? ", " : "") + format(items[i]);
  return text + "]";
}

}  // namespace

std::string format_value(const Value& value) {
  struct Formatter {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return format_number(d); }
    std::string operator()(const std::string& s) const { return quote_string(s); }
    std::string operator()(const std::vector<std::int64_t>& v) const {
      return format_list(v, [](std::int64_t i) { return std::to_string(i); });
    }
    std::string operator()(const std::vector<double>& v) const { return format_list(v, format_number); }
    std::string operator()(const std::vector<std::string>& v) const {
      return format_list(v, [](const std::string& s) { return quote_string(s); });
    }
  };
  return std::visit(Formatter{}, value);
}

std::string display_value(const Value& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  return format_value(value);
}

}  // namespace unict::core
