#include "unict/experiments/experiment_status.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "unict/core/error.h"
#include "unict/data/dataset_registry.h"
#include "unict/experiments/run_folder.h"
#include "unict/experiments/slurm_launcher.h"
#include "unict/experiments/sweep.h"
#include "unict/experiments/sweep_state.h"
#include "unict/io/json.h"
#include "unict/train/trainer.h"

namespace unict::experiments {

namespace fs = std::filesystem;

namespace {

// What progress.json says (written by the trainer every log_every updates).
void read_progress(FoldStatus& f) {
  const auto file = train::progress_file(f.run_dir);
  if (!fs::exists(file)) return;
  try {
    const auto j = io::read_json(file);
    f.step = j.at("step").get<std::int64_t>();
    f.total_updates = j.at("total_updates").get<std::int64_t>();
    f.updated_at = j.at("updated_at").get<double>();
    const auto& rate = j.at("updates_per_s");
    if (rate.is_number() && rate.get<double>() > 0) f.eta_s = static_cast<double>(*f.total_updates - *f.step) / rate.get<double>();
  } catch (const std::exception&) {
    f.note = "progress.json unreadable";  // being replaced is atomic, so this is damage, not a race
  }
}

bool running_state(const std::string& s) { return s == "RUNNING" || s == "COMPLETING" || s == "CONFIGURING" || s == "SIGNALING"; }

void sweep_fold_state(FoldStatus& f, const Sweep& sweep, const SweepTask& task, const QueueView& queue) {
  if (sweep_task_finished(sweep, task)) {
    f.state = "finished";
    return;
  }
  const auto record = read_task_record(sweep, task.index);
  const auto q = queue.tasks.find(task.index);
  const QueueState* queued = q == queue.tasks.end() ? nullptr : &q->second;
  if (queued) f.job = queued->job;
  if (record && !record->reason.empty()) f.note = record->reason;
  if (queued && queue_state_active(queued->state)) {
    if (running_state(queued->state)) {
      f.state = "running";
      f.note.clear();
      read_progress(f);
      return;
    }
    f.state = record && (record->state == TaskState::requeued || record->attempts > 0) ? "requeued" : "pending";
    f.note = (f.note.empty() ? "" : f.note + "; ") + "queue: " + queued->state + (queued->reason.empty() || queued->reason == "None" ? "" : " (" + queued->reason + ")");
    return;
  }
  if (!record) {
    f.state = "pending";
    if (queue.available) f.note = "not in the queue: submit the sweep again";
    return;
  }
  switch (record->state) {
    case TaskState::running:
      if (!queue.available) {
        f.state = "running";
        f.note = "as last recorded (squeue did not answer)";
        read_progress(f);
      } else {
        f.state = "failed";
        f.note = "the job ended without recording its outcome" + (queued && !queued->state.empty() ? " (" + queued->state + ")" : std::string()) +
                 ": cancelled, killed at its time limit or its node was lost; submitting again resumes it";
      }
      return;
    case TaskState::requeued: f.state = "requeued"; return;
    case TaskState::stopped: f.state = "stopped"; return;
    case TaskState::failed: f.state = "failed"; return;
    case TaskState::finished: f.state = "finished"; return;
  }
}

// An experiment the local launcher ran: its fold<k> folders (a cross-validation) or its variants'.
std::vector<FoldStatus> local_folds(const fs::path& experiment) {
  std::vector<FoldStatus> folds;
  const auto add_folds = [&](const fs::path& folder, const std::string& variant) {
    std::vector<std::int64_t> found;
    for (const auto& e : fs::directory_iterator(folder)) {
      const auto name = e.path().filename().string();
      if (e.is_directory() && name.rfind("fold", 0) == 0 && name.size() > 4 && name.find_first_not_of("0123456789", 4) == std::string::npos)
        found.push_back(std::stoll(name.substr(4)));
    }
    std::sort(found.begin(), found.end());
    for (auto k : found) {
      FoldStatus f;
      f.variant = variant;
      f.fold = k;
      f.run_dir = fold_folder(folder, k);
      if (evaluation_finished(f.run_dir, data::training_dataset(), "test")) {
        f.state = "finished";
      } else if (training_started(f.run_dir) || fs::exists(train::progress_file(f.run_dir))) {
        f.state = "started";
        const auto holder = core::folder_lock_holder(f.run_dir);
        f.note = holder ? "running (process " + std::to_string(holder->pid) + " on " + holder->host + ")"
                 : training_finished(f.run_dir) ? "trained, not evaluated: unict cv evaluates it"
                                                : "stopped: unict cv continues it";
        read_progress(f);
      } else {
        f.state = "pending";
      }
      folds.push_back(f);
    }
  };
  add_folds(experiment, "");
  if (folds.empty()) {
    std::vector<fs::path> variants;
    for (const auto& e : fs::directory_iterator(experiment))
      if (e.is_directory()) variants.push_back(e.path());
    std::sort(variants.begin(), variants.end());
    for (const auto& v : variants) add_folds(v, v.filename().string());
  }
  return folds;
}

std::string duration_text(double seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 90) return std::to_string(static_cast<long>(std::lround(seconds))) + " s";
  if (seconds < 90 * 60) return std::to_string(static_cast<long>(std::lround(seconds / 60))) + " min";
  std::ostringstream out;
  out.precision(1);
  out << std::fixed << seconds / 3600 << " h";
  return out.str();
}

}  // namespace

ExperimentStatus experiment_status(const fs::path& experiment) {
  if (!fs::is_directory(experiment)) throw Error("no such experiment folder").file(experiment.string());
  ExperimentStatus status;
  status.experiment = experiment;
  if (fs::exists(sweep_plan_file(experiment))) {
    const Sweep sweep = read_sweep(experiment);
    const QueueView queue = query_queue(sweep);
    status.sweep = true;
    status.queue_available = queue.available;
    for (const auto& t : sweep.tasks) {
      FoldStatus f;
      f.variant = sweep.kind == SweepKind::cv ? "" : sweep.variants[t.variant].name;
      f.fold = t.fold;
      f.run_dir = t.run_dir;
      sweep_fold_state(f, sweep, t, queue);
      status.folds.push_back(f);
    }
    const bool written = fs::exists(experiment / (sweep.kind == SweepKind::cv ? "summary.json" : "ablation.json"));
    status.summary = written ? "written" : queue.summary ? "job " + queue.summary->job + ": " + (queue.summary->state.empty() ? "gone" : queue.summary->state) : "not submitted";
    return status;
  }
  status.folds = local_folds(experiment);
  if (status.folds.empty())
    throw Error("this folder holds no experiment: no slurm/sweep.json, no fold<k> folders").file(experiment.string());
  status.summary = fs::exists(experiment / "summary.json") || fs::exists(experiment / "ablation.json") ? "written" : "not written";
  return status;
}

std::string status_table(const ExperimentStatus& status, double now) {
  std::ostringstream out;
  const bool variants = std::any_of(status.folds.begin(), status.folds.end(), [](const FoldStatus& f) { return !f.variant.empty(); });
  out << "| " << (variants ? "variant | " : "") << "fold | state | update | last logged | ETA | job | note |\n|" << (variants ? "---|" : "")
      << "---|---|---|---|---|---|---|\n";
  std::map<std::string, int> counts;
  for (const auto& f : status.folds) {
    ++counts[f.state];
    out << "| " << (variants ? f.variant + " | " : "") << f.fold << " | " << f.state << " | "
        << (f.step ? std::to_string(*f.step) + " / " + std::to_string(*f.total_updates) : "") << " | "
        << (f.updated_at ? duration_text(now - *f.updated_at) + " ago" : "") << " | " << (f.eta_s && f.state == "running" ? duration_text(*f.eta_s) : "")
        << " | " << f.job << " | " << f.note << " |\n";
  }
  out << "\n" << status.folds.size() << " folds:";
  bool first = true;
  for (const auto& [state, n] : counts) out << (first ? " " : ", ") << n << " " << state, first = false;
  out << ". Summary: " << status.summary << ".";
  if (status.sweep && !status.queue_available) out << " (squeue did not answer: states are the tasks' own records.)";
  out << "\n";
  return out.str();
}

}  // namespace unict::experiments
