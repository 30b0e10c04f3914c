// The watchdog that ends a job whose rank went silent: its rule on a fixed clock, and its thread on
// links that always or never hear the previous rank.
#include "mpi/peer_watchdog.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace linlearn {
namespace {

using namespace std::chrono_literals;
using Clock = HeartbeatMonitor::Clock;

TEST(HeartbeatMonitor, ReportsSilenceLongerThanTheTimeoutSinceTheLastBeat) {
  const Clock::time_point start{};
  HeartbeatMonitor monitor(10s, start);
  EXPECT_FALSE(monitor.silent(start + 10s));
  ASSERT_TRUE(monitor.silent(start + 11s));
  EXPECT_EQ(*monitor.silent(start + 11s), 11s);
  monitor.heard(start + 9s);
  EXPECT_FALSE(monitor.silent(start + 19s));
  EXPECT_EQ(*monitor.silent(start + 25s), 16s);
}

TEST(HeartbeatMonitor, AWatcherThatDidNotRunForHalfTheTimeoutStartsCountingAgain) {
  const Clock::time_point start{};
  HeartbeatMonitor monitor(10s, start);
  for (auto t = start; t <= start + 12s; t += 1s) monitor.looking(t);
  EXPECT_TRUE(monitor.silent(start + 12s));
  monitor.looking(start + 30s);  // this process was stopped for 18 s
  EXPECT_FALSE(monitor.silent(start + 30s));
  monitor.looking(start + 34s);
  EXPECT_FALSE(monitor.silent(start + 34s));
  for (auto t = start + 35s; t <= start + 41s; t += 1s) monitor.looking(t);
  EXPECT_TRUE(monitor.silent(start + 41s));
}

class FakeLink final : public HeartbeatLink {
 public:
  explicit FakeLink(bool hears) : hears_(hears) {}
  void send() override { ++sent; }
  bool poll() override { return hears_; }
  std::atomic<int> sent{0};

 private:
  const bool hears_;
};

TEST(PeerWatchdog, NamesThePreviousRankWhenItFallsSilent) {
  FakeLink link(false);
  std::promise<std::pair<int, double>> lost;
  WatchdogSettings settings{5ms, 50ms, 3};
  PeerWatchdog watchdog(link, settings, [&](int rank, double seconds) { lost.set_value({rank, seconds}); });
  auto reported = lost.get_future();
  ASSERT_EQ(reported.wait_for(60s), std::future_status::ready);
  const auto [rank, seconds] = reported.get();
  EXPECT_EQ(rank, 3);
  EXPECT_GT(seconds, 0.05);
  EXPECT_GE(link.sent.load(), 1);
  watchdog.stop();
}

TEST(PeerWatchdog, BeatsAndStopsQuietlyWhileThePreviousRankIsHeard) {
  FakeLink link(true);
  std::atomic<bool> lost{false};
  {
    PeerWatchdog watchdog(link, {1ms, 2ms, 0}, [&](int, double) { lost = true; });
    while (link.sent.load() < 3) std::this_thread::sleep_for(1ms);
    watchdog.stop();
    watchdog.stop();
  }
  EXPECT_FALSE(lost.load());
}

}  // namespace
}  // namespace linlearn
