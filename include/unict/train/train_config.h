// The `train` section: optimisation settings read by the trainer.
#pragma once

#include <cstdint>

#include "unict/core/config_schema.h"

namespace unict::train {

struct TrainConfig {
  double lr = 0;
  double weight_decay = 0;
  std::int64_t batch_size = 0;
  std::int64_t grad_accum_steps = 0;
  double clip_grad_norm = 0;
};

const core::Section<TrainConfig>& train_section();

}  // namespace unict::train
