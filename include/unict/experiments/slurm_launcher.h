// `--launcher slurm`: a sweep (sweep.h) submitted as one SLURM job array, one task per (variant,
// fold), and a summary job that waits for the whole array (`--dependency=afterany`) and writes
// summary.{json,md,csv} and, for an ablation, the ablation table (the task that finishes the last
// fold writes them too, so they never hang on how SLURM times a requeued task's end). What is
// written to
// <experiment>/slurm/ besides the plan:
//   fold.sbatch      the array's batch script: `srun unict sweep task` trains or resumes the fold
//                    and evaluates it; `unict sweep record` then decides from the exit status
//                    (sweep_state.h) whether the task is done, requeues itself
//                    (`scontrol requeue`) or has failed too often
//   summary.sbatch   `unict sweep summarize`
//   jobs.jsonl       one line per submission: {"submitted_at", "array_job", "summary_job", "tasks"}
//   logs/            task<i>.out (every attempt appended), summary.out
// Folds that are finished are left out of a new submission; unfinished ones resume. Tasks still
// queued or running from an earlier submission are an Error (they would run twice).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "unict/experiments/sweep.h"

namespace unict::experiments {

struct SubmitOptions {
  bool dry_run = false;            // print the scripts, write and submit nothing
  std::filesystem::path binary;    // the unict the scripts run (default: this executable)
};

struct Submission {
  std::vector<std::size_t> tasks;  // the array's task ids (the sweep's task indices)
  std::string fold_script, summary_script;
  std::string array_job, summary_job;  // empty in a dry run, and array_job when no fold is left
};

// Errors name the sbatch command and what it printed when it fails or is not installed.
Submission submit_sweep(const Sweep& sweep, const SubmitOptions& options);

// The batch scripts' text.
std::string fold_script(const Sweep& sweep, const std::vector<std::size_t>& tasks, const std::filesystem::path& binary);
std::string summary_script(const Sweep& sweep, const std::filesystem::path& binary);
std::filesystem::path task_log_file(const Sweep& sweep, std::size_t index);
// "0-3,5,7-8": task ids as sbatch's --array lists them.
std::string array_ranges(const std::vector<std::size_t>& tasks);

// One task (or the summary job) as SLURM knows it now.
struct QueueState {
  std::string job;    // "123_4"
  std::string state;  // squeue's: PENDING, RUNNING, COMPLETED, FAILED, ...
  std::string reason; // squeue's reason for a pending job (BeginTime, Resources, Dependency, ...)
};
struct QueueView {
  bool available = false;  // squeue answered
  std::map<std::size_t, QueueState> tasks;  // of the latest submission that holds each task
  std::optional<QueueState> summary;        // the latest submission's summary job
};
// From squeue (with sacct for jobs squeue no longer lists, where accounting is enabled).
QueueView query_queue(const Sweep& sweep);

// A queue state in which the job will still run or is running.
bool queue_state_active(const std::string& state);

}  // namespace unict::experiments
