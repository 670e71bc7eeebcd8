// Where a process stands in a launch, from the variables torchrun and srun set (issue 17).
#include "unict/core/launch_environment.h"

#include <gtest/gtest.h>

#include <map>

#include "test_support.h"
#include "unict/core/error.h"

namespace unict::core {
namespace {

using Variables = std::map<std::string, std::string>;

LaunchEnvironment read(const Variables& variables) {
  return launch_environment([&](const std::string& name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  });
}

TEST(LaunchEnvironment, NoLauncherIsOneProcess) {
  const auto env = read({{"PATH", "/usr/bin"}});
  EXPECT_EQ(env.launcher, Launcher::single);
  EXPECT_EQ(env.rank, 0);
  EXPECT_EQ(env.world_size, 1);
  EXPECT_FALSE(env.distributed());
}

TEST(LaunchEnvironment, ReadsTorchrunsVariables) {
  const auto env = read({{"RANK", "3"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "29500"}});
  EXPECT_EQ(env.launcher, Launcher::torchrun);
  EXPECT_EQ(env.rank, 3);
  EXPECT_EQ(env.world_size, 4);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.master_addr, "127.0.0.1");
  EXPECT_EQ(env.master_port, 29500);
  EXPECT_TRUE(env.distributed());
  // torchrun inside an srun step: torchrun's own variables win.
  const auto nested = read({{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "1234"}, {"SLURM_PROCID", "0"},
                            {"SLURM_NTASKS", "1"}, {"SLURM_STEP_ID", "0"}});
  EXPECT_EQ(nested.launcher, Launcher::torchrun);
  EXPECT_EQ(nested.rank, 1);
}

TEST(LaunchEnvironment, TorchrunsStaticRendezvousHostsTheStoreItself) {
  const Variables base{{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "29500"}};
  EXPECT_FALSE(read(base).launcher_hosts_store);
  auto agent = base;
  agent["TORCHELASTIC_USE_AGENT_STORE"] = "True";
  agent["TORCHELASTIC_RESTART_COUNT"] = "2";
  const auto env = read(agent);
  EXPECT_TRUE(env.launcher_hosts_store);
  EXPECT_EQ(env.store_prefix, "unict/attempt_2");
  agent["TORCHELASTIC_USE_AGENT_STORE"] = "False";  // the c10d rendezvous: rank 0 hosts it
  EXPECT_FALSE(read(agent).launcher_hosts_store);
}

TEST(LaunchEnvironment, ReadsAnSrunStepAndDerivesTheRendezvous) {
  const auto env = read({{"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "16"}, {"SLURM_STEP_NUM_TASKS", "8"}, {"SLURM_LOCALID", "1"},
                         {"SLURM_STEP_ID", "0"}, {"SLURM_STEP_NODELIST", "gpu[07-10],cpu1"}, {"SLURM_JOB_ID", "123456"}});
  EXPECT_EQ(env.launcher, Launcher::slurm);
  EXPECT_EQ(env.rank, 5);
  EXPECT_EQ(env.world_size, 8);  // the step's tasks, not the allocation's
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.master_addr, "gpu07");
  EXPECT_EQ(env.master_port, 20000 + 123456 % 20000);
  // MASTER_ADDR / MASTER_PORT set by the job script take precedence.
  const auto set = read({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_STEP_ID", "3"}, {"MASTER_ADDR", "10.0.0.1"}, {"MASTER_PORT", "4000"}});
  EXPECT_EQ(set.master_addr, "10.0.0.1");
  EXPECT_EQ(set.master_port, 4000);
}

TEST(LaunchEnvironment, TheBatchScriptItselfIsOneProcess) {
  // sbatch's script runs as task 0 with the allocation's task count, outside any srun step.
  const auto env = read({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "4"}, {"SLURM_JOB_ID", "7"}, {"SLURM_JOB_NODELIST", "n[1-2]"}});
  EXPECT_EQ(env.launcher, Launcher::single);
  EXPECT_EQ(env.world_size, 1);
}

TEST(LaunchEnvironment, BadVariablesAreErrorsThatNameThem) {
  EXPECT_CONTAINS(test::error_of([] { read({{"RANK", "x"}, {"WORLD_SIZE", "2"}}); }), "RANK");
  EXPECT_CONTAINS(test::error_of([] { read({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"}}); }), "RANK");
  EXPECT_CONTAINS(test::error_of([] { read({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "1"}}); }), "MASTER_ADDR");
  EXPECT_CONTAINS(test::error_of([] { read({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}}); }),
                  "MASTER_PORT");
  EXPECT_CONTAINS(test::error_of([] { read({{"WORLD_SIZE", "2"}}); }), "RANK");
  EXPECT_CONTAINS(test::error_of([] { read({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_STEP_ID", "0"}, {"SLURM_JOB_ID", "1"}}); }),
                  "SLURM_STEP_NODELIST");
  EXPECT_CONTAINS(test::error_of([] { read({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"}, {"SLURM_LOCALID", "2"}, {"SLURM_STEP_ID", "0"}}); }),
                  "SLURM_LOCALID");
}

TEST(FirstHostOf, TakesTheFirstValueOfEachRange) {
  EXPECT_EQ(first_host_of("node01"), "node01");
  EXPECT_EQ(first_host_of("a,b,c"), "a");
  EXPECT_EQ(first_host_of("node[07-09,12]"), "node07");
  EXPECT_EQ(first_host_of("node[3,1]-ib"), "node3-ib");
  EXPECT_EQ(first_host_of("rack[1-2]-n[03-04],x"), "rack1-n03");
  for (const char* bad : {"", ",a", "node[", "node[]", "node[a-b]", "node]1"})
    EXPECT_CONTAINS(test::error_of([&] { first_host_of(bad); }), "host list") << bad;
}

}  // namespace
}  // namespace unict::core
