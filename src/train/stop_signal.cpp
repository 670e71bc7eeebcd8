#include "unict/train/stop_signal.h"

#include <atomic>
#include <csignal>

namespace unict::train {
namespace {

std::atomic<int> g_received{0};
struct sigaction g_previous_int, g_previous_term;

void record(int signal) { g_received.store(signal); }

}  // namespace

StopSignals::StopSignals() {
  struct sigaction action {};
  action.sa_handler = record;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
}

int StopSignals::received() { return g_received.load(); }
void StopSignals::clear() { g_received.store(0); }
void StopSignals::adopt(int signal) {
  int none = 0;
  g_received.compare_exchange_strong(none, signal);
}

}  // namespace unict::train
