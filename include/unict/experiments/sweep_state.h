// What each task of a sweep (sweep.h) has been through, in <experiment>/slurm/tasks/<index>.json:
//   {"state": "running" | "requeued" | "stopped" | "failed" | "finished", "attempts": n,
//    "failures": n, "reason": "...", "job": "<array job>_<task>", "host": "...", "updated_at": <Unix s>}
// An attempt starts as "running" (written by the task on rank 0) and ends with what the batch
// script reports of it (`unict sweep record`, record_attempt_end):
//   exit 0                      finished (its evaluations are written)
//   128 + SIGUSR1               requeued: SLURM's warning before the time limit (or a preemption the
//                               user signalled) stopped it at a checkpoint; the next attempt resumes
//   128 + SIGTERM / SIGINT      stopped: cancelled, or preempted (SLURM requeues it itself if so)
//   anything else               a failure: requeued while fewer than slurm.max_attempts attempts
//                               failed, then failed for good, with the error from the task's log
// LibTorch-free.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "unict/experiments/sweep.h"

namespace unict::experiments {

enum class TaskState { running, requeued, stopped, failed, finished };
const char* task_state_name(TaskState state);

struct TaskRecord {
  TaskState state = TaskState::running;
  std::int64_t attempts = 0;  // started
  std::int64_t failures = 0;  // ended with an error
  std::string reason;         // why it is requeued, stopped or failed
  std::string job;            // the SLURM job of the latest attempt ("123_4")
  std::string host;
  double updated_at = 0;      // Unix seconds
};

std::filesystem::path task_record_file(const Sweep& sweep, std::size_t index);
// nullopt before the task's first attempt; Errors name a damaged file.
std::optional<TaskRecord> read_task_record(const Sweep& sweep, std::size_t index);
void write_task_record(const Sweep& sweep, std::size_t index, const TaskRecord& record);

// The attempt has begun: running, one more attempt, this job and host.
void record_attempt_start(const Sweep& sweep, std::size_t index, const std::string& job);

// What the batch script does next.
enum class AttemptDecision { done, requeue, give_up };
// Records how the attempt ended (see above) and decides. `log_file` is the task's output, where a
// failure's message ("unict: error: ...") is looked up for the reason.
AttemptDecision record_attempt_end(const Sweep& sweep, std::size_t index, int exit_status, std::int64_t max_attempts,
                                   const std::filesystem::path& log_file);

// A new submission gives failed and stopped tasks a fresh count of attempts.
void reset_for_resubmission(const Sweep& sweep, std::size_t index);

// The last "unict: error: ..." (or internal error) line of a log (empty if none).
std::string last_error_line(const std::filesystem::path& log_file);

}  // namespace unict::experiments
