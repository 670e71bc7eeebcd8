// The trainer: AdamW (optimizer.h) under the warm-up + cosine schedule (schedule.h), gradient
// accumulation, clipping, per-task losses (model/losses.h), validation every val_every with the
// selection metric picking checkpoints/best.pt, early stopping, checkpoints/last.pt for exact
// resume (checkpoint.h), a guard against NaN / Inf losses, SIGINT / SIGTERM handling.
//
// The run folder it writes:
//   train.log                 everything logged (debug and up)
//   metrics.jsonl             one line per log_every updates ({"step", "epoch", "lr", "train.loss", "train.cls.loss", ...})
//                             and one per validation ({"step", "val.loss", "val.cls.auroc_macro", ...}; the
//                             ids are eval/metric_registry.h's); no wall-clock
//                             figures, so that a resumed run writes the very same file
//   checkpoints/last.pt       full state, rewritten every checkpoint_every and at the end
//   checkpoints/best.pt       weights at the best validation (the last ones when nothing validates)
//   training.json             the outcome: why it stopped, updates, best step and metric
//   progress.json             {"step", "total_updates", "epoch", "updated_at" (Unix seconds), "updates_per_s"
//                             (this process's rate, null before its first window)}, every log_every updates
//
// Launched as several ranks (TrainerInputs::group; docs/distributed.md), each trains on its share
// of every global batch and the gradients are summed over the ranks; rank 0 alone writes the
// files above and validates.
//
// On the CPU every step is deterministic, so a run killed at any point and resumed from
// last.pt ends with bitwise the same weights and metrics.jsonl as a run never interrupted.
// On CUDA: bf16 autocast (train.amp), cuDNN benchmark, batches in pinned memory copied without
// blocking; the running losses stay on the device and are read every log_every updates. The one
// read per update is the non-finite check (a single flag).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "unict/data/loader.h"
#include "unict/model/model_config.h"
#include "unict/model/unict_model.h"
#include "unict/train/checkpoint.h"
#include "unict/train/distributed_config.h"
#include "unict/train/train_config.h"

namespace unict::train {

class ProcessGroup;

struct TrainerInputs {
  std::filesystem::path run_dir;
  TrainConfig train;
  data::LoaderConfig loader;
  model::ModelSettings model;
  model::ModelShape shape;
  std::vector<std::string> classes;
  std::uint64_t seed = 0;
  std::string device = "cpu";
  std::string config_yaml;                 // stored in every checkpoint
  std::vector<data::LoaderItem> train_items, val_items;
  data::Tokenize tokenize;                 // reports -> [B, L] token ids
  bool show_progress = true;
  // The ranks of a distributed run (null: this process alone). Every rank trains on its share of
  // each global batch (data::Shard) and sums gradients (gradient_sync.h); rank 0 alone validates
  // and writes the run folder, the others wait for it. The ranks' config_yaml, volumes and initial
  // weights must agree, or every rank stops with an Error naming the rank that differs.
  std::shared_ptr<ProcessGroup> group;
  DistributedConfig distributed;
};

struct TrainOutcome {
  TrainState state;
  int signal = 0;  // SIGINT / SIGTERM / SIGUSR1 that stopped the run (a checkpoint was written), else 0
};

// Test seams: `loss` may replace an update's loss (e.g. with NaN) before backward.
struct TrainerHooks {
  std::function<at::Tensor(std::int64_t step, const at::Tensor& loss)> loss;
};

// Starts a new run, or continues the one in run_dir from checkpoints/last.pt when `resume`.
// A run that ends with too many non-finite losses in a row throws Error (last.pt is the last good
// state); so does a resume of a finished run.
TrainOutcome run_training(const TrainerInputs& inputs, bool resume, TrainerHooks hooks = {});

// The files the trainer writes in a run folder (the rest: experiments/run_folder.h).
std::filesystem::path last_checkpoint(const std::filesystem::path& run_dir);
std::filesystem::path best_checkpoint(const std::filesystem::path& run_dir);
std::filesystem::path training_outcome_file(const std::filesystem::path& run_dir);
std::filesystem::path metrics_file(const std::filesystem::path& run_dir);
std::filesystem::path progress_file(const std::filesystem::path& run_dir);
std::filesystem::path train_log_file(const std::filesystem::path& run_dir);

}  // namespace unict::train
