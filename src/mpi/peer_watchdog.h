#pragma once
// A rank that stops answering without its process ending (its host lost or cut off, the process
// hung or stopped) leaves the other ranks blocked in a collective for ever: MPI's calls have no
// timeout, and the launcher notices only processes that exit. So every rank of a job runs a
// watchdog thread: it sends a heartbeat to the next rank (in a ring) every `interval` and listens
// for the previous rank's; when that rank has been silent for `timeout`, it reports it, and the
// report ends the job (see JobProcesses). A rank busy computing or reading still beats: the beats
// come from this thread, not from the training loop.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace linlearn {

// The rule, apart from threads and clocks: silence longer than the timeout since the last beat
// heard (or since the watch began).
class HeartbeatMonitor {
 public:
  using Clock = std::chrono::steady_clock;
  HeartbeatMonitor(Clock::duration timeout, Clock::time_point start)
      : timeout_(timeout), last_(start), last_look_(start) {}
  void heard(Clock::time_point now) { last_ = now; }
  // Called each time the watcher looks. A watcher that did not run for half the timeout (its own
  // process was stopped, or starved) cannot tell whether beats were missed: silence counts anew.
  void looking(Clock::time_point now) {
    if (now - last_look_ > timeout_ / 2) last_ = now;
    last_look_ = now;
  }
  // How long the watched rank has been silent, once that exceeds the timeout.
  std::optional<Clock::duration> silent(Clock::time_point now) const {
    const Clock::duration quiet = now - last_;
    if (quiet > timeout_) return quiet;
    return std::nullopt;
  }

 private:
  Clock::duration timeout_;
  Clock::time_point last_;
  Clock::time_point last_look_;
};

// How beats travel; only the watchdog's thread calls these, and neither may block.
class HeartbeatLink {
 public:
  virtual ~HeartbeatLink() = default;
  virtual void send() = 0;  // one beat to the next rank
  virtual bool poll() = 0;  // true when beats from the previous rank arrived since the last call
};

struct WatchdogSettings {
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds timeout{10000};
  int watched_rank = 0;  // the previous rank, named in the report
};

class PeerWatchdog {
 public:
  // Starts the thread. `on_lost(rank, silent_seconds)` runs on it, at most once; after it the
  // thread beats no more. `link` must outlive the watchdog.
  PeerWatchdog(HeartbeatLink& link, WatchdogSettings settings, std::function<void(int, double)> on_lost);
  ~PeerWatchdog();
  PeerWatchdog(const PeerWatchdog&) = delete;
  PeerWatchdog& operator=(const PeerWatchdog&) = delete;

  // Ends the thread (idempotent); the link is not used afterwards.
  void stop();

 private:
  void run();

  HeartbeatLink& link_;
  const WatchdogSettings settings_;
  const std::function<void(int, double)> on_lost_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace linlearn
