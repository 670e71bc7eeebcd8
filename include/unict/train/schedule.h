// Training lengths with units and the learning-rate schedule. A duration is written "30e" (epochs,
// fractions allowed) or "2000u" (optimiser updates); it becomes updates once the number of updates
// per epoch is known. The schedule warms up linearly from 0 to the peak, then follows a cosine to
// peak * min_ratio at the last update.
#pragma once

#include <cstdint>
#include <string>

#include "unict/train/train_config.h"

namespace unict::train {

struct Duration {
  double value = 0;
  bool epochs = true;  // false: updates
};

// Errors name `key` and the text.
Duration parse_duration(const std::string& text, const std::string& key);

// At least 1 update for a positive duration (a fraction of an epoch rounds up).
std::int64_t to_updates(const Duration& duration, std::int64_t updates_per_epoch);

struct Schedule {
  double peak = 0;
  std::int64_t warmup = 0;  // updates
  std::int64_t total = 0;   // updates
  double min_ratio = 0;
  // The factor of the peak learning rate for update `step` (0-based).
  double factor(std::int64_t step) const;
  double lr(std::int64_t step) const { return peak * factor(step); }
};

// train.lr, train.warmup (at most the whole run), train.duration and train.min_lr_ratio in updates.
Schedule make_schedule(const TrainConfig& config, std::int64_t updates_per_epoch);

}  // namespace unict::train
