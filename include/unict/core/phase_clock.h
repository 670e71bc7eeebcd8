// Wall time per phase of a repeated piece of work (the trainer's update: data wait, forward per
// head, losses, backward, optimiser), summed over a window and reported per repetition. Each
// lap() charges the time since the previous lap to a phase. On an asynchronous device, `sync`
// (e.g. torch::cuda::synchronize) runs before each reading, so that a phase is charged its own
// kernels; on the CPU it is empty and a lap costs one clock read.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace unict::core {

class PhaseClock {
 public:
  explicit PhaseClock(std::function<void()> sync = {}) : sync_(std::move(sync)) {}

  // Starts a repetition: the next lap is timed from here.
  void start();
  // Charges the time since start() or the previous lap to `phase` (phases keep first-seen order).
  void lap(const std::string& phase);
  // Counts one finished repetition.
  void finish_repetition() { ++repetitions_; }

  // "data 2.1, encoder 40.3, ... (total 180.2) ms per update", averaged over the repetitions since
  // the last reset; empty when there were none.
  std::string summary(const std::string& per = "update") const;
  void reset();

 private:
  std::function<void()> sync_;
  std::chrono::steady_clock::time_point last_{};
  std::vector<std::pair<std::string, double>> seconds_;
  std::int64_t repetitions_ = 0;
};

}  // namespace unict::core
