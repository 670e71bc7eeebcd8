#include "unict/model/batch_statistics.h"

#include <atomic>

#include "unict/core/error.h"

namespace unict::model {
namespace {

// One process trains one model at a time: the function in force is process-wide.
std::atomic<const SumOverRanks*> in_force{nullptr};
std::atomic<bool> this_rank_counts{true};

}  // namespace

GlobalBatchStatistics::GlobalBatchStatistics(SumOverRanks sum) {
  auto* installed = new SumOverRanks(std::move(sum));
  const SumOverRanks* none = nullptr;
  if (!in_force.compare_exchange_strong(none, installed)) {
    delete installed;
    throw internal_error("global batch statistics are already in force");
  }
}

GlobalBatchStatistics::~GlobalBatchStatistics() { delete in_force.exchange(nullptr); }

const SumOverRanks* GlobalBatchStatistics::active() { return in_force.load(); }

bool GlobalBatchStatistics::contributing() { return this_rank_counts.load(); }
void GlobalBatchStatistics::set_contributing(bool contributes) { this_rank_counts.store(contributes); }

}  // namespace unict::model
