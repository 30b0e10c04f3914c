#pragma once
// A fixed set of worker threads that run indexed tasks. Results never depend on how many threads
// there are: callers split work into tasks whose boundaries are fixed by the data, write each task's
// output to its own slot, and combine the slots in task order.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace linlearn {

class ThreadPool {
 public:
  // `threads` <= 0 means usable_cpus().
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs task(i, worker) for i in [0, tasks) on all threads (the caller's included, as worker 0) and
  // waits. The exception of the lowest failing task index is rethrown here.
  void run(std::size_t tasks, const std::function<void(std::size_t task, int worker)>& task);

 private:
  void work(int worker);
  void drain(int worker);

  std::vector<std::thread> workers_;
  // Training calls run() for every mini-batch, a fraction of a millisecond apart: waiting threads
  // spin briefly on these atomics before sleeping, since waking a sleeping thread costs about as
  // much as a small batch. A pool with more threads than CPUs never spins: a spinning thread
  // would hold the CPU that the thread it waits for needs.
  bool spin_;
  std::atomic<std::size_t> generation_{0};
  std::atomic<std::size_t> finished_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;  // guards the fields below and the sleeping side
  const std::function<void(std::size_t, int)>* task_ = nullptr;
  std::size_t tasks_ = 0;
  std::size_t next_ = 0;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::size_t error_task_ = 0;
  std::exception_ptr error_;
};

// The CPUs this process may use: its affinity mask (taskset, cgroup cpusets) and its cgroup CPU
// quota (cgroup v2 cpu.max or v1 cpu.cfs_quota_us, as Docker, Kubernetes and SageMaker set it),
// rounded up; at least 1.
int usable_cpus();

// The CPU quota that the cgroup files under `cgroup_root` set for the process whose
// /proc/self/cgroup reads `self_cgroup`, in CPUs rounded up; 0 when none is set.
int cgroup_cpu_limit(const std::string& self_cgroup, const std::string& cgroup_root);

// The threads a command runs on: `requested` (0: all usable CPUs), at most usable_cpus(). Results
// never depend on the count, and threads beyond the CPUs only wait for each other.
int threads_for(int requested);

}  // namespace linlearn
