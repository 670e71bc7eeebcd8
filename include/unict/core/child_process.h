// Runs another program (sbatch, squeue, scontrol) and collects what it prints: no shell between,
// so arguments are passed as they are, whatever characters they hold.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace unict::core {

struct ProgramResult {
  int exit_status = 0;  // 128 + n when a signal n ended it
  std::string out, err;
};

// argv[0] is looked up in PATH. nullopt when the program cannot be started (not installed); an
// Error when the process machinery fails.
std::optional<ProgramResult> run_program(const std::vector<std::string>& argv);

// "sbatch --parsable 'a b'": for messages, each argument quoted where a shell would need it.
std::string command_line(const std::vector<std::string>& argv);

}  // namespace unict::core
