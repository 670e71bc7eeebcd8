// The process group of a distributed run: c10d's TCPStore for the rendezvous and small shared
// values, Gloo for collectives on the CPU (NCCL on CUDA, where the LibTorch has it). A process
// launched alone has a group of one, whose collectives do nothing, so the trainer has one code path.
//
// Failures are made legible: every rank beats a heartbeat into the store from its own thread and
// connection, and a collective or store operation that fails (a peer's socket closed, a timeout)
// is rethrown as an Error that names the ranks whose heartbeat stopped. The c10d headers (and
// Gloo's) stay inside process_group.cpp.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "unict/core/launch_environment.h"

namespace unict::train {

class ProcessGroup {
 public:
  struct Options {
    std::chrono::milliseconds timeout{60000};  // rendezvous, collectives and store reads
    std::string device = "cpu";                // cpu: Gloo; cuda: NCCL
  };

  // How long the others wait while rank 0 alone works (validation, preparing the cache): no useful
  // bound exists, and a rank 0 that dies is noticed at once, as its store goes with it.
  static constexpr std::chrono::hours kRootWorkWait{24};

  // The group of one.
  static std::shared_ptr<ProcessGroup> single();
  // Joins the group `launch` describes (blocks until every rank has arrived, or the timeout).
  // Errors name the rendezvous address and what went wrong.
  static std::shared_ptr<ProcessGroup> join(const core::LaunchEnvironment& launch, const Options& options);

  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  int local_rank() const { return local_rank_; }
  bool distributed() const { return world_size_ > 1; }
  bool is_root() const { return rank_ == 0; }

  // A collective in flight; wait() completes it (rethrowing a failure as the group's Error).
  class Pending {
   public:
    Pending();
    ~Pending();
    Pending(Pending&&) noexcept;
    Pending& operator=(Pending&&) noexcept;
    void wait();

   private:
    friend class ProcessGroup;
    struct Work;
    std::unique_ptr<Work> work_;
  };

  // Sums `tensor` over the ranks, in place (a dense, contiguous tensor on the group's device).
  Pending all_reduce_sum_async(const at::Tensor& tensor);
  void all_reduce_sum(const at::Tensor& tensor);

  // Rank 0's `value` on every rank (the others' argument is ignored), through the store. `wait`
  // bounds how long the others wait for it: longer than the timeout when rank 0 first does work
  // the others wait for (validation). Calls must come in the same order on every rank.
  std::string share_from_root(const std::string& what, const std::string& value, std::chrono::milliseconds wait);
  std::string share_from_root(const std::string& what, const std::string& value);
  // Every rank's value, in rank order, on every rank.
  std::vector<std::string> gather(const std::string& what, const std::string& value);

  // The Error a failed collective becomes: names the ranks that stopped beating (or rank 0's
  // store when that is gone) and `cause`.
  [[noreturn]] void fail(const std::string& cause) const;

 private:
  ProcessGroup(int rank, int world_size, int local_rank);
  std::string next_key(const std::string& what);
  // Returns once every key is in the store; fails (naming the lost ranks) when a rank stops beating
  // or `limit` passes.
  void wait_for_keys(const std::vector<std::string>& keys, std::chrono::milliseconds limit, const std::string& what) const;

  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_ = 0, world_size_ = 1, local_rank_ = 0;
  long long calls_ = 0;  // store keys are numbered by call, the same on every rank
};

}  // namespace unict::train
