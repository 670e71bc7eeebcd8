#include "unict/train/train_config.h"

namespace unict::train {
namespace {

using core::Range;

core::Section<TrainConfig> make_train_section() {
  core::Section<TrainConfig> s("train");
  s.key("lr", &TrainConfig::lr, 1e-4, "peak learning rate of AdamW (after warm-up)").in_range(Range::open_closed(0, 1));
  s.key("weight_decay", &TrainConfig::weight_decay, 0.01, "AdamW weight decay (never applied to norms and biases)")
      .in_range(Range::closed(0, 1));
  s.key("batch_size", &TrainConfig::batch_size, std::int64_t{2}, "volumes per forward pass").in_range(Range::closed(1, 4096));
  s.key("grad_accum_steps", &TrainConfig::grad_accum_steps, std::int64_t{1},
        "forward passes whose gradients are summed before one update").in_range(Range::closed(1, 4096));
  s.key("clip_grad_norm", &TrainConfig::clip_grad_norm, 1.0, "clip the global gradient norm to this; 0 = no clipping")
      .in_range(Range::at_least(0));
  return s;
}

}  // namespace

const core::Section<TrainConfig>& train_section() {
  static const core::Section<TrainConfig> section = make_train_section();
  return section;
}

}  // namespace unict::train
