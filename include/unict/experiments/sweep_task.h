// What the batch scripts of a SLURM sweep run (slurm_launcher.h): one task's fold, and the
// summary at the end. Both do what the local launcher does for the same fold or folder, so a
// sweep's folds and tables are the local ones, bit for bit on the CPU.
#pragma once

#include <memory>

#include "unict/experiments/sweep.h"

namespace unict::train {
class ProcessGroup;
}

namespace unict::experiments {

// Task `index` of the sweep in `experiment`: its fold trained (or resumed from its checkpoint) and
// evaluated with the variant's submitted config (run_cv_fold). Rank 0 records the attempt's start
// (sweep_state.h). Returns the signal that stopped the training, or 0.
int run_sweep_task(const std::filesystem::path& experiment, std::size_t index, std::shared_ptr<train::ProcessGroup> group);

struct SweepSummary {
  std::vector<std::size_t> unfinished;  // tasks whose fold is not finished: nothing was written
};
// Once every fold is finished: summary.{json,md,csv} of each variant's folds, and for an ablation
// its table (ablation.{json,md,csv}).
SweepSummary summarize_sweep(const std::filesystem::path& experiment);

}  // namespace unict::experiments
