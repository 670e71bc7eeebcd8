#include "unict/train/distributed_config.h"

namespace unict::train {
namespace {

using core::Range;

core::Section<DistributedConfig> make_distributed_section() {
  core::Section<DistributedConfig> s("distributed");
  s.key("timeout_s", &DistributedConfig::timeout_s, 60.0,
        "seconds a rank waits for the others (rendezvous, each gradient all-reduce, shared values) before it stops and names the "
        "ranks that were lost; rank 0's validation is waited for without this limit")
      .in_range(Range::closed(1, 86400));
  s.key("bucket_mb", &DistributedConfig::bucket_mb, 25.0,
        "MiB of gradients per all-reduce bucket (the first bucket is at most 1 MiB, so communication starts early in backward)")
      .in_range(Range::closed(0.01, 4096));
  s.key("overlap", &DistributedConfig::overlap, true,
        "start each bucket's all-reduce as soon as backward has produced its gradients; false waits for the whole backward "
        "(for measuring what the overlap saves)");
  s.key("sync_batch_norm", &DistributedConfig::sync_batch_norm, true,
        "in training, BatchNorm and the lesion-evidence centre normalise by the statistics of the global batch (summed over the "
        "ranks: a SyncBatchNorm), so N ranks of batch b compute what one process of batch N*b does; false: each rank's own "
        "volumes (fewer all-reduces, other results)");
  return s;
}

}  // namespace

const core::Section<DistributedConfig>& distributed_section() {
  static const core::Section<DistributedConfig> section = make_distributed_section();
  return section;
}

}  // namespace unict::train
