// Faults as input, through the real `unict` binary on the tiny synthetic data set (tiny_run.h):
// a disk that fills up under `prepare`, under a training's checkpoint and under an evaluation's
// outputs (a small tmpfs the test mounts; CI runs as root), and checkpoints damaged on disk.
// Each fault gives exit status 2, a message naming the file, no partial file, the previous state
// intact, and the same command works again once the cause is gone.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "small_disk.h"
#include "test_support.h"
#include "tiny_run.h"
#include "unict/data/cache_item.h"
#include "unict/io/json.h"

namespace unict {
namespace {

namespace fs = std::filesystem;

class Faults : public test::TinyRunSuite<Faults> {
 protected:
  static int unict(const std::string& args, const std::string& log) { return test::run_unict(args, *dir_ / log); }
  static std::string log(const std::string& name) { return test::slurp(*dir_ / name); }
};

constexpr const char* kNoSpace = "no space left on the device";

// The hidden temporary files of atomic writes found under `folder`: none may be left behind.
std::vector<std::string> temporaries(const fs::path& folder) {
  std::vector<std::string> found;
  for (const auto& e : fs::recursive_directory_iterator(folder))
    if (e.path().filename().string().rfind(".tmp-", 0) == 0) found.push_back(e.path().string());
  return found;
}

TEST_F(Faults, PrepareOnAFullDiskNamesTheItemLeavesNoPartialFileAndCompletesOnceThereIsRoom) {
  test::SmallDisk disk(*dir_ / "prepare_disk", 4 << 20);
  disk.fill(150 * 1024);  // room for a few items of about 30 KB, not for all
  const std::string args = "prepare --config " + config_.string() + " --set data.cache_dir=" + (disk / "cache").string();
  EXPECT_EQ(unict(args, "prepare_full.log"), 2) << log("prepare_full.log");
  EXPECT_CONTAINS(log("prepare_full.log"), ".uct: cannot write: " + std::string(kNoSpace));
  EXPECT_TRUE(temporaries(disk.path()).empty());
  std::size_t kept = 0;
  for (const auto& e : fs::recursive_directory_iterator(disk / "cache"))
    if (e.path().extension() == ".uct") {
      EXPECT_NO_THROW(data::read_cache_item(e.path())) << e.path();  // every item there is whole
      ++kept;
    }
  EXPECT_GT(kept, 0u);

  disk.make_room();
  ASSERT_EQ(unict(args + " --log-level info", "prepare_room.log"), 0) << log("prepare_room.log");
  EXPECT_CONTAINS(log("prepare_room.log"), std::to_string(kept) + " already in the cache");
}

// A checkpoint that meets a full disk: the run stops with exit 2 (it aborted with SIGABRT
// before), last.pt keeps the previous checkpoint byte for byte, and --resume continues from it to
// the same metrics as a run that was never interrupted.
TEST_F(Faults, ACheckpointOnAFullDiskStopsTheRunCleanlyAndResumeContinuesFromTheLastGoodOne) {
  const std::string train = "train --config " + config_.string() + " --fold 0 --set train.duration=30u";
  ASSERT_EQ(unict(train + " --out " + (*dir_ / "uninterrupted").string(), "uninterrupted.log"), 0) << log("uninterrupted.log");

  test::SmallDisk disk(*dir_ / "train_disk", 8 << 20);
  const fs::path run = disk / "run";
  // A checkpoint on disk first: the run is stopped by SIGTERM after a few updates.
  const pid_t pid = test::start_unict(train + " --out " + run.string(), *dir_ / "started.log");
  ASSERT_TRUE(test::wait_for_lines(pid, run / "metrics.jsonl", 2)) << log("started.log");
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int raw = 0;
  waitpid(pid, &raw, 0);
  ASSERT_TRUE(WIFEXITED(raw) && WEXITSTATUS(raw) == 128 + SIGTERM) << log("started.log");
  const std::string checkpoint = test::slurp(run / "checkpoints" / "last.pt");

  disk.fill(8 * 1024);  // room for a few metrics lines, not for a checkpoint
  EXPECT_EQ(unict("train --resume " + run.string(), "full.log"), 2) << log("full.log");
  EXPECT_CONTAINS(log("full.log"), "unict: error: " + (run / "checkpoints").string());
  EXPECT_CONTAINS(log("full.log"), ".pt: cannot write: " + std::string(kNoSpace));
  EXPECT_TRUE(temporaries(run).empty());
  EXPECT_EQ(test::slurp(run / "checkpoints" / "last.pt"), checkpoint);

  disk.make_room();
  ASSERT_EQ(unict("train --resume " + run.string(), "room.log"), 0) << log("room.log");
  EXPECT_EQ(test::slurp(run / "metrics.jsonl"), test::slurp(*dir_ / "uninterrupted" / "metrics.jsonl"));
  test::expect_bitwise_equal(test::checkpoint_weights(run, run / "checkpoints" / "last.pt"),
                             test::checkpoint_weights(*dir_ / "uninterrupted", *dir_ / "uninterrupted" / "checkpoints" / "last.pt"));
}

TEST_F(Faults, AnEvaluationOnAFullDiskNamesTheFileKeepsTheRunAndSucceedsOnceThereIsRoom) {
  const fs::path trained = *dir_ / "trained";
  ASSERT_EQ(unict("train --config " + config_.string() + " --fold 1 --set train.duration=8u --out " + trained.string(), "trained.log"), 0)
      << log("trained.log");
  test::SmallDisk disk(*dir_ / "eval_disk", 8 << 20);
  const fs::path run = disk / "run";
  fs::copy(trained, run, fs::copy_options::recursive);
  disk.fill(16 * 1024);
  const std::string evaluate = "evaluate --run " + run.string() + " --split val --bootstrap 10";
  EXPECT_EQ(unict(evaluate, "evaluate_full.log"), 2) << log("evaluate_full.log");
  EXPECT_CONTAINS(log("evaluate_full.log"), "unict: error: " + run.string());
  EXPECT_CONTAINS(log("evaluate_full.log"), kNoSpace);
  EXPECT_TRUE(temporaries(run).empty());
  EXPECT_FALSE(fs::exists(run / "val" / "results.json"));
  for (const char* checkpoint : {"checkpoints/last.pt", "checkpoints/best.pt"})
    EXPECT_EQ(test::slurp(run / checkpoint), test::slurp(trained / checkpoint)) << checkpoint;

  disk.make_room();
  ASSERT_EQ(unict(evaluate, "evaluate_room.log"), 0) << log("evaluate_room.log");
  EXPECT_TRUE(fs::exists(run / "val" / "results.json"));
}

// A checkpoint cut short or with a byte changed is refused with its name, never loaded.
TEST_F(Faults, ATruncatedOrAlteredCheckpointIsRefusedWithItsName) {
  const fs::path run = *dir_ / "damaged";
  ASSERT_EQ(unict("train --config " + config_.string() + " --fold 0 --set train.duration=4u --out " + run.string(), "damaged.log"), 0)
      << log("damaged.log");
  const fs::path file = run / "checkpoints" / "last.pt";
  const std::string whole = test::slurp(file);
  for (const std::size_t length : {std::size_t{0}, std::size_t{100}, whole.size() / 3, whole.size() / 2, whole.size() - 22, whole.size() - 1}) {
    dir_->write(fs::relative(file, dir_->path()).string(), whole.substr(0, length));
    EXPECT_CONTAINS(test::error_of([&] { test::checkpoint_weights(run, file); }), file.string() + ": ") << "cut at " << length;
  }
  // One byte changed in best.pt (weights only, so the middle of the file is tensor data): the zip
  // reader does not check it, the recorded checksum does.
  const fs::path best = run / "checkpoints" / "best.pt";
  std::string altered = test::slurp(best);
  altered[altered.size() / 2] = static_cast<char>(altered[altered.size() / 2] ^ 0x40);
  dir_->write(fs::relative(best, dir_->path()).string(), altered);
  EXPECT_CONTAINS(test::error_of([&] { test::checkpoint_weights(run, best); }), best.string() + ": damaged checkpoint: the checksum of its weights");
  EXPECT_EQ(unict("evaluate --run " + run.string() + " --split val --bootstrap 10", "damaged_eval.log"), 2);
  EXPECT_CONTAINS(log("damaged_eval.log"), best.string() + ": damaged checkpoint");
}

// Two processes on one run folder: a resume started by hand (or a requeued SLURM task whose earlier
// attempt is not dead yet) while the training runs. The second is refused, naming the folder and
// the holder; --force does not delete the folder under it; a SIGKILLed holder leaves no lock.
TEST_F(Faults, ASecondProcessOnARunFolderIsRefusedAndAKilledHolderLeavesNoLock) {
  const fs::path run = *dir_ / "held";
  const std::string train = "train --config " + config_.string() + " --fold 0 --set train.duration=100000u --out " + run.string();
  const pid_t holder = test::start_unict(train, *dir_ / "holder.log");
  ASSERT_TRUE(test::wait_for_lines(holder, run / "metrics.jsonl", 2)) << log("holder.log");
  ASSERT_TRUE(fs::exists(run / "checkpoints" / "last.pt"));
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  const std::string in_use = run.string() + ": the folder is in use by process " + std::to_string(holder) + " on " + host;

  EXPECT_EQ(unict("train --resume " + run.string(), "second_resume.log"), 2) << log("second_resume.log");
  EXPECT_CONTAINS(log("second_resume.log"), in_use);
  EXPECT_EQ(unict(train + " --force", "second_force.log"), 2) << log("second_force.log");
  EXPECT_CONTAINS(log("second_force.log"), in_use);
  EXPECT_CONTAINS(log("second_force.log"), "--force never replaces a folder in use");
  EXPECT_EQ(unict("evaluate --run " + run.string(), "second_evaluate.log"), 2) << log("second_evaluate.log");
  EXPECT_CONTAINS(log("second_evaluate.log"), in_use);
  EXPECT_TRUE(fs::exists(run / "config.yaml"));
  ASSERT_EQ(waitpid(holder, nullptr, WNOHANG), 0) << "the training ended under the refused commands";

  ASSERT_EQ(kill(holder, SIGKILL), 0);
  waitpid(holder, nullptr, 0);
  // No stale lock: the next process takes the folder (and finds what it expects there).
  EXPECT_EQ(unict("evaluate --run " + run.string(), "after_kill.log"), 2);
  EXPECT_CONTAINS(log("after_kill.log"), "no finished training in this folder");
  ASSERT_EQ(unict(train + " --force --set train.duration=4u", "after_kill_force.log"), 0) << log("after_kill_force.log");
  EXPECT_TRUE(fs::exists(run / "training.json"));
}

}  // namespace
}  // namespace unict
