// Training one cross-validation fold into its run folder (run_folder.h): the fold's volumes from
// the patient-level splits, a tokenizer trained on its training reports only, the model, the
// trainer. `unict train` and `unict cv` call this.
#pragma once

#include <filesystem>

#include "unict/experiments/config.h"
#include "unict/train/trainer.h"

namespace unict::experiments {

struct FoldTrainOptions {
  std::int64_t fold = 0;
  std::filesystem::path run_dir;  // empty: <run.output_root>/<run.name>/fold<k>
  bool force = false;             // replace a run already in run_dir
  bool show_progress = true;
};

train::TrainOutcome train_fold(const LoadedConfig& config, const FoldTrainOptions& options, train::TrainerHooks hooks = {});

// Continues the run in `run_dir` from checkpoints/last.pt with the config stored there.
train::TrainOutcome resume_fold(const std::filesystem::path& run_dir, bool show_progress, train::TrainerHooks hooks = {});

// <run.output_root>/<run.name>
std::filesystem::path experiment_folder(const Config& config);

}  // namespace unict::experiments
