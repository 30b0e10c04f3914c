#pragma once
// SIGINT / SIGTERM during training: the handler only records the signal; the trainer polls it after
// each mini-batch, writes a checkpoint and stops with exit 130 / 143.
#include <atomic>

namespace linlearn {

// Installs the handlers (idempotent) and returns the flag they set to the signal number.
const std::atomic<int>& install_stop_signal_handlers();

}  // namespace linlearn
