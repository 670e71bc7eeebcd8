// Joining the ranks that torchrun or srun started, shared by every command that trains.
#pragma once

#include <memory>

#include "unict/experiments/config.h"

namespace unict::train {
class ProcessGroup;
}

namespace unict::cli {

// Joins the process group when torchrun or srun launched this process as one of several ranks
// (null otherwise), and shares the node's cores among its ranks when run.threads is 0.
std::shared_ptr<train::ProcessGroup> join_launch(const experiments::Config& config);

}  // namespace unict::cli
