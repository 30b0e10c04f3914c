#include "mpi/peer_watchdog.h"

#include <algorithm>

namespace linlearn {

PeerWatchdog::PeerWatchdog(HeartbeatLink& link, WatchdogSettings settings, std::function<void(int, double)> on_lost)
    : link_(link), settings_(settings), on_lost_(std::move(on_lost)) {
  thread_ = std::thread([this] { run(); });
}

PeerWatchdog::~PeerWatchdog() {
  stop();
}

void PeerWatchdog::stop() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PeerWatchdog::run() {
  using Clock = HeartbeatMonitor::Clock;
  // Listening more often than beating keeps a late beat from counting as silence.
  const auto tick = std::max(std::chrono::milliseconds(1), std::min(settings_.interval / 4, settings_.timeout / 8));
  HeartbeatMonitor monitor(settings_.timeout, Clock::now());
  Clock::time_point next_beat = Clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const Clock::time_point now = Clock::now();
    monitor.looking(now);
    if (now >= next_beat) {
      link_.send();
      next_beat = now + settings_.interval;
    }
    if (link_.poll()) monitor.heard(now);
    if (const auto quiet = monitor.silent(now)) {
      on_lost_(settings_.watched_rank, std::chrono::duration<double>(*quiet).count());
      return;
    }
    lock.lock();
    wake_.wait_for(lock, tick, [this] { return stopping_; });
  }
}

}  // namespace linlearn
