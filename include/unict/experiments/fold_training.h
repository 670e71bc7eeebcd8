// Training one cross-validation fold into its run folder (run_folder.h): the fold's volumes from
// the patient-level splits, a tokenizer trained on its training reports only, the model, the
// trainer. `unict train` and `unict cv` call this.
#pragma once

#include <filesystem>
#include <memory>

#include "unict/experiments/config.h"
#include "unict/train/trainer.h"

namespace unict::experiments {

struct FoldTrainOptions {
  std::int64_t fold = 0;
  std::filesystem::path run_dir;  // empty: <run.output_root>/<run.name>/fold<k>
  bool force = false;             // replace a run already in run_dir
  bool show_progress = true;
  // The ranks that train this fold together (null: this process alone). Every rank prepares the
  // same inputs (splits, tokenizer: both deterministic); rank 0 alone writes the run folder.
  std::shared_ptr<train::ProcessGroup> group;
};

train::TrainOutcome train_fold(const LoadedConfig& config, const FoldTrainOptions& options, train::TrainerHooks hooks = {});

// Continues the run in `run_dir` from checkpoints/last.pt with the config stored there; in a
// distributed run every rank reads the folder (a shared file system) and the world size must be
// the one the run was started with.
train::TrainOutcome resume_fold(const std::filesystem::path& run_dir, bool show_progress, train::TrainerHooks hooks = {},
                                std::shared_ptr<train::ProcessGroup> group = nullptr);

// <run.output_root>/<run.name>
std::filesystem::path experiment_folder(const Config& config);

}  // namespace unict::experiments
