// Sweeps on a real SLURM: Debian's slurm-wlm and munge, started by tests/cluster/local_slurm.sh on
// this machine in a network namespace of its own (unshare --net, as root), so the daemons listen
// on that namespace's loopback only; every client command enters it with nsenter. The daemons and
// the namespace are stopped after each test. A cluster that does not start fails the test.
//   - 2 variants x 2 folds submitted with `unict ablate --launcher slurm`: the tables equal the local
//     launcher's byte for byte; submitting again leaves the finished folds out.
//   - a running fold sent SIGUSR1 (what --signal=USR1@<s> sends before the time limit) checkpoints,
//     requeues itself, resumes, and ends bitwise equal to an uninterrupted fold; so does a fold
//     preempted with `scontrol requeue` (SIGTERM, requeued by SLURM).
//   - a fold whose command fails is requeued until slurm.max_attempts attempts failed, then is
//     failed in `unict status`, with the error, and is not requeued again.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "test_support.h"
#include "train/tiny_run.h"
#include "unict/io/json.h"

namespace unict {
namespace {

namespace fs = std::filesystem;

class SlurmSweep : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    config_ = test::write_tiny_run(*dir_);
    // The namespace holder: its network namespace outlives every command until it is killed. SLURM
    // resolves its listening address with AI_ADDRCONFIG, which ignores loopback: a veth pair whose
    // both ends stay in the namespace gives it a configured address that nothing outside reaches.
    holder_ = test::start_shell(
        "exec unshare --net sh -c 'ip link set lo up && ip link add unict0 type veth peer name unict1 && "
        "ip addr add 10.254.254.1/32 dev unict0 && ip link set unict0 up && ip link set unict1 up && exec sleep 100000'");
    // Ready once sleep runs (the links are set up by then).
    for (int i = 0; i < 100 && test::slurp("/proc/" + std::to_string(holder_) + "/comm") != "sleep\n"; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const int started = test::run_shell(in_cluster("bash '" + std::string(UNICT_SOURCE_DIR) + "/tests/cluster/local_slurm.sh' start '" +
                                                   (*dir_ / "slurm").string() + "' >'" + (*dir_ / "cluster.log").string() + "' 2>&1"));
    cluster_up_ = started == 0;
  }

  static void TearDownTestSuite() {
    test::run_shell(in_cluster("bash '" + std::string(UNICT_SOURCE_DIR) + "/tests/cluster/local_slurm.sh' stop '" + (*dir_ / "slurm").string() + "'"));
    if (holder_ > 0) {
      kill(-holder_, SIGKILL);
      waitpid(holder_, nullptr, 0);
    }
    delete dir_;
  }

  void SetUp() override {
    ASSERT_TRUE(cluster_up_) << "the local SLURM did not start (apt-get install slurm-wlm munge; needs root):\n"
                             << test::slurp(*dir_ / "cluster.log");
  }

  // A shell command run inside the cluster's network namespace, with its SLURM_CONF.
  static std::string in_cluster(const std::string& command) {
    const std::string script = dir_->write("cmd" + std::to_string(++commands_) + ".sh",
                                           "export SLURM_CONF='" + (*dir_ / "slurm" / "slurm.conf").string() + "'\n" + command + "\n").string();
    return "nsenter --net=/proc/" + std::to_string(holder_) + "/ns/net sh '" + script + "'";
  }

  static int unict_in_cluster(const std::string& args, const fs::path& log) {
    return test::run_shell(in_cluster(test::unict_command(args, log)));
  }

  // What `unict status` says, and the logs of the sweep's jobs (for failure messages).
  static std::string status_of(const fs::path& experiment) {
    const auto log = *dir_ / "status.log";
    unict_in_cluster("status " + experiment.string(), log);
    std::string text = test::slurp(log);
    const auto logs = experiment / "slurm" / "logs";
    if (fs::exists(logs))
      for (const auto& e : fs::directory_iterator(logs)) text += "\n--- " + e.path().string() + "\n" + test::slurp(e.path());
    // What the controller did with the jobs (requeues, exits), for a failure seen only in CI.
    const std::string controller = test::slurp(*dir_ / "slurm" / "log" / "slurmctld.log");
    text += "\n--- slurmctld.log (last 6000 characters)\n" + controller.substr(controller.size() > 6000 ? controller.size() - 6000 : 0);
    return text;
  }

  // Polls `done` for up to `seconds`. A requeued task waits for SLURM to start it again: the test
  // cluster's cred_expire=10 holds it about 10 s (local_slurm.sh). Releasing it sooner with
  // `scontrol update StartTime=now` made the restart fail now and then ("Job credential revoked":
  // slurmd refuses a credential made in the same second as the requeue's revocation).
  static bool wait_until(const std::function<bool()>& done, int seconds = 300) {
    for (int i = 0; i < seconds * 4; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
  }

  static std::string array_job(const fs::path& experiment) {
    const auto text = test::slurp(experiment / "slurm" / "jobs.jsonl");
    return nlohmann::json::parse(text.substr(0, text.find('\n'))).at("array_job").get<std::string>();
  }

  static nlohmann::json task_record(const fs::path& experiment, int task) {
    const auto file = experiment / "slurm" / "tasks" / (std::to_string(task) + ".json");
    return fs::exists(file) ? io::read_json(file) : nlohmann::json::object();
  }

  static inline test::TempDir* dir_ = nullptr;
  static inline fs::path config_;
  static inline pid_t holder_ = -1;
  static inline bool cluster_up_ = false;
  static inline int commands_ = 0;
};

// The fixture's helpers for the free functions below.
struct SlurmSweepAccess : SlurmSweep {
  using SlurmSweep::array_job;
  using SlurmSweep::in_cluster;
  using SlurmSweep::status_of;
  using SlurmSweep::task_record;
  using SlurmSweep::unict_in_cluster;
  using SlurmSweep::wait_until;
  static const fs::path& config() { return config_; }
  static const test::TempDir& dir() { return *dir_; }
};

constexpr const char* kQuiet = " --set run.threads=1 --log-level warn";

TEST_F(SlurmSweep, AblationOfTwoVariantsTimesTwoFoldsGivesTheLocalLaunchersTables) {
  const auto suite = dir_->write("suite.yaml", "reference: full\nvariants:\n  - {name: full, config: tiny.yaml}\n"
                                               "  - {name: no_fusion, config: tiny.yaml, set: [model.fusion=false]}\n");
  const auto local = *dir_ / "ablation_local", slurm = *dir_ / "ablation_slurm";
  ASSERT_EQ(test::run_unict("ablate --config " + suite.string() + " --out " + local.string() + kQuiet, *dir_ / "local.log"), 0)
      << test::slurp(*dir_ / "local.log");
  ASSERT_EQ(unict_in_cluster("ablate --config " + suite.string() + " --out " + slurm.string() + " --launcher slurm --set slurm.parallel=2" + kQuiet,
                             *dir_ / "submit.log"),
            0)
      << test::slurp(*dir_ / "submit.log");
  EXPECT_CONTAINS(test::slurp(*dir_ / "submit.log"), "submitted 4 fold task(s) as array job");
  ASSERT_TRUE(wait_until([&] { return fs::exists(slurm / "ablation.json"); })) << status_of(slurm);

  for (const char* file : {"ablation.json", "ablation.md", "ablation.csv", "full/summary.json", "full/summary.csv", "no_fusion/summary.json",
                           "no_fusion/summary.md", "full/fold0/metrics.jsonl", "no_fusion/fold1/metrics.jsonl"})
    EXPECT_EQ(test::slurp(slurm / file), test::slurp(local / file)) << file;
  const auto status = status_of(slurm);
  EXPECT_CONTAINS(status, "| no_fusion | 1 | finished |");
  EXPECT_CONTAINS(status, "4 folds: 4 finished. Summary: written.");

  // Again: nothing is left to train, only the summary is submitted.
  ASSERT_EQ(unict_in_cluster("ablate --config " + suite.string() + " --out " + slurm.string() + " --launcher slurm" + kQuiet, *dir_ / "again.log"), 0)
      << test::slurp(*dir_ / "again.log");
  EXPECT_CONTAINS(test::slurp(*dir_ / "again.log"), "every fold is finished; submitted only the summary job");
}

// A one-fold cv through SLURM, preempted by `preempt` (a command on its running array task) once
// it has done 10 of 240 updates; it must resume and end bitwise equal to the same fold run locally.
// Returns the task's log. The 230 updates left must outlast the signal's way through slurmctld and
// slurmd: with 60 updates, a checkpoint after each and validation every 4, a quiet machine finished
// training in 4 s, before SIGUSR1 arrived, and nothing was preempted. Checkpoints and validation
// every 40 updates keep the longer run cheap (SIGUSR1 and SIGTERM write their own checkpoint).
std::string preempted_fold_equals_an_uninterrupted_one(const std::string& name, const std::string& preempt) {
  const std::string args = "cv --config " + SlurmSweepAccess::config().string() +
                           " --folds 0 --no-external --set train.duration=240u --set train.val_every=40u --set train.checkpoint_every=40u" +
                           kQuiet;
  const auto& dir = SlurmSweepAccess::dir();
  const auto local = dir / (name + "_local"), slurm = dir / (name + "_slurm");
  EXPECT_EQ(test::run_unict(args + " --out " + local.string(), dir / (name + "_local.log")), 0) << test::slurp(dir / (name + "_local.log"));
  EXPECT_EQ(SlurmSweepAccess::unict_in_cluster(args + " --out " + slurm.string() + " --launcher slurm", dir / (name + "_submit.log")), 0)
      << test::slurp(dir / (name + "_submit.log"));
  const auto job = SlurmSweepAccess::array_job(slurm) + "_0";
  const auto progress = slurm / "fold0" / "progress.json";
  const bool started = SlurmSweepAccess::wait_until([&] { return fs::exists(progress) && io::read_json(progress).at("step").get<int>() >= 10; }, 120);
  EXPECT_TRUE(started) << SlurmSweepAccess::status_of(slurm);
  if (!started) return "";
  EXPECT_CONTAINS(SlurmSweepAccess::status_of(slurm), "| 0 | running | ");
  EXPECT_EQ(test::run_shell(SlurmSweepAccess::in_cluster(preempt + " " + job)), 0);
  const bool finished = SlurmSweepAccess::wait_until([&] { return fs::exists(slurm / "summary.json"); });
  EXPECT_TRUE(finished) << SlurmSweepAccess::status_of(slurm);
  if (!finished) return "";
  const auto log = test::slurp(slurm / "slurm" / "logs" / "task0.out");
  EXPECT_CONTAINS(log, "resuming at update");
  EXPECT_EQ(SlurmSweepAccess::task_record(slurm, 0).at("attempts"), 2);
  EXPECT_EQ(SlurmSweepAccess::task_record(slurm, 0).at("state"), "finished");
  EXPECT_EQ(test::slurp(slurm / "fold0" / "metrics.jsonl"), test::slurp(local / "fold0" / "metrics.jsonl"));
  EXPECT_EQ(test::slurp(slurm / "summary.json"), test::slurp(local / "summary.json"));
  for (const char* checkpoint : {"last.pt", "best.pt"})
    test::expect_bitwise_equal(test::checkpoint_weights(slurm / "fold0", slurm / "fold0" / "checkpoints" / checkpoint),
                               test::checkpoint_weights(local / "fold0", local / "fold0" / "checkpoints" / checkpoint));
  return log;
}

TEST_F(SlurmSweep, FoldSentUsr1CheckpointsRequeuesItselfAndEndsBitwiseAsAnUninterruptedOne) {
  // What --signal=USR1@<s> sends before the time limit; the batch script requeues the task.
  const auto log = preempted_fold_equals_an_uninterrupted_one("usr1", "scancel --signal=USR1");
  EXPECT_CONTAINS(log, "SIGUSR1 received: checkpoint written at update");
  EXPECT_CONTAINS(log, "requeued: stopped by SIGUSR1");
}

TEST_F(SlurmSweep, FoldRequeuedByScontrolCheckpointsAtSigtermAndEndsBitwiseAsAnUninterruptedOne) {
  // A preemption as SLURM does it: SIGTERM to the steps, then the job requeued by SLURM itself.
  const auto log = preempted_fold_equals_an_uninterrupted_one("requeue", "scontrol requeue");
  EXPECT_CONTAINS(log, "SIGTERM received: checkpoint written at update");
}

TEST_F(SlurmSweep, FailingFoldIsFailedAfterMaxAttemptsAndNotRequeuedAgain) {
  const auto slurm = *dir_ / "cv_failing";
  ASSERT_EQ(unict_in_cluster("cv --config " + config_.string() + " --folds 0 --no-external --out " + slurm.string() +
                                 " --launcher slurm --set slurm.max_attempts=2 --set data.ctrate_root=" + (*dir_ / "moved").string() + kQuiet,
                             *dir_ / "fail_submit.log"),
            0)
      << test::slurp(*dir_ / "fail_submit.log");
  const auto job = array_job(slurm) + "_0";
  ASSERT_TRUE(wait_until([&] { return task_record(slurm, 0).value("state", "") == "failed"; })) << status_of(slurm);
  EXPECT_EQ(task_record(slurm, 0).at("attempts"), 2);
  EXPECT_EQ(task_record(slurm, 0).at("failures"), 2);
  std::this_thread::sleep_for(std::chrono::seconds(3));  // a requeue would show by now
  const auto status = status_of(slurm);
  EXPECT_CONTAINS(status, "| 0 | failed |");
  EXPECT_CONTAINS(status, "attempt 2 failed with exit status 2: unict: error: " + (*dir_ / "moved").string());
  EXPECT_CONTAINS(status, "slurm.max_attempts reached, not requeued");
  test::run_shell(in_cluster("squeue -h -r -t all -j " + job + " -o %T >'" + (*dir_ / "queue.txt").string() + "'"));
  EXPECT_EQ(test::slurp(*dir_ / "queue.txt"), "FAILED\n");
  EXPECT_FALSE(fs::exists(slurm / "summary.json"));
  EXPECT_CONTAINS(test::slurp(slurm / "slurm" / "logs" / "summary.out"), "1 fold(s) are not finished, so no summary was written: fold 0");
}

}  // namespace
}  // namespace unict
