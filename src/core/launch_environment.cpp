#include "unict/core/launch_environment.h"

#include <cstdlib>
#include <limits>

#include "unict/core/error.h"

namespace unict::core {
namespace {

constexpr int kMaxProcesses = 1 << 20;

int integer_variable(const std::string& name, const std::string& text, long long low, long long high) {
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < low || value > high)
    throw Error("environment variable " + name + " is not a valid value")
        .value(text)
        .expected("an integer from " + std::to_string(low) + " to " + std::to_string(high));
  return static_cast<int>(value);
}

std::string required(const EnvironmentLookup& lookup, const std::string& name, const std::string& launcher) {
  const auto value = lookup(name);
  if (!value || value->empty())
    throw Error("environment variable " + name + " is not set").expected("it set, as " + launcher + " sets it for every process");
  return *value;
}

void check_consistent(const LaunchEnvironment& env, const std::string& rank_name, const std::string& local_name) {
  if (env.rank >= env.world_size)
    throw Error("environment variable " + rank_name + " is not below the number of processes")
        .value(std::to_string(env.rank))
        .expected("0 to " + std::to_string(env.world_size - 1));
  if (env.local_rank > env.rank)
    throw Error("environment variable " + local_name + " is above the global rank")
        .value(std::to_string(env.local_rank))
        .expected("at most " + rank_name + " = " + std::to_string(env.rank));
}

LaunchEnvironment from_torchrun(const EnvironmentLookup& lookup) {
  const std::string launcher = "torchrun";
  LaunchEnvironment env;
  env.launcher = Launcher::torchrun;
  env.world_size = integer_variable("WORLD_SIZE", required(lookup, "WORLD_SIZE", launcher), 1, kMaxProcesses);
  env.rank = integer_variable("RANK", required(lookup, "RANK", launcher), 0, kMaxProcesses - 1);
  const auto local = lookup("LOCAL_RANK");
  env.local_rank = local ? integer_variable("LOCAL_RANK", *local, 0, kMaxProcesses - 1) : 0;
  check_consistent(env, "RANK", "LOCAL_RANK");
  if (const auto local_world = lookup("LOCAL_WORLD_SIZE"))
    env.local_world_size = integer_variable("LOCAL_WORLD_SIZE", *local_world, 1, env.world_size);
  if (env.distributed()) {
    env.master_addr = required(lookup, "MASTER_ADDR", launcher);
    env.master_port = integer_variable("MASTER_PORT", required(lookup, "MASTER_PORT", launcher), 1, 65535);
    env.launcher_hosts_store = lookup("TORCHELASTIC_USE_AGENT_STORE").value_or("") == "True";
    if (env.launcher_hosts_store) {
      const auto restart = lookup("TORCHELASTIC_RESTART_COUNT").value_or("0");
      env.store_prefix = "unict/attempt_" + std::to_string(integer_variable("TORCHELASTIC_RESTART_COUNT", restart, 0, 1 << 30));
    }
  }
  return env;
}

LaunchEnvironment from_slurm(const EnvironmentLookup& lookup) {
  const std::string launcher = "srun";
  LaunchEnvironment env;
  env.launcher = Launcher::slurm;
  // The step's task count: SLURM_NTASKS is the allocation's, which a step may use only part of.
  const std::string tasks = lookup("SLURM_STEP_NUM_TASKS") ? "SLURM_STEP_NUM_TASKS" : "SLURM_NTASKS";
  env.world_size = integer_variable(tasks, required(lookup, tasks, launcher), 1, kMaxProcesses);
  env.rank = integer_variable("SLURM_PROCID", required(lookup, "SLURM_PROCID", launcher), 0, kMaxProcesses - 1);
  const auto local = lookup("SLURM_LOCALID");
  env.local_rank = local ? integer_variable("SLURM_LOCALID", *local, 0, kMaxProcesses - 1) : 0;
  check_consistent(env, "SLURM_PROCID", "SLURM_LOCALID");
  // "2(x3),1": this node's count is the first (srun lists nodes in order; a node's own entry is
  // not given, so the first is what a homogeneous step has everywhere).
  if (const auto per_node = lookup("SLURM_STEP_TASKS_PER_NODE"); per_node && !per_node->empty()) {
    const auto digits = per_node->substr(0, per_node->find_first_not_of("0123456789"));
    env.local_world_size = integer_variable("SLURM_STEP_TASKS_PER_NODE", digits.empty() ? *per_node : digits, 1, env.world_size);
  }
  if (!env.distributed()) return env;
  if (const auto addr = lookup("MASTER_ADDR"); addr && !addr->empty()) {
    env.master_addr = *addr;
  } else {
    auto nodes = lookup("SLURM_STEP_NODELIST");
    if (!nodes || nodes->empty()) nodes = lookup("SLURM_JOB_NODELIST");
    if (!nodes || nodes->empty())
      throw Error("neither MASTER_ADDR nor a SLURM node list is set").expected("SLURM_STEP_NODELIST or SLURM_JOB_NODELIST, as srun sets them");
    env.master_addr = first_host_of(*nodes);
  }
  if (const auto port = lookup("MASTER_PORT"); port && !port->empty()) {
    env.master_port = integer_variable("MASTER_PORT", *port, 1, 65535);
  } else {
    // The same on every task of a job and unlikely to collide with another job on the node.
    const int job = integer_variable("SLURM_JOB_ID", required(lookup, "SLURM_JOB_ID", launcher), 0, std::numeric_limits<int>::max());
    env.master_port = 20000 + job % 20000;
  }
  return env;
}

}  // namespace

std::string first_host_of(const std::string& host_list) {
  const auto malformed = [&] {
    return Error("a malformed SLURM host list").value(host_list).expected("host names with optional [ranges], separated by commas, e.g. node[01-04],gpu7");
  };
  std::string host;
  std::size_t i = 0;
  while (i < host_list.size() && host_list[i] != ',') {
    const char c = host_list[i];
    if (c == ']') throw malformed();
    if (c != '[') {
      host += c;
      ++i;
      continue;
    }
    // A range group: the host takes its first value, the digits before the first ',' or '-'.
    const auto close = host_list.find(']', i);
    if (close == std::string::npos) throw malformed();
    const std::string group = host_list.substr(i + 1, close - i - 1);
    const std::string first = group.substr(0, group.find_first_of(",-"));
    if (first.empty() || group.find_first_not_of("0123456789,-") != std::string::npos) throw malformed();
    host += first;
    i = close + 1;
  }
  if (host.empty()) throw malformed();
  return host;
}

LaunchEnvironment launch_environment(const EnvironmentLookup& lookup) {
  if (lookup("RANK") || lookup("WORLD_SIZE")) return from_torchrun(lookup);
  // Only inside an srun step: the batch script itself also has SLURM_PROCID (0) and SLURM_NTASKS
  // (the allocation's), but no step id, and is one process.
  if (lookup("SLURM_PROCID") && (lookup("SLURM_STEP_ID") || lookup("SLURM_STEPID"))) return from_slurm(lookup);
  return {};
}

LaunchEnvironment launch_environment_of_this_process() {
  return launch_environment([](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  });
}

}  // namespace unict::core
