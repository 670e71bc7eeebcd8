// Data-parallel gradients: after the backward pass of an update, every rank holds the sum over
// the ranks of the parameters' gradients (the losses are normalised by the global batch, see
// model::LossDenominators, so the sum is one process's gradient for the whole global batch).
//
// The parameters are split into buckets, in reverse order of registration (about the order
// backward produces their gradients; the first bucket is small so that communication starts
// early). A hook on each parameter's gradient accumulator marks it ready; when a bucket and every
// bucket before it are ready, its gradients are flattened and their all-reduce starts while
// backward goes on. finish() starts what is left, waits, and writes the sums back.
//
// A parameter that got no gradient on some rank in this update (a head without supervision in its
// batch, a rank whose share of the last batch was empty) contributes zeros; one that got none on
// any rank keeps its gradient as it was (undefined, or the zeros of zero_grad), so the optimiser
// treats it as a single process would. Every bucket carries one "had a gradient" count per
// parameter for that, in the same all-reduce.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <ATen/core/Tensor.h>

namespace unict::train {

class ProcessGroup;

struct GradientSyncOptions {
  std::int64_t bucket_bytes = 25 << 20;
  std::int64_t first_bucket_bytes = 1 << 20;
  bool overlap = true;  // false: every all-reduce starts in finish() (the benchmark's baseline)
};

class GradientSync {
 public:
  GradientSync(const std::vector<at::Tensor>& parameters, ProcessGroup& group, GradientSyncOptions options = {});
  ~GradientSync();
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;

  // Before the first backward pass of an update.
  void begin_update();
  // Before the update's last backward pass: from here a ready bucket starts its all-reduce.
  void arm();
  // After the last backward pass: every rank's gradients summed into .grad. Returns how many
  // parameters got a gradient on this rank (0 after a backward pass means the hooks were lost).
  std::size_t finish();

  std::size_t buckets() const;
  // Seconds finish() spent waiting for communication in the last update.
  double last_wait_seconds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace unict::train
