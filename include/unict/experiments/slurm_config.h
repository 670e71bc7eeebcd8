// The `slurm` section: the resources and policies of the job array that `unict cv --launcher
// slurm` and `unict ablate --launcher slurm` submit (slurm_launcher.h; docs/cluster.md). Every task
// of the array is one (variant, fold) and gets these resources; a fold trained by several ranks
// runs them through srun (nodes x tasks_per_node ranks, docs/distributed.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "unict/core/config_schema.h"

namespace unict::experiments {

struct SlurmConfig {
  std::string partition;            // empty: the cluster's default
  std::string account;              // empty: the user's default
  std::int64_t nodes = 1;           // per fold
  std::int64_t tasks_per_node = 1;  // ranks per node (one per GPU)
  std::int64_t gpus_per_task = 0;
  std::int64_t cpus_per_task = 1;
  std::string mem;                  // per node, as sbatch spells it ("64G"); empty: the partition's default
  std::string time;                 // per attempt ("1-00:00:00"); empty: the partition's default
  std::int64_t parallel = 0;        // array tasks running at once (%N); 0: no limit
  std::int64_t signal_s = 0;        // seconds of warning (SIGUSR1) before the time limit
  std::int64_t max_attempts = 0;    // failed attempts of a fold before it is marked failed
  std::vector<std::string> extra;   // further #SBATCH options, each "--name=value"
  std::int64_t previous_attempt_wait_s = 0;  // how long an attempt waits for its predecessor's folder lock
};

const core::Section<SlurmConfig>& slurm_section();

}  // namespace unict::experiments
