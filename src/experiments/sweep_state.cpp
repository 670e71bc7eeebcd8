#include "unict/experiments/sweep_state.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>

#include "unict/core/error.h"
#include "unict/io/json.h"

namespace unict::experiments {

namespace fs = std::filesystem;

namespace {

double now_unix() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

std::string host_name() {
  char name[256] = {};
  return ::gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string("?");
}

TaskState parse_state(const std::string& name, const fs::path& file) {
  for (auto s : {TaskState::running, TaskState::requeued, TaskState::stopped, TaskState::failed, TaskState::finished})
    if (name == task_state_name(s)) return s;
  throw Error("unknown task state").file(file.string()).key("state").value(name).expected("running, requeued, stopped, failed or finished");
}

}  // namespace

const char* task_state_name(TaskState state) {
  switch (state) {
    case TaskState::running: return "running";
    case TaskState::requeued: return "requeued";
    case TaskState::stopped: return "stopped";
    case TaskState::failed: return "failed";
    case TaskState::finished: return "finished";
  }
  return "?";
}

fs::path task_record_file(const Sweep& sweep, std::size_t index) {
  return sweep_folder(sweep.experiment) / "tasks" / (std::to_string(index) + ".json");
}

std::optional<TaskRecord> read_task_record(const Sweep& sweep, std::size_t index) {
  const auto file = task_record_file(sweep, index);
  if (!fs::exists(file)) return std::nullopt;
  const auto j = io::read_json(file);
  try {
    TaskRecord r;
    r.state = parse_state(j.at("state").get<std::string>(), file);
    r.attempts = j.at("attempts").get<std::int64_t>();
    r.failures = j.at("failures").get<std::int64_t>();
    r.reason = j.at("reason").get<std::string>();
    r.job = j.at("job").get<std::string>();
    r.host = j.at("host").get<std::string>();
    r.updated_at = j.at("updated_at").get<double>();
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not a task record: ") + e.what()).file(file.string());
  }
}

void write_task_record(const Sweep& sweep, std::size_t index, const TaskRecord& r) {
  const auto file = task_record_file(sweep, index);
  fs::create_directories(file.parent_path());
  io::write_json(file, {{"state", task_state_name(r.state)},
                        {"attempts", r.attempts},
                        {"failures", r.failures},
                        {"reason", r.reason},
                        {"job", r.job},
                        {"host", r.host},
                        {"updated_at", r.updated_at}});
}

void record_attempt_start(const Sweep& sweep, std::size_t index, const std::string& job) {
  auto r = read_task_record(sweep, index).value_or(TaskRecord{});
  r.state = TaskState::running;
  ++r.attempts;
  r.reason.clear();
  r.job = job;
  r.host = host_name();
  r.updated_at = now_unix();
  write_task_record(sweep, index, r);
}

std::string last_error_line(const fs::path& log_file) {
  std::ifstream in(log_file);
  std::string line, last;
  while (std::getline(in, line))
    for (const char* marker : {"unict: error: ", "unict: internal error: "})
      if (const auto at = line.find(marker); at != std::string::npos) last = line.substr(at);
  return last;
}

AttemptDecision record_attempt_end(const Sweep& sweep, std::size_t index, int exit_status, std::int64_t max_attempts, const fs::path& log_file) {
  const auto& task = sweep_task(sweep, index);
  auto r = read_task_record(sweep, index).value_or(TaskRecord{});
  r.updated_at = now_unix();
  AttemptDecision decision = AttemptDecision::done;
  if (exit_status == 0 && sweep_task_finished(sweep, task)) {
    r.state = TaskState::finished;
    r.reason.clear();
  } else if (exit_status == 128 + SIGUSR1) {
    r.state = TaskState::requeued;
    r.reason = "stopped by SIGUSR1 (the time limit's warning or a preemption) at a checkpoint; the next attempt resumes";
    decision = AttemptDecision::requeue;
  } else if (exit_status == 128 + SIGTERM || exit_status == 128 + SIGINT) {
    r.state = TaskState::stopped;
    r.reason = std::string("stopped by ") + (exit_status == 128 + SIGTERM ? "SIGTERM" : "SIGINT") +
               " at a checkpoint (cancelled, or preempted: SLURM requeues a preempted job itself)";
  } else {
    ++r.failures;
    std::string error = last_error_line(log_file);
    if (error.empty()) error = "no error message in " + log_file.string();
    if (exit_status == 0) error = "the task ended without its evaluations";
    r.reason = "attempt " + std::to_string(r.attempts) + " failed with exit status " + std::to_string(exit_status) + ": " + error;
    if (r.failures < max_attempts) {
      r.state = TaskState::requeued;
      r.reason += " (failure " + std::to_string(r.failures) + " of at most " + std::to_string(max_attempts) + "; requeued)";
      decision = AttemptDecision::requeue;
    } else {
      r.state = TaskState::failed;
      r.reason += " (" + std::to_string(r.failures) + " failed attempts: slurm.max_attempts reached, not requeued)";
      decision = AttemptDecision::give_up;
    }
  }
  write_task_record(sweep, index, r);
  return decision;
}

void reset_for_resubmission(const Sweep& sweep, std::size_t index) {
  auto r = read_task_record(sweep, index);
  if (!r || (r->state != TaskState::failed && r->state != TaskState::stopped)) return;
  r->failures = 0;
  r->state = TaskState::requeued;
  r->reason = "submitted again after: " + r->reason;
  r->updated_at = now_unix();
  write_task_record(sweep, index, *r);
}

}  // namespace unict::experiments
