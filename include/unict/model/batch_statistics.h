// Batch statistics over the ranks of a distributed update. BatchNorm (batch_norm.h) and the
// lesion-evidence centre (lesion_evidence.h) normalise by the mean of a training batch; in a
// distributed update each rank holds only its share of the global batch, so without this they
// would normalise by per-rank statistics and N ranks of batch b would not compute what one process
// of batch N·b does. While a GlobalBatchStatistics lives, those modules sum their statistics over
// the ranks in training mode (forward and backward). The trainer installs one for a distributed run
// with distributed.sync_batch_norm (on by default); the model layer knows only the summing function.
// Every rank must then run the same modules in forward and backward, in the same order: the
// trainer sees to it (an empty share runs a placeholder, a head without a loss on one rank gets a
// zero-weighted one while another rank has it).
#pragma once

#include <functional>

#include <ATen/core/Tensor.h>

namespace unict::model {

// Sums a dense tensor over the ranks, in place. Every rank must call it in the same order.
using SumOverRanks = std::function<void(const at::Tensor&)>;

class GlobalBatchStatistics {
 public:
  explicit GlobalBatchStatistics(SumOverRanks sum);
  ~GlobalBatchStatistics();
  GlobalBatchStatistics(const GlobalBatchStatistics&) = delete;
  GlobalBatchStatistics& operator=(const GlobalBatchStatistics&) = delete;

  // The summing function in force, or null when statistics are per process.
  static const SumOverRanks* active();

  // Whether this rank's batch counts. A rank whose share of a global batch is empty still runs a
  // placeholder forward and backward, so that its collectives pair with the others' one for one;
  // with this off, its modules add nothing to the sums (no values, no count).
  static bool contributing();
  static void set_contributing(bool contributes);

  // This rank's placeholder pass: not contributing while it lives, contributing again after,
  // however the pass ends.
  class Placeholder {
   public:
    Placeholder() { set_contributing(false); }
    ~Placeholder() { set_contributing(true); }
    Placeholder(const Placeholder&) = delete;
    Placeholder& operator=(const Placeholder&) = delete;
  };
};

}  // namespace unict::model
