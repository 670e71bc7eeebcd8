#include "launch.h"

#include <chrono>

#include "unict/core/launch_environment.h"
#include "unict/core/log.h"
#include "unict/core/torch_runtime.h"
#include "unict/train/process_group.h"

namespace unict::cli {

std::shared_ptr<train::ProcessGroup> join_launch(const experiments::Config& config) {
  const auto launch = core::launch_environment_of_this_process();
  core::configure_torch_threads(config.run.threads, launch.local_world_size);
  if (!launch.distributed()) return nullptr;
  core::set_log_rank(launch.rank);
  train::ProcessGroup::Options options;
  options.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(config.distributed.timeout_s * 1000));
  options.device = core::resolve_device_name(config.run.device);
  return train::ProcessGroup::join(launch, options);
}

}  // namespace unict::cli
