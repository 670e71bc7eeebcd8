// SIGINT / SIGTERM during training: the handler only records the signal; the trainer looks at it
// after each update, writes a checkpoint and returns, so a run stopped by Ctrl-C or by a batch
// scheduler can be resumed exactly. A second signal while stopping is recorded the same way.
#pragma once

namespace unict::train {

// Installs the handlers while alive and restores the previous ones after.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  // The signal received (SIGINT or SIGTERM), or 0.
  static int received();
  static void clear();
  // Records a signal another rank of a distributed run received: this rank stops as if it had
  // received it (the same checkpoint, the same exit status).
  static void adopt(int signal);
};

}  // namespace unict::train
