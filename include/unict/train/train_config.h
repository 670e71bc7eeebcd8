// The `train` section: optimisation, schedule, validation, checkpoints and guards of the trainer.
#pragma once

#include <cstdint>
#include <string>

#include "unict/core/config_schema.h"

namespace unict::train {

struct TrainConfig {
  double lr = 0;
  double encoder_lr_scale = 0;    // the encoder's learning rate is lr * this
  double weight_decay = 0;
  std::int64_t batch_size = 0;
  std::int64_t grad_accum_steps = 0;
  double clip_grad_norm = 0;
  std::string duration;           // "30e" epochs or "2000u" updates (schedule.h)
  std::string warmup;             // same units
  double min_lr_ratio = 0;        // the cosine ends at lr * this
  std::string val_every;          // same units
  std::string checkpoint_every;   // same units: how often checkpoints/last.pt is rewritten
  std::string selection_metric;   // a validation metric of eval/metric_registry.h (val.loss, val.cls.auroc_macro, ...)
  std::int64_t early_stopping_patience = 0;  // validations without improvement; 0 = off
  std::int64_t log_every = 0;     // updates between reads of the running losses from the device
  std::int64_t max_nonfinite = 0; // consecutive updates with a NaN / Inf loss before the run stops
  std::string amp;                // CUDA only: bf16 or off
  bool cudnn_benchmark = false;
  bool phase_timing = false;  // per-phase wall time in train.log
  bool shuffled_targets_control = false;  // a control run: training targets permuted across volumes
};

const core::Section<TrainConfig>& train_section();

}  // namespace unict::train
