#include "unict/experiments/slurm_config.h"

#include <algorithm>
#include <cctype>

namespace unict::experiments {
namespace {

using core::Range;
using core::Value;

bool all_of(const std::string& text, const std::string& allowed_punctuation) {
  return std::all_of(text.begin(), text.end(), [&](unsigned char c) { return std::isalnum(c) || allowed_punctuation.find(static_cast<char>(c)) != std::string::npos; });
}

// Written into the batch script as they are: no spaces, quotes or shell characters.
std::string plain_name(const Value& v) {
  return all_of(std::get<std::string>(v), "_-.,") ? std::string() : std::string("letters, digits, '_', '-', '.' and ',' only");
}

core::Section<SlurmConfig> make_slurm_section() {
  core::Section<SlurmConfig> s("slurm");
  s.key("partition", &SlurmConfig::partition, std::string(), "partition of every fold's job (empty: the cluster's default)")
      .satisfying("a partition name", plain_name);
  s.key("account", &SlurmConfig::account, std::string(), "account charged (empty: your default)").satisfying("an account name", plain_name);
  s.key("nodes", &SlurmConfig::nodes, std::int64_t{1}, "nodes per fold; more than one trains the fold data parallel across them")
      .in_range(Range::closed(1, 4096));
  s.key("tasks_per_node", &SlurmConfig::tasks_per_node, std::int64_t{1},
        "ranks per node of a fold (srun tasks; one per GPU): nodes x tasks_per_node ranks train it together")
      .in_range(Range::closed(1, 256));
  s.key("gpus_per_task", &SlurmConfig::gpus_per_task, std::int64_t{0}, "GPUs per rank (0 on a CPU partition)").in_range(Range::closed(0, 64));
  s.key("cpus_per_task", &SlurmConfig::cpus_per_task, std::int64_t{1},
        "CPU cores per rank (the loader's workers and the CPU threads; run.threads 0 uses them)")
      .in_range(Range::closed(1, 4096));
  s.key("mem", &SlurmConfig::mem, std::string(), "memory per node as sbatch spells it, e.g. 64G (empty: the partition's default)")
      .satisfying("a number with an optional K, M, G or T", [](const Value& v) {
        const auto& text = std::get<std::string>(v);
        if (text.empty()) return std::string();
        std::size_t digits = 0;
        while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
        const bool ok = digits > 0 && (digits == text.size() || (digits + 1 == text.size() && std::string("KMGT").find(text.back()) != std::string::npos));
        return ok ? std::string() : std::string("a number with an optional K, M, G or T, such as 64G");
      });
  s.key("time", &SlurmConfig::time, std::string(),
        "time limit of one attempt, as sbatch spells it (04:00:00, 1-00:00:00; empty: the partition's default); a fold longer than "
        "this checkpoints at the warning signal and continues in its next attempt")
      .satisfying("digits, ':' and '-'", [](const Value& v) {
        const auto& text = std::get<std::string>(v);
        const bool ok = std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) || c == ':' || c == '-'; });
        return ok ? std::string() : std::string("a SLURM time such as 04:00:00 or 1-00:00:00");
      });
  s.key("parallel", &SlurmConfig::parallel, std::int64_t{0}, "folds running at once (the array's %N); 0: as many as the cluster gives")
      .in_range(Range::closed(0, 100000));
  s.key("signal_s", &SlurmConfig::signal_s, std::int64_t{300},
        "seconds before the time limit at which SLURM sends SIGUSR1: the fold checkpoints after its current update and requeues "
        "itself (longer than one update plus a checkpoint write)")
      .in_range(Range::closed(10, 65535));
  s.key("max_attempts", &SlurmConfig::max_attempts, std::int64_t{3},
        "attempts of a fold that may fail (exit with an error, not by the warning signal) before it is marked failed and no "
        "longer requeued")
      .in_range(Range::closed(1, 100));
  s.key("previous_attempt_wait_s", &SlurmConfig::previous_attempt_wait_s, std::int64_t{300},
        "seconds a requeued attempt waits for the earlier attempt of its fold to release the fold's folder (a process that SLURM "
        "has not finished killing yet) before it fails naming that process; two processes never write one run folder")
      .in_range(Range::closed(0, 86400));
  s.key("extra", &SlurmConfig::extra, std::vector<std::string>{},
        "further #SBATCH options for every fold, each written as --name=value (e.g. --qos=high, --constraint=a100)")
      .satisfying("options of the form --name=value", [](const Value& v) {
        for (const auto& option : std::get<std::vector<std::string>>(v))
          if (option.rfind("--", 0) != 0 || option.size() < 3 || option.find_first_of(" \t\n'\"`$\\;") != std::string::npos)
            return std::string("options such as --qos=high, each starting with -- and without spaces or shell characters");
        return std::string();
      });
  return s;
}

}  // namespace

const core::Section<SlurmConfig>& slurm_section() {
  static const core::Section<SlurmConfig> section = make_slurm_section();
  return section;
}

}  // namespace unict::experiments
