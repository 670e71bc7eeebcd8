// Numbers as text, one way for every table, report and file: fixed decimals for what people read,
// round-trip significant digits for what programs read back.
#pragma once

#include <optional>
#include <string>

namespace unict::core {

// 0.91234 -> "0.9123" (decimals 4). `sign` writes "+" before positive values ("+0.0123").
std::string fixed(double value, int decimals, bool sign = false);
// An absent value is `missing` ("-" in the tables).
std::string fixed(const std::optional<double>& value, int decimals, const std::string& missing);

// At most `digits` significant digits, shortest form ("%.*g"): 0.1 -> "0.1", 1e-12 -> "1e-12".
std::string significant(double value, int digits);

}  // namespace unict::core
