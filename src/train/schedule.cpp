#include "unict/train/schedule.h"

#include <algorithm>
#include <cmath>

#include "unict/core/error.h"

namespace unict::train {

Duration parse_duration(const std::string& text, const std::string& key) {
  const auto bad = [&] {
    return Error("not a duration").key(key).value(text).hint("write a positive number followed by e (epochs) or u (updates): 30e, 0.5e, 2000u");
  };
  if (text.size() < 2) throw bad();
  const char unit = text.back();
  if (unit != 'e' && unit != 'u') throw bad();
  const std::string number = text.substr(0, text.size() - 1);
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(number, &used);
  } catch (const std::exception&) {
    throw bad();
  }
  if (used != number.size() || !std::isfinite(value) || value <= 0) throw bad();
  if (unit == 'u' && value != std::floor(value)) throw bad();
  return {value, unit == 'e'};
}

std::int64_t to_updates(const Duration& duration, std::int64_t updates_per_epoch) {
  const double updates = duration.epochs ? duration.value * static_cast<double>(updates_per_epoch) : duration.value;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(updates - 1e-9)));
}

Schedule make_schedule(const TrainConfig& config, std::int64_t updates_per_epoch) {
  const auto total = to_updates(parse_duration(config.duration, "train.duration"), updates_per_epoch);
  const auto warmup = to_updates(parse_duration(config.warmup, "train.warmup"), updates_per_epoch);
  return {config.lr, std::min(total, warmup), total, config.min_lr_ratio};
}

double Schedule::factor(std::int64_t step) const {
  if (step < warmup) return static_cast<double>(step + 1) / static_cast<double>(warmup);
  const std::int64_t decay = total - warmup;
  if (decay <= 1) return 1.0;
  const double progress = std::min(1.0, static_cast<double>(step - warmup) / static_cast<double>(decay - 1));
  return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

}  // namespace unict::train
