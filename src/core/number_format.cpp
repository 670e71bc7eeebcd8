#include "unict/core/number_format.h"

#include <cstdio>

namespace unict::core {

std::string fixed(double value, int decimals, bool sign) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, sign ? "%+.*f" : "%.*f", decimals, value);
  return buffer;
}

std::string fixed(const std::optional<double>& value, int decimals, const std::string& missing) {
  return value ? fixed(*value, decimals) : missing;
}

std::string significant(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
  return buffer;
}

}  // namespace unict::core
