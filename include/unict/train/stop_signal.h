// SIGINT / SIGTERM / SIGUSR1 during training: the handler only records the signal; the trainer
// looks at it after each update, writes a checkpoint and returns, so a run stopped by Ctrl-C or by
// a batch scheduler can be resumed exactly. SIGUSR1 is SLURM's warning before a time limit or a
// preemption (`#SBATCH --signal=USR1@<s>`, experiments/slurm_launcher.h). A second signal while
// stopping is recorded the same way.
#pragma once

namespace unict::train {

// Installs the handlers while alive and restores the previous ones after.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  // The signal received (SIGINT, SIGTERM or SIGUSR1), or 0.
  static int received();
  static void clear();
  // Records the signal the ranks of a distributed run agreed on (it replaces this rank's own): this
  // rank stops as if it had received it (the same checkpoint, the same exit status on every rank).
  static void adopt(int signal);
};

// "SIGINT", "SIGTERM", "SIGUSR1", else "signal <n>".
const char* stop_signal_name(int signal);

}  // namespace unict::train
