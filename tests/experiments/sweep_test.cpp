// The parts of a SLURM sweep that need no cluster: the plan and its refusals, the batch scripts'
// options, how an attempt's exit status becomes the task's state, and the run-program helper
// against /bin/sh, and what `unict status` says of a local experiment. (The sweep itself runs on a
// real SLURM in tests/cluster/.)
#include <csignal>

#include <cstdlib>

#include <unistd.h>

#include <gtest/gtest.h>

#include "test_support.h"
#include "unict/core/child_process.h"
#include "unict/core/error.h"
#include "unict/core/folder_lock.h"
#include "unict/experiments/config.h"
#include "unict/experiments/experiment_status.h"
#include "unict/experiments/slurm_launcher.h"
#include "unict/experiments/sweep.h"
#include "unict/experiments/sweep_state.h"

namespace unict::experiments {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = UNICT_SOURCE_DIR;

LoadedConfig quickstart(const std::vector<std::string>& overrides = {}) { return load_config(kSource / "configs/quickstart.yaml", overrides); }

Sweep cv_sweep_in(const test::TempDir& dir, const std::vector<std::string>& overrides = {}) {
  CvOptions options;
  options.out = dir / "experiment";
  options.folds = {0, 2};
  return cv_sweep(quickstart(overrides), options);
}

TEST(Sweep, ArrayRangesAreSbatchsListSyntax) {
  EXPECT_EQ(array_ranges({0, 1, 2, 3}), "0-3");
  EXPECT_EQ(array_ranges({0, 2, 3, 4, 7, 9, 10}), "0,2-4,7,9-10");
  EXPECT_EQ(array_ranges({5}), "5");
}

TEST(Sweep, CvPlanHasOneTaskPerFoldInTheLocalLaunchersFolders) {
  test::TempDir dir;
  const auto sweep = cv_sweep_in(dir);
  ASSERT_EQ(sweep.tasks.size(), 2u);
  EXPECT_EQ(sweep.tasks[1].fold, 2);
  EXPECT_EQ(sweep.tasks[1].run_dir, fs::absolute(dir / "experiment" / "fold2"));
  EXPECT_EQ(describe(sweep, sweep.tasks[1]), "fold 2");
}

TEST(Sweep, AblationPlanIsVariantMajorInTheSuitesOrder) {
  test::TempDir dir;
  const auto suite = dir.write("suite.yaml", "reference: a\nvariants:\n  - {name: a, config: " + (kSource / "configs/quickstart.yaml").string() +
                                                 "}\n  - {name: b, config: " + (kSource / "configs/quickstart.yaml").string() + ", set: [model.fusion=false]}\n");
  AblateOptions options;
  options.out = dir / "ablation";
  options.folds = {1, 3};
  const auto sweep = ablation_sweep(suite, options);
  ASSERT_EQ(sweep.tasks.size(), 4u);
  EXPECT_EQ(describe(sweep, sweep.tasks[2]), "b fold 1");
  EXPECT_EQ(sweep.tasks[3].run_dir, fs::absolute(dir / "ablation" / "b" / "fold3"));
}

TEST(Sweep, DryRunScriptsCarryTheSlurmSectionAndWriteNothing) {
  test::TempDir dir;
  const auto sweep = cv_sweep_in(dir, {"slurm.partition=gpu", "slurm.account=lab", "slurm.gpus_per_task=1", "slurm.tasks_per_node=4",
                                       "slurm.time=04:00:00", "slurm.mem=64G", "slurm.parallel=3", "slurm.signal_s=600",
                                       "slurm.extra=[--qos=high, --constraint=a100]"});
  const auto s = submit_sweep(sweep, {true, "/opt/unict"});
  EXPECT_FALSE(fs::exists(dir / "experiment"));
  for (const char* line : {"#SBATCH --array=0-1%3\n", "#SBATCH --partition=gpu\n", "#SBATCH --account=lab\n", "#SBATCH --gpus-per-task=1\n",
                           "#SBATCH --ntasks-per-node=4\n", "#SBATCH --time=04:00:00\n", "#SBATCH --mem=64G\n", "#SBATCH --signal=USR1@600\n",
                           "#SBATCH --requeue\n", "#SBATCH --qos=high\n", "#SBATCH --constraint=a100\n", "srun --ntasks=4 ",
                           "unict=/opt/unict\n", "scontrol requeue \"$SLURM_JOB_ID\""})
    EXPECT_CONTAINS(s.fold_script, line);
  EXPECT_CONTAINS(s.summary_script, "sweep summarize");
  // Both are bash that parses.
  EXPECT_EQ(std::system(("bash -n '" + dir.write("fold.sh", s.fold_script).string() + "'").c_str()), 0) << s.fold_script;
  EXPECT_EQ(std::system(("bash -n '" + dir.write("summary.sh", s.summary_script).string() + "'").c_str()), 0) << s.summary_script;
  EXPECT_TRUE(s.array_job.empty());
}

TEST(Sweep, AnExperimentPathWithSpacesIsRefusedBeforeAnythingIsWritten) {
  test::TempDir dir;
  CvOptions options;
  options.out = dir / "my runs" / "experiment";
  try {
    submit_sweep(cv_sweep(quickstart(), options), {true, "/opt/unict"});
    FAIL() << "a path with a space was accepted";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "white space");
    EXPECT_CONTAINS(e.what(), "my runs");
  }
  EXPECT_FALSE(fs::exists(dir / "my runs"));
}

TEST(Sweep, SlurmSectionRefusesShellCharacters) {
  EXPECT_THROW(quickstart({"slurm.extra=[--qos=high; rm -rf x]"}), Error);
  EXPECT_THROW(quickstart({"slurm.partition=gpu a"}), Error);
  EXPECT_THROW(quickstart({"slurm.mem=64GB"}), Error);
}

TEST(Sweep, ResubmissionMayChangeTheSlurmSectionButNotTheComputation) {
  test::TempDir dir;
  write_sweep(cv_sweep_in(dir));
  EXPECT_NO_THROW(write_sweep(cv_sweep_in(dir, {"slurm.time=08:00:00"})));
  EXPECT_EQ(read_sweep(dir / "experiment").slurm.time, "08:00:00");
  try {
    write_sweep(cv_sweep_in(dir, {"train.lr=0.02"}));
    FAIL() << "another lr was accepted";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "other settings");
    EXPECT_CONTAINS(e.what(), "configs/cv.yaml");
  }
}

TEST(SweepState, ExitStatusesBecomeRequeueStopOrFailureUpToMaxAttempts) {
  test::TempDir dir;
  auto sweep = cv_sweep_in(dir);
  write_sweep(sweep);
  sweep = read_sweep(dir / "experiment");
  const auto log = dir.write("task0.out", "[info] something\nunict: error: /data/x: no dataset/ folder\n");
  record_attempt_start(sweep, 0, "7_0");
  EXPECT_EQ(record_attempt_end(sweep, 0, 128 + SIGUSR1, 2, log), AttemptDecision::requeue);
  EXPECT_EQ(read_task_record(sweep, 0)->state, TaskState::requeued);
  EXPECT_EQ(read_task_record(sweep, 0)->failures, 0);
  record_attempt_start(sweep, 0, "7_0");
  EXPECT_EQ(record_attempt_end(sweep, 0, 2, 2, log), AttemptDecision::requeue);
  record_attempt_start(sweep, 0, "7_0");
  EXPECT_EQ(record_attempt_end(sweep, 0, 2, 2, log), AttemptDecision::give_up);
  const auto r = *read_task_record(sweep, 0);
  EXPECT_EQ(r.state, TaskState::failed);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(r.failures, 2);
  EXPECT_CONTAINS(r.reason, "unict: error: /data/x: no dataset/ folder");
  EXPECT_EQ(record_attempt_end(sweep, 1, 128 + SIGTERM, 2, log), AttemptDecision::done);
  EXPECT_EQ(read_task_record(sweep, 1)->state, TaskState::stopped);
  // exit 0 without the fold's evaluations is a failure, not "finished"
  EXPECT_EQ(record_attempt_end(sweep, 1, 0, 1, log), AttemptDecision::give_up);
  reset_for_resubmission(sweep, 0);
  EXPECT_EQ(read_task_record(sweep, 0)->failures, 0);
}

// `unict status` on an experiment the local launcher runs: a started fold whose folder a process
// holds is running in that process (its id and host); once the lock is gone, it was stopped.
TEST(ExperimentStatus, AStartedFoldNamesTheProcessHoldingItOrSaysItStopped) {
  test::TempDir dir;
  const auto experiment = dir / "experiment";
  dir.write("experiment/fold0/progress.json", R"({"step": 3, "total_updates": 10, "updated_at": 0, "updates_per_s": 1})");
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  {
    const auto lock = core::FolderLock::acquire(experiment / "fold0");
    const auto status = experiment_status(experiment);
    ASSERT_EQ(status.folds.size(), 1u);
    EXPECT_EQ(status.folds[0].state, "started");
    EXPECT_EQ(status.folds[0].note, "running (process " + std::to_string(::getpid()) + " on " + host + ")");
    EXPECT_EQ(status.folds[0].step, 3);
  }
  const auto status = experiment_status(experiment);
  ASSERT_EQ(status.folds.size(), 1u);
  EXPECT_EQ(status.folds[0].note, "stopped: unict cv continues it");
  EXPECT_CONTAINS(status_table(status, 0), "| 0 | started | 3 / 10 |");
}

TEST(ChildProcess, CollectsOutputAndExitStatusAndKnowsAMissingProgram) {
  const auto r = core::run_program({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_EQ(r->exit_status, 3);
  EXPECT_FALSE(core::run_program({"no-such-program-unict"}));
  EXPECT_EQ(core::command_line({"sbatch", "a b", "it's"}), "sbatch 'a b' 'it'\\''s'");
}

}  // namespace
}  // namespace unict::experiments
