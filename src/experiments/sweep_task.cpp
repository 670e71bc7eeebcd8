#include "unict/experiments/sweep_task.h"

#include <cstdlib>

#include <spdlog/spdlog.h>

#include "unict/experiments/ablation.h"
#include "unict/experiments/cross_validation.h"
#include "unict/experiments/sweep_state.h"
#include "unict/train/process_group.h"

namespace unict::experiments {

namespace fs = std::filesystem;

int run_sweep_task(const fs::path& experiment, std::size_t index, std::shared_ptr<train::ProcessGroup> group) {
  const Sweep sweep = read_sweep(experiment);
  const auto& task = sweep_task(sweep, index);
  const bool root = !group || group->is_root();
  if (root) {
    const char* array = std::getenv("SLURM_ARRAY_JOB_ID");
    const char* job = std::getenv("SLURM_JOB_ID");
    record_attempt_start(sweep, index, array ? std::string(array) + "_" + std::to_string(index) : job ? job : "");
  }
  spdlog::info("sweep task {}: {} in {}", index, describe(sweep, task), task.run_dir.string());
  auto options = sweep_cv_options(sweep, task.variant);
  options.group = group;
  options.show_progress = false;  // the log file is not a terminal
  const LoadedConfig config = sweep_variant_config(sweep, task.variant);
  options.lock_wait_s = static_cast<double>(config.typed.slurm.previous_attempt_wait_s);
  return run_cv_fold(config, task.fold, task.run_dir, options);
}

SweepSummary summarize_sweep(const fs::path& experiment) {
  const Sweep sweep = read_sweep(experiment);
  SweepSummary summary;
  for (const auto& t : sweep.tasks)
    if (!sweep_task_finished(sweep, t)) summary.unfinished.push_back(t.index);
  if (!summary.unfinished.empty()) return summary;
  for (std::size_t v = 0; v < sweep.variants.size(); ++v) summarize_folds(sweep_cv_options(sweep, v).out, sweep.folds);
  if (sweep.kind == SweepKind::ablate) {
    AblationSuite suite;
    suite.reference = sweep.reference;
    for (std::size_t v = 0; v < sweep.variants.size(); ++v) suite.variants.push_back({sweep.variants[v].name, variant_config_file(sweep, v), {}});
    write_ablation_table(ablation_table(suite, sweep.experiment), sweep.experiment);
  }
  return summary;
}

}  // namespace unict::experiments
