// Where this process stands in a multi-process launch, read from the variables the launcher sets:
// torchrun (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) or srun under SLURM
// (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, the first host of the step's node list). The
// distributed trainer joins its process group from this (issue 17). No LibTorch.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace unict::core {

enum class Launcher { single, torchrun, slurm };

struct LaunchEnvironment {
  Launcher launcher = Launcher::single;
  int rank = 0, world_size = 1, local_rank = 0;
  int local_world_size = 1;  // ranks on this node (LOCAL_WORLD_SIZE, SLURM_STEP_TASKS_PER_NODE): they share its cores
  std::string master_addr;  // the rendezvous host (rank 0's); empty for a single process
  int master_port = 0;
  // torchrun's static rendezvous: its agent already hosts a TCPStore at MASTER_ADDR:MASTER_PORT
  // (TORCHELASTIC_USE_AGENT_STORE=True), so every rank is a client of it, and keys go under
  // store_prefix, one per restart of the job (TORCHELASTIC_RESTART_COUNT). Otherwise rank 0
  // hosts the store.
  bool launcher_hosts_store = false;
  std::string store_prefix = "unict";
  bool distributed() const { return world_size > 1; }
};

// Reads a variable; nullopt when it is not set.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

// torchrun's variables win over SLURM's (torchrun inside an sbatch job sets its own). SLURM counts
// only inside an srun step (SLURM_STEP_ID set): the batch script is one process (checked with
// Debian's slurm-wlm 22.05: the script of `sbatch --ntasks=2` has SLURM_PROCID=0 and
// SLURM_NTASKS=2 but no SLURM_STEP_ID; its `srun` tasks have SLURM_STEP_ID=0). Under SLURM,
// MASTER_ADDR and MASTER_PORT are read when set; otherwise the address is the first host of
// SLURM_STEP_NODELIST (or SLURM_JOB_NODELIST) and the port 20000 + SLURM_JOB_ID % 20000, the same
// on every task of the job. A malformed or inconsistent variable is an Error that names it.
LaunchEnvironment launch_environment(const EnvironmentLookup& lookup);
LaunchEnvironment launch_environment_of_this_process();

// The first host of a SLURM host list: "gpu01,gpu02" -> gpu01, "node[07-09,12]" -> node07,
// "rack[1-2]-n[3-4]" -> rack1-n3. Errors name the list.
std::string first_host_of(const std::string& host_list);

}  // namespace unict::core
