#include "unict/core/phase_clock.h"

#include <cstdio>

namespace unict::core {

void PhaseClock::start() {
  if (sync_) sync_();
  last_ = std::chrono::steady_clock::now();
}

void PhaseClock::lap(const std::string& phase) {
  if (sync_) sync_();
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  for (auto& [name, seconds] : seconds_)
    if (name == phase) {
      seconds += elapsed;
      return;
    }
  seconds_.emplace_back(phase, elapsed);
}

std::string PhaseClock::summary(const std::string& per) const {
  if (repetitions_ == 0) return "";
  std::string text;
  double total = 0;
  char buffer[64];
  for (const auto& [name, seconds] : seconds_) {
    const double ms = 1000 * seconds / static_cast<double>(repetitions_);
    total += ms;
    std::snprintf(buffer, sizeof buffer, "%.1f", ms);
    text += (text.empty() ? "" : ", ") + name + " " + buffer;
  }
  std::snprintf(buffer, sizeof buffer, "%.1f", total);
  return text + " (total " + buffer + ") ms per " + per;
}

void PhaseClock::reset() {
  seconds_.clear();
  repetitions_ = 0;
}

}  // namespace unict::core
