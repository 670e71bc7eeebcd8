// `unict status EXPERIMENT`: per variant and fold, where it stands. For a SLURM sweep (sweep.h)
// the state is one of
//   pending    queued, not started yet
//   running    an attempt is training or evaluating it (its update, when it last logged, an ETA)
//   requeued   stopped at a checkpoint (SIGUSR1, or a failure with attempts left) and queued again
//   stopped    stopped at a checkpoint by SIGTERM / SIGINT (cancelled, or preempted)
//   failed     slurm.max_attempts attempts failed, or the job ended without recording its outcome
//   finished   trained and evaluated
// read from the run folders, the tasks' records (sweep_state.h) and squeue (sacct where SLURM
// keeps accounting). For an experiment the local launcher ran, from the run folders alone:
// finished, started (a checkpoint, with its update) or pending.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace unict::experiments {

struct FoldStatus {
  std::string variant;  // empty for a cross-validation
  std::int64_t fold = 0;
  std::filesystem::path run_dir;
  std::string state;
  std::optional<std::int64_t> step, total_updates;  // progress.json
  std::optional<double> updated_at, eta_s;          // Unix seconds; seconds of training left
  std::string job;   // the SLURM job of its latest attempt
  std::string note;  // why it is requeued, stopped or failed; what the queue says
};

struct ExperimentStatus {
  std::filesystem::path experiment;
  bool sweep = false;            // submitted with --launcher slurm
  bool queue_available = false;  // squeue answered
  std::vector<FoldStatus> folds;
  std::string summary;           // "written", or the summary job's state
};

// Errors name a folder that holds no experiment.
ExperimentStatus experiment_status(const std::filesystem::path& experiment);
// The table `unict status` prints, times relative to `now` (Unix seconds).
std::string status_table(const ExperimentStatus& status, double now);

}  // namespace unict::experiments
