#include "unict/train/train_config.h"

#include "unict/eval/metric_registry.h"
#include "unict/train/schedule.h"

namespace unict::train {
namespace {

using core::Range;

// A duration key must parse ("30e", "2000u", "0.5e"); the message names what is expected.
std::string duration_rule(const core::Value& value) {
  try {
    parse_duration(std::get<std::string>(value), "");
    return "";
  } catch (const std::exception&) {
    return "a positive number followed by e (epochs) or u (updates), such as 30e or 2000u";
  }
}

core::Section<TrainConfig> make_train_section() {
  core::Section<TrainConfig> s("train");
  s.key("lr", &TrainConfig::lr, 1e-4, "peak learning rate of AdamW (after warm-up)").in_range(Range::open_closed(0, 1));
  s.key("encoder_lr_scale", &TrainConfig::encoder_lr_scale, 1.0, "the encoder's learning rate is lr times this (its own parameter group)")
      .in_range(Range::closed(0, 100));
  s.key("weight_decay", &TrainConfig::weight_decay, 0.01, "AdamW weight decay (never applied to norms and biases)")
      .in_range(Range::closed(0, 1));
  s.key("batch_size", &TrainConfig::batch_size, std::int64_t{2}, "volumes per forward pass").in_range(Range::closed(1, 4096));
  s.key("grad_accum_steps", &TrainConfig::grad_accum_steps, std::int64_t{1},
        "forward passes whose gradients are summed before one update").in_range(Range::closed(1, 4096));
  s.key("clip_grad_norm", &TrainConfig::clip_grad_norm, 1.0, "clip the global gradient norm to this; 0 = no clipping")
      .in_range(Range::at_least(0));
  const std::string units = "a positive number followed by e (epochs) or u (updates)";
  s.key("duration", &TrainConfig::duration, std::string("30e"), "length of training: 30e = 30 epochs, 2000u = 2000 updates")
      .satisfying(units, duration_rule);
  s.key("warmup", &TrainConfig::warmup, std::string("1e"), "linear learning-rate warm-up from 0, then a cosine decay (same units)")
      .satisfying(units, duration_rule);
  s.key("min_lr_ratio", &TrainConfig::min_lr_ratio, 0.01, "the cosine decays to lr times this at the end of training")
      .in_range(Range::closed(0, 1));
  s.key("val_every", &TrainConfig::val_every, std::string("1e"), "validate this often (same units); also at the end")
      .satisfying(units, duration_rule);
  s.key("checkpoint_every", &TrainConfig::checkpoint_every, std::string("1e"),
        "rewrite checkpoints/last.pt this often (same units); also at validations, at the end and on SIGINT / SIGTERM")
      .satisfying(units, duration_rule);
  s.key("selection_metric", &TrainConfig::selection_metric, std::string("val.loss"),
        "validation metric that picks checkpoints/best.pt (the losses: lower is better; the others: higher)")
      .one_of(eval::metric_ids(eval::MetricStage::validation));
  s.key("early_stopping_patience", &TrainConfig::early_stopping_patience, std::int64_t{0},
        "stop after this many validations without improvement of the selection metric; 0 = never")
      .in_range(Range::at_least(0));
  s.key("log_every", &TrainConfig::log_every, std::int64_t{10},
        "updates between reads of the running losses from the device (a line of metrics.jsonl each time)")
      .in_range(Range::closed(1, 1000000));
  s.key("max_nonfinite", &TrainConfig::max_nonfinite, std::int64_t{5},
        "consecutive updates with a NaN or infinite loss (each skipped) before the run stops")
      .in_range(Range::closed(1, 1000000));
  s.key("amp", &TrainConfig::amp, std::string("bf16"), "mixed precision on CUDA: bf16 autocast or off (the CPU always runs float32)")
      .one_of({"bf16", "off"});
  s.key("cudnn_benchmark", &TrainConfig::cudnn_benchmark, true, "let cuDNN pick the fastest convolution algorithms (CUDA only)");
  s.key("phase_timing", &TrainConfig::phase_timing, true,
        "log the wall time per update of each phase (data wait, forward per head, losses, backward, optimiser) in train.log at "
        "every validation; on CUDA only the last update of each log_every window is timed, as its phase boundaries synchronise "
        "the device");
  s.key("shuffled_targets_control", &TrainConfig::shuffled_targets_control, false,
        "a control run: each training volume gets the labels, masks and report of another (a seeded permutation); "
        "validation and test volumes keep theirs, so the test metrics should stay at chance");
  return s;
}

}  // namespace

const core::Section<TrainConfig>& train_section() {
  static const core::Section<TrainConfig> section = make_train_section();
  return section;
}

}  // namespace unict::train
