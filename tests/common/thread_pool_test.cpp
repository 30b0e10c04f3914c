#include "linlearn/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "io/temp_dir.h"

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

// A pool with more threads than CPUs does not spin; its runs still complete (and quickly).
TEST(ThreadPool, MoreThreadsThanCpusStillRunEveryTask) {
  ThreadPool pool(usable_cpus() + 6);
  for (int round = 0; round < 200; ++round) {
    std::atomic<int> ran{0};
    pool.run(16, [&](std::size_t, int) { ++ran; });
    ASSERT_EQ(ran.load(), 16);
  }
}

TEST(ThreadCount, NeverMoreThanTheUsableCpus) {
  const int cpus = usable_cpus();
  EXPECT_GE(cpus, 1);
  EXPECT_EQ(threads_for(0), cpus);
  EXPECT_EQ(threads_for(1), 1);
  EXPECT_EQ(threads_for(cpus + 100), cpus);
}

TEST(ThreadCount, ReadsCgroupV2AndV1Quotas) {
  testing::TempDir root;
  // cgroup v2: the tightest cpu.max on the way up from the process's group.
  root.write("kubepods/pod1/cpu.max", "max 100000\n");
  root.write("kubepods/pod1/c1/cpu.max", "150000 100000\n");
  root.write("kubepods/cpu.max", "400000 100000\n");
  EXPECT_EQ(cgroup_cpu_limit("0::/kubepods/pod1/c1\n", root.path()), 2);
  EXPECT_EQ(cgroup_cpu_limit("0::/kubepods/pod1\n", root.path()), 4);
  // A container sees its own group at the root while /proc/self/cgroup names the host's path.
  root.write("cpu.max", "50000 100000\n");
  EXPECT_EQ(cgroup_cpu_limit("0::/docker/abc\n", root.path()), 1);
  // cgroup v1: the cpu controller's cfs quota; -1 is no limit.
  testing::TempDir v1;
  v1.write("cpu,cpuacct/job/cpu.cfs_quota_us", "300000\n");
  v1.write("cpu,cpuacct/job/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(cgroup_cpu_limit("12:memory:/job\n4:cpu,cpuacct:/job\n", v1.path()), 3);
  v1.write("cpu,cpuacct/job/cpu.cfs_quota_us", "-1\n");
  EXPECT_EQ(cgroup_cpu_limit("4:cpu,cpuacct:/job\n", v1.path()), 0);
  EXPECT_EQ(cgroup_cpu_limit("", v1.path()), 0);
}

}  // namespace
}  // namespace linlearn
