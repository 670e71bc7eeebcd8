#include "unict/experiments/slurm_launcher.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "unict/core/atomic_file.h"
#include "unict/core/child_process.h"
#include "unict/core/error.h"
#include "unict/experiments/sweep_state.h"
#include "unict/io/json.h"

namespace unict::experiments {

namespace fs = std::filesystem;

namespace {

// `unict sweep record`'s exit statuses, which the fold script acts on.
constexpr int kRecordRequeue = 3;

fs::path jobs_file(const Sweep& sweep) { return sweep_folder(sweep.experiment) / "jobs.jsonl"; }
fs::path fold_script_file(const Sweep& sweep) { return sweep_folder(sweep.experiment) / "fold.sbatch"; }
fs::path summary_script_file(const Sweep& sweep) { return sweep_folder(sweep.experiment) / "summary.sbatch"; }
fs::path logs_folder(const Sweep& sweep) { return sweep_folder(sweep.experiment) / "logs"; }

std::string job_name(const Sweep& sweep) { return "unict-" + sweep.experiment.filename().string(); }

// A value written into a script inside single quotes.
std::string quoted(const std::string& text) { return core::command_line({text}); }

// The #SBATCH lines both scripts share: where, as whom, from which folder.
void common_options(std::ostringstream& out, const SlurmConfig& s, const Sweep& sweep) {
  if (!s.partition.empty()) out << "#SBATCH --partition=" << s.partition << "\n";
  if (!s.account.empty()) out << "#SBATCH --account=" << s.account << "\n";
  out << "#SBATCH --chdir=" << sweep.workdir.string() << "\n";
}

std::string run_program_or_throw(const std::vector<std::string>& argv) {
  const auto result = core::run_program(argv);
  if (!result) throw Error("cannot run " + argv[0] + ": it is not installed here (or not on PATH)").value(core::command_line(argv)).hint("submit from a login node of the cluster, or use --dry-run to see the scripts");
  if (result->exit_status != 0) {
    auto message = result->err.empty() ? result->out : result->err;
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    throw Error(argv[0] + " failed with exit status " + std::to_string(result->exit_status) + ": " + message).value(core::command_line(argv));
  }
  return result->out;
}

// sbatch --parsable prints "<job id>" or "<job id>;<cluster>".
std::string parsable_job_id(const std::string& out) {
  std::string id = out.substr(0, out.find_first_of(";\n"));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) throw Error("sbatch printed no job id").value(out);
  return id;
}

struct PastSubmission {
  std::string array_job, summary_job;
  std::vector<std::size_t> tasks;
};

std::vector<PastSubmission> read_submissions(const Sweep& sweep) {
  std::vector<PastSubmission> all;
  std::ifstream in(jobs_file(sweep));
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    try {
      const auto j = nlohmann::json::parse(line);
      all.push_back({j.at("array_job").get<std::string>(), j.at("summary_job").get<std::string>(), j.at("tasks").get<std::vector<std::size_t>>()});
    } catch (const nlohmann::json::exception& e) {
      throw Error(std::string("not a submission record: ") + e.what()).file(jobs_file(sweep).string() + ":" + std::to_string(number));
    }
  }
  return all;
}

void append_submission(const Sweep& sweep, const Submission& s) {
  std::string all = fs::exists(jobs_file(sweep)) ? core::read_file(jobs_file(sweep)) : std::string();
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  all += nlohmann::json{{"submitted_at", now}, {"array_job", s.array_job}, {"summary_job", s.summary_job}, {"tasks", s.tasks}}.dump() + "\n";
  core::write_file_atomic(jobs_file(sweep), all);
}

// squeue's lines "<array task id or N/A>|<state>|<reason>" for one job (all states it still
// lists); nullopt when squeue is missing or does not answer.
std::optional<std::vector<std::vector<std::string>>> squeue_lines(const std::string& job) {
  const auto result = core::run_program({"squeue", "-h", "-r", "-t", "all", "-j", job, "-o", "%K|%T|%r"});
  if (!result) return std::nullopt;
  if (result->exit_status != 0) {
    // A job SLURM has forgotten (older than MinJobAge) is "Invalid job id": it is simply not listed.
    if (result->err.find("Invalid job id") != std::string::npos) return std::vector<std::vector<std::string>>{};
    return std::nullopt;
  }
  std::vector<std::vector<std::string>> lines;
  std::istringstream in(result->out);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream parts(line);
    std::string field;
    while (std::getline(parts, field, '|')) fields.push_back(field);
    if (fields.size() == 3) lines.push_back(fields);
  }
  return lines;
}

// sacct's final state of a job squeue no longer lists (empty if it knows none); nullopt when sacct
// does not answer (not installed, or accounting is off).
std::optional<std::string> sacct_state(const std::string& job) {
  const auto result = core::run_program({"sacct", "-n", "-X", "-P", "-j", job, "-o", "State"});
  if (!result || result->exit_status != 0) return std::nullopt;
  return result->out.substr(0, result->out.find_first_of(" \n"));
}

}  // namespace

fs::path task_log_file(const Sweep& sweep, std::size_t index) { return logs_folder(sweep) / ("task" + std::to_string(index) + ".out"); }

std::string array_ranges(const std::vector<std::size_t>& tasks) {
  std::string out;
  for (std::size_t i = 0; i < tasks.size();) {
    std::size_t j = i;
    while (j + 1 < tasks.size() && tasks[j + 1] == tasks[j] + 1) ++j;
    out += (out.empty() ? "" : ",") + std::to_string(tasks[i]) + (j > i ? "-" + std::to_string(tasks[j]) : "");
    i = j + 1;
  }
  return out;
}

std::string fold_script(const Sweep& sweep, const std::vector<std::size_t>& tasks, const fs::path& binary) {
  const SlurmConfig& s = sweep.slurm;
  const auto ranks = s.nodes * s.tasks_per_node;
  std::ostringstream out;
  out << "#!/bin/bash\n"
      << "# The folds of " << sweep.experiment.string() << ", one per array task (written by unict "
      << (sweep.kind == SweepKind::cv ? "cv" : "ablate") << " --launcher slurm; the task ids are slurm/sweep.json's).\n"
      << "#SBATCH --job-name=" << job_name(sweep) << "\n"
      << "#SBATCH --array=" << array_ranges(tasks) << (s.parallel > 0 ? "%" + std::to_string(s.parallel) : "") << "\n"
      << "#SBATCH --nodes=" << s.nodes << "\n"
      << "#SBATCH --ntasks-per-node=" << s.tasks_per_node << "\n"
      << "#SBATCH --cpus-per-task=" << s.cpus_per_task << "\n";
  if (s.gpus_per_task > 0) out << "#SBATCH --gpus-per-task=" << s.gpus_per_task << "\n";
  if (!s.mem.empty()) out << "#SBATCH --mem=" << s.mem << "\n";
  if (!s.time.empty()) out << "#SBATCH --time=" << s.time << "\n";
  common_options(out, s, sweep);
  out << "# SIGUSR1 to the fold's ranks " << s.signal_s << " s before the time limit: they checkpoint after the update in progress.\n"
      << "#SBATCH --signal=USR1@" << s.signal_s << "\n"
      << "#SBATCH --requeue\n"
      << "#SBATCH --open-mode=append\n"
      << "#SBATCH --output=" << (logs_folder(sweep) / "task%a.out").string() << "\n";
  for (const auto& extra : s.extra) out << "#SBATCH " << extra << "\n";
  out << "\n"
      << "unict=" << quoted(binary.string()) << "\n"
      << "sweep=" << quoted(sweep.experiment.string()) << "\n"
      << "task=$SLURM_ARRAY_TASK_ID\n"
      << "echo \"[sweep] task $task: attempt on $(hostname) as job $SLURM_JOB_ID (restart ${SLURM_RESTART_COUNT:-0}) at $(date -Is)\"\n"
      << "# Every rank runs the task: " << ranks << " rank(s), data parallel when more than one (docs/distributed.md).\n"
      << "srun --ntasks=" << ranks << " --ntasks-per-node=" << s.tasks_per_node << " --cpus-per-task=" << s.cpus_per_task
      << (s.gpus_per_task > 0 ? " --gpus-per-task=" + std::to_string(s.gpus_per_task) : std::string()) << " --kill-on-bad-exit=1 \\\n"
      << "  \"$unict\" sweep task \"$sweep\" --task \"$task\"\n"
      << "status=$?\n"
      << "\"$unict\" sweep record \"$sweep\" --task \"$task\" --exit-status \"$status\"\n"
      << "case $? in\n"
      << "  0) exit 0 ;;                                     # finished, or stopped by SIGTERM / SIGINT\n"
      << "  " << kRecordRequeue << ")                                     # checkpointed at SIGUSR1, or failed with attempts left\n"
      << "    # SLURM ends this attempt itself once the requeue is done.\n"
      << "    scontrol requeue \"$SLURM_JOB_ID\" || { echo \"[sweep] scontrol requeue failed\"; exit 1; }\n"
      << "    sleep 300; echo \"[sweep] SLURM did not end the requeued attempt\"; exit 1 ;;\n"
      << "  *) exit 1 ;;                                     # failed slurm.max_attempts times\n"
      << "esac\n";
  return out.str();
}

std::string summary_script(const Sweep& sweep, const fs::path& binary) {
  std::ostringstream out;
  out << "#!/bin/bash\n"
      << "# The summary of " << sweep.experiment.string() << " once every fold's task has ended (submitted with --dependency=afterany on the array).\n"
      << "#SBATCH --job-name=" << job_name(sweep) << "-summary\n"
      << "#SBATCH --ntasks=1\n"
      << "#SBATCH --cpus-per-task=" << sweep.slurm.cpus_per_task << "\n";
  common_options(out, sweep.slurm, sweep);
  out << "#SBATCH --open-mode=append\n"
      << "#SBATCH --output=" << (logs_folder(sweep) / "summary.out").string() << "\n\n"
      << "exec " << quoted(binary.string()) << " sweep summarize " << quoted(sweep.experiment.string()) << "\n";
  return out.str();
}

bool queue_state_active(const std::string& state) {
  for (const char* s : {"PENDING", "RUNNING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "CONFIGURING", "COMPLETING", "RESIZING", "SUSPENDED",
                        "STOPPED", "SIGNALING", "STAGE_OUT", "RESV_DEL_HOLD", "SPECIAL_EXIT"})
    if (state == s) return true;
  return false;
}

QueueView query_queue(const Sweep& sweep) {
  QueueView view;
  const auto submissions = read_submissions(sweep);
  // sacct for the jobs squeue has forgotten; asked no more once it has failed (accounting off).
  bool sacct_answers = true;
  const auto final_state = [&](const std::string& job) {
    const auto state = sacct_answers ? sacct_state(job) : std::nullopt;
    if (!state) sacct_answers = false;
    return state.value_or("");
  };
  std::map<std::string, std::vector<std::vector<std::string>>> cache;
  const auto lines_of = [&](const std::string& job) -> const std::vector<std::vector<std::string>>* {
    if (auto found = cache.find(job); found != cache.end()) return &found->second;
    auto lines = squeue_lines(job);
    if (!lines) return nullptr;
    view.available = true;
    return &(cache[job] = std::move(*lines));
  };
  for (const auto& s : submissions) {  // later submissions replace earlier ones
    if (!s.array_job.empty()) {
      const auto* lines = lines_of(s.array_job);
      for (auto t : s.tasks) {
        QueueState q{s.array_job + "_" + std::to_string(t), "", ""};
        if (lines)
          for (const auto& l : *lines)
            if (l[0] == std::to_string(t)) q.state = l[1], q.reason = l[2];
        if (q.state.empty()) q.state = final_state(q.job);
        view.tasks[t] = q;
      }
    }
    if (!s.summary_job.empty()) {
      QueueState q{s.summary_job, "", ""};
      if (const auto* lines = lines_of(s.summary_job); lines && !lines->empty()) q.state = lines->front()[1], q.reason = lines->front()[2];
      if (q.state.empty()) q.state = final_state(q.job);
      view.summary = q;
    }
  }
  return view;
}

Submission submit_sweep(const Sweep& sweep, const SubmitOptions& options) {
  const fs::path binary = options.binary.empty() ? fs::read_symlink("/proc/self/exe") : fs::absolute(options.binary);
  // #SBATCH lines are not parsed by a shell: a path with white space in them cannot be quoted.
  for (const auto& [what, path] : {std::pair<const char*, fs::path>{"the experiment folder", sweep.experiment}, {"the current folder", sweep.workdir}})
    if (path.string().find_first_of(" \t\n") != std::string::npos)
      throw Error(std::string(what) + " has white space in its path, which #SBATCH lines cannot carry").file(path.string()).hint("use a path without spaces");
  Submission submission;
  for (const auto& task : sweep.tasks)
    if (!sweep_task_finished(sweep, task)) submission.tasks.push_back(task.index);
  submission.fold_script = fold_script(sweep, submission.tasks, binary);
  submission.summary_script = summary_script(sweep, binary);
  if (options.dry_run) return submission;

  if (fs::exists(sweep_plan_file(sweep.experiment))) {
    // An earlier submission's task that is still queued or running would train its fold twice.
    const auto queue = query_queue(read_sweep(sweep.experiment));
    for (auto t : submission.tasks)
      if (const auto q = queue.tasks.find(t); q != queue.tasks.end() && queue_state_active(q->second.state))
        throw Error("a task of this sweep is still " + q->second.state + " from an earlier submission (" + describe(sweep, sweep.tasks[t]) + ")")
            .file(sweep.experiment.string())
            .value(q->second.job)
            .hint("wait for it (unict status " + sweep.experiment.string() + "), or scancel it first");
  }
  write_sweep(sweep);
  fs::create_directories(logs_folder(sweep));
  core::write_file_atomic(fold_script_file(sweep), submission.fold_script);
  core::write_file_atomic(summary_script_file(sweep), submission.summary_script);
  for (auto t : submission.tasks) reset_for_resubmission(sweep, t);
  std::string dependency;
  if (!submission.tasks.empty()) {
    submission.array_job = parsable_job_id(run_program_or_throw({"sbatch", "--parsable", fold_script_file(sweep).string()}));
    dependency = "--dependency=afterany:" + submission.array_job;
  }
  std::vector<std::string> summary{"sbatch", "--parsable"};
  if (!dependency.empty()) summary.push_back(dependency);
  summary.push_back(summary_script_file(sweep).string());
  try {
    submission.summary_job = parsable_job_id(run_program_or_throw(summary));
  } catch (const Error&) {
    append_submission(sweep, submission);  // the array is queued: its id is kept whatever happens next
    throw;
  }
  append_submission(sweep, submission);
  return submission;
}

}  // namespace unict::experiments
