#include "cli/signals.h"

#include <csignal>

namespace linlearn {
namespace {

// A signal handler can only reach static storage; this flag is the one global the program keeps.
std::atomic<int> stop_signal{0};

extern "C" void record_stop_signal(int signal) {
  stop_signal.store(signal);
}

}  // namespace

const std::atomic<int>& install_stop_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = record_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  return stop_signal;
}

}  // namespace linlearn
