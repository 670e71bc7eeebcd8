// The `distributed` section: how the ranks of a run launched by torchrun or srun work together
// (train/process_group.h, train/gradient_sync.h; docs/distributed.md).
#pragma once

#include <cstdint>

#include "unict/core/config_schema.h"

namespace unict::train {

struct DistributedConfig {
  double timeout_s = 0;          // rendezvous, collectives, store reads: a lost rank is noticed within this
  double bucket_mb = 0;          // gradient all-reduce bucket size
  bool overlap = true;           // start a bucket's all-reduce during backward
  bool sync_batch_norm = true;   // batch statistics (BatchNorm, the lesion-evidence centre) over the global batch
};

const core::Section<DistributedConfig>& distributed_section();

}  // namespace unict::train
