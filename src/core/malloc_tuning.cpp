#include "unict/core/malloc_tuning.h"

#include <cstdlib>  // defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace unict::core {

bool keep_freed_tensor_memory() {
#if defined(__GLIBC__)
  // Why: every training step allocates and frees the same few-MiB activation and gradient
  // tensors. By default glibc serves blocks that large with mmap, or returns the top of the heap
  // to the kernel once more than the trim threshold is free, so each step page-faults its tensors
  // in again. On the quick start's CPU step that was half the time (the losses phase 94 -> 8 ms,
  // the whole update 240 -> 113 ms: scripts/bench/step_time.sh, docs/benchmarks.md). 32 MiB is
  // the largest mmap threshold glibc accepts on 64-bit; the trim threshold only has to be larger
  // than a step's peak.
  constexpr int kMmapThreshold = 32 * 1024 * 1024;
  constexpr int kTrimThreshold = 1024 * 1024 * 1024;
  const bool mmap_set = mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1;
  const bool trim_set = mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1;
  return mmap_set && trim_set;
#else
  return false;
#endif
}

}  // namespace unict::core
