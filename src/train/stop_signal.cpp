#include "unict/train/stop_signal.h"

#include <atomic>
#include <csignal>

namespace unict::train {
namespace {

std::atomic<int> g_received{0};
struct sigaction g_previous_int, g_previous_term, g_previous_usr1;

void record(int signal) { g_received.store(signal); }

}  // namespace

StopSignals::StopSignals() {
  struct sigaction action {};
  action.sa_handler = record;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
  sigaction(SIGUSR1, &action, &g_previous_usr1);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
  sigaction(SIGUSR1, &g_previous_usr1, nullptr);
}

int StopSignals::received() { return g_received.load(); }
void StopSignals::clear() { g_received.store(0); }
void StopSignals::adopt(int signal) { g_received.store(signal); }

const char* stop_signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGUSR1: return "SIGUSR1";
    default: return "a signal";
  }
}

}  // namespace unict::train
