// What the trainer's end-to-end suites share: a tiny synthetic data set (12 patients, 16 x 24 x 24
// volumes) with a config for a model of a few thousand parameters, the `unict` binary run in the
// foreground or the background, and the weights of a checkpoint.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "data/data_fixture.h"
#include "test_support.h"
#include "unict/data/synthetic.h"
#include "unict/experiments/config.h"
#include "unict/model/unict_model.h"
#include "unict/text/tokenizer.h"
#include "unict/train/checkpoint.h"

namespace unict::test {

// Writes the data set under `dir` and returns the config that trains on it.
inline std::filesystem::path write_tiny_run(const TempDir& dir) {
  data::write_synthetic_dataset(dir / "synthetic", small_synthetic(12, 7, {24, 32, 32}, 4));
  const auto root = (dir / "synthetic").string();
  return dir.write("tiny.yaml", "base: " + std::string(UNICT_SOURCE_DIR) + "/configs/base.yaml\n" + R"(
run: {name: tiny, output_root: )" + (dir / "runs").string() + R"(, threads: 2, device: cpu, log_level: warn}
data:
  label_set: )" + std::string(UNICT_SOURCE_DIR) + R"(/configs/labels/unict10.yaml
  ctrate_root: )" + root + R"(/ctrate
  rexgrounding_root: )" + root + R"(/rexgroundingct
  radchestct_root: )" + root + R"(/radchestct
  radchestct_spacing: 11.0
  cache_dir: )" + (dir / "cache").string() + R"(
split: {folds: 2, val_fraction: 0.2}
preprocess: {spacing: [16.0, 15.0, 15.0], size: [16, 24, 24]}
loader: {workers: 1, prefetch: 2}
train: {batch_size: 2, lr: 0.003, duration: 12u, warmup: 2u, val_every: 4u, checkpoint_every: 1u, log_every: 1}
encoder:
  name: resnet3d
  resnet3d: {stem_channels: 4, widths: [4, 8, 8, 8], depths: [1, 1, 1, 1]}
model: {embed_dim: 16, fusion_heads: 2}
seg_decoder: {channels: [8, 8, 4, 4]}
report_decoder: {d_model: 16, heads: 2, layers: 1, ff_dim: 32, max_tokens: 48}
decode: {method: greedy, max_tokens: 24}
tokenizer: {vocab_size: 120}
)");
}

// A suite over one tiny data set and config, written once for all its tests (a few seconds).
// `Suite` is the deriving fixture, so that each suite has its own folder.
template <class Suite>
class TinyRunSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    config_ = write_tiny_run(*dir_);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static inline TempDir* dir_ = nullptr;
  static inline std::filesystem::path config_;
};

// The shell command that runs `unict <args>` from the source folder, output to `log`; `prefix`
// goes before the binary (variables, a launcher).
inline std::string unict_command(const std::string& args, const std::filesystem::path& log, const std::string& prefix = "") {
  return std::string("cd '") + UNICT_SOURCE_DIR + "' && exec " + prefix + " '" + UNICT_BINARY + "' " + args + " >'" + log.string() +
         "' 2>&1 </dev/null";
}

// Runs a shell command; its exit status (-1 when it did not exit).
inline int run_shell(const std::string& command) {
  const int raw = std::system(command.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

inline int run_unict(const std::string& args, const std::filesystem::path& log, const std::string& prefix = "") {
  return run_shell(unict_command(args, log, prefix));
}

// Starts a shell command in the background, in a process group of its own (so that the test can
// signal all it started); returns its process id.
inline pid_t start_shell(const std::string& command) {
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);
  return pid;
}

inline pid_t start_unict(const std::string& args, const std::filesystem::path& log, const std::string& prefix = "") {
  return start_shell(unict_command(args, log, prefix));
}

inline std::size_t lines_of(const std::filesystem::path& file) {
  const std::string text = slurp(file);
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Waits until `file` has `lines` lines, at most 60 s; false when the process ended first.
inline bool wait_for_lines(pid_t pid, const std::filesystem::path& file, std::size_t lines) {
  for (int i = 0; i < 6000 && lines_of(file) < lines; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// The parameters and buffers of a checkpoint's model, by name (built from the run's config.yaml
// and tokenizer, so an unfinished run works too).
inline std::map<std::string, at::Tensor> checkpoint_weights(const std::filesystem::path& run_dir, const std::filesystem::path& checkpoint) {
  const auto config = experiments::load_config(run_dir / "config.yaml").typed;
  const auto tokenizer = text::ReportTokenizer::load(run_dir / "tokenizer.model");
  auto model = model::build_model(config.model, {10, tokenizer.vocab_size(), config.preprocess.size}, 0);
  train::load_checkpoint(checkpoint, *model, nullptr, "cpu", false);
  std::map<std::string, at::Tensor> out;
  for (const auto& p : model->named_parameters()) out[p.key()] = p.value().clone();
  for (const auto& b : model->named_buffers()) out[b.key()] = b.value().clone();
  return out;
}

inline void expect_bitwise_equal(const std::map<std::string, at::Tensor>& a, const std::map<std::string, at::Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, tensor] : a) EXPECT_TRUE(torch::equal(tensor, b.at(name))) << name;
}

}  // namespace unict::test
