// Shared between the cv / ablate commands and the sweep commands.
#pragma once

#include "unict/experiments/sweep.h"

namespace unict::cli {

// Submits (or with dry_run prints) a sweep and says what was queued.
void submit_sweep(const experiments::Sweep& sweep, bool dry_run);

// An exit status that `unict sweep record` gives the batch script on purpose (not an error).
struct SweepExit {
  int status;
};

}  // namespace unict::cli
