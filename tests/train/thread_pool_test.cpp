#include "linlearn/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace linlearn {
namespace {

TEST(ThreadPool, RunsEveryTaskExactlyOnceForAnyThreadAndTaskCount) {
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (std::size_t tasks : {0U, 1U, 7U, 100U}) {
      std::vector<std::atomic<int>> runs(tasks);
      pool.run(tasks, [&](std::size_t i, int worker) {
        EXPECT_GE(worker, 0);
        EXPECT_LT(worker, threads);
        ++runs[i];
      });
      for (std::size_t i = 0; i < tasks; ++i) EXPECT_EQ(runs[i].load(), 1) << threads << " threads, task " << i;
    }
  }
}

TEST(ThreadPool, RethrowsTheLowestFailingTaskAfterAllTasksRan) {
  ThreadPool pool(2);
  std::atomic<int> ran{0};
  try {
    pool.run(10, [&](std::size_t i, int) {
      ++ran;
      if (i == 3 || i == 7) throw std::runtime_error("task " + std::to_string(i));
    });
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "task 3");
  }
  EXPECT_EQ(ran.load(), 10);
  // The pool stays usable.
  std::atomic<int> after{0};
  pool.run(5, [&](std::size_t, int) { ++after; });
  EXPECT_EQ(after.load(), 5);
}

// Workers spin briefly after a run, then sleep: both ways they must take part in the next run.
// Two tasks that each wait for the other can only finish when two threads run them at once.
TEST(ThreadPool, WorkersJoinRunsWhetherSpinningOrAsleep) {
  ThreadPool pool(2);
  for (const auto pause : {std::chrono::microseconds(0), std::chrono::microseconds(20000)}) {
    for (int round = 0; round < 3; ++round) {
      std::this_thread::sleep_for(pause);
      std::atomic<int> arrived{0};
      std::atomic<int> met{0};
      pool.run(2, [&](std::size_t, int) {
        ++arrived;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (arrived.load() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
        if (arrived.load() == 2) ++met;
      });
      EXPECT_EQ(met.load(), 2) << "pause " << pause.count() << " us, round " << round;
    }
  }
}

}  // namespace
}  // namespace linlearn
