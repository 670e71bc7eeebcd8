// `unict status` and `unict sweep task|record|summarize`: a sweep's state, and what the batch
// scripts of `--launcher slurm` run (experiments/slurm_launcher.h). Also the submission that
// `unict cv` and `unict ablate` hand over to with --launcher slurm.
#include <chrono>
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "launch.h"
#include "sweep_commands.h"
#include "unict/core/error.h"
#include "unict/experiments/experiment_status.h"
#include "unict/experiments/slurm_launcher.h"
#include "unict/experiments/sweep_state.h"
#include "unict/experiments/sweep_task.h"

namespace unict::cli {

namespace fs = std::filesystem;

void submit_sweep(const experiments::Sweep& sweep, bool dry_run) {
  const auto submission = experiments::submit_sweep(sweep, {dry_run, {}});
  const std::size_t skipped = sweep.tasks.size() - submission.tasks.size();
  if (dry_run) {
    std::cout << "# " << experiments::sweep_folder(sweep.experiment).string() << "/fold.sbatch\n"
              << submission.fold_script << "\n# " << experiments::sweep_folder(sweep.experiment).string() << "/summary.sbatch\n"
              << submission.summary_script << "\n"
              << "dry run: " << submission.tasks.size() << " fold task(s) (" << skipped
              << " finished) and the summary would be submitted; nothing was written or submitted\n";
    return;
  }
  if (submission.tasks.empty())
    std::cout << "every fold is finished; submitted only the summary job " << submission.summary_job << "\n";
  else
    std::cout << "submitted " << submission.tasks.size() << " fold task(s) as array job " << submission.array_job << " ("
              << experiments::array_ranges(submission.tasks) << (skipped ? ", " + std::to_string(skipped) + " finished fold(s) left out" : "")
              << ") and the summary job " << submission.summary_job << " after it\n";
  std::cout << "follow it with: unict status " << sweep.experiment.string() << "\n";
}

namespace {

double now_unix() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

struct TaskOptions {
  std::string experiment;
  std::size_t task = 0;
  int exit_status = 0;
};

}  // namespace

void add_sweep_commands(CLI::App& app) {
  auto status_experiment = std::make_shared<std::string>();
  CLI::App* status = app.add_subcommand("status", "Where each fold of an experiment stands: pending, running (update, ETA), requeued, failed, finished");
  status->add_option("experiment", *status_experiment, "Experiment folder (of unict cv or unict ablate)")->required();
  status->callback([status_experiment] {
    const auto s = experiments::experiment_status(*status_experiment);
    std::cout << experiments::status_table(s, now_unix());
  });

  CLI::App* sweep = app.add_subcommand("sweep", "What the batch scripts of --launcher slurm run (not needed by hand)");
  sweep->require_subcommand(1);
  auto o = std::make_shared<TaskOptions>();

  CLI::App* task = sweep->add_subcommand("task", "Train (or resume) and evaluate one task's fold, on every rank of the srun step");
  task->add_option("experiment", o->experiment, "Experiment folder")->required();
  task->add_option("--task", o->task, "Task index (sweep.json)")->required();
  task->callback([o] {
    const auto plan = experiments::read_sweep(o->experiment);
    // The ranks of the task's srun step (one rank: no group), with the variant's settings.
    const auto group = join_launch(experiments::sweep_variant_config(plan, experiments::sweep_task(plan, o->task).variant).typed);
    experiments::run_sweep_task(o->experiment, o->task, group);  // a stopping signal becomes the exit status (app.cpp)
  });

  CLI::App* record = sweep->add_subcommand("record", "Record how a task's attempt ended; exit 0: done, 3: requeue it, 1: failed for good");
  record->add_option("experiment", o->experiment, "Experiment folder")->required();
  record->add_option("--task", o->task, "Task index (sweep.json)")->required();
  record->add_option("--exit-status", o->exit_status, "Exit status of the attempt (srun's)")->required();
  record->callback([o] {
    const auto plan = experiments::read_sweep(o->experiment);
    const auto log = experiments::task_log_file(plan, o->task);
    const auto decision = experiments::record_attempt_end(plan, o->task, o->exit_status, plan.slurm.max_attempts, log);
    const auto r = experiments::read_task_record(plan, o->task);
    std::cout << "[sweep] task " << o->task << " (" << experiments::describe(plan, experiments::sweep_task(plan, o->task))
              << "): " << experiments::task_state_name(r->state) << (r->reason.empty() ? "" : ": " + r->reason) << std::endl;
    // The fold that finishes last also writes the summary. The summary job does the same (the
    // same bytes, written atomically); this way the tables do not depend on when SLURM counts a
    // requeued task as ended for the summary job's afterany.
    if (r->state == experiments::TaskState::finished && experiments::summarize_sweep(o->experiment).unfinished.empty())
      std::cout << "[sweep] every fold is finished: summary written in " << o->experiment << std::endl;
    if (decision == experiments::AttemptDecision::requeue) throw SweepExit{3};
    if (decision == experiments::AttemptDecision::give_up) throw SweepExit{1};
  });

  CLI::App* summarize = sweep->add_subcommand("summarize", "The summary (and ablation table) once every fold is finished");
  summarize->add_option("experiment", o->experiment, "Experiment folder")->required();
  summarize->callback([o] {
    const auto result = experiments::summarize_sweep(o->experiment);
    if (!result.unfinished.empty()) {
      const auto plan = experiments::read_sweep(o->experiment);
      std::string names;
      for (auto t : result.unfinished) names += (names.empty() ? "" : ", ") + experiments::describe(plan, plan.tasks[t]);
      throw Error(std::to_string(result.unfinished.size()) + " fold(s) are not finished, so no summary was written: " + names)
          .file(o->experiment)
          .hint("see unict status " + o->experiment + "; submitting the sweep again resumes them");
    }
    std::cout << "summary written in " << o->experiment << "\n";
  });
}

}  // namespace unict::cli
