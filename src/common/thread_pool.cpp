#include "linlearn/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace linlearn {
namespace {

// Long enough to bridge the serial work between two mini-batches, short enough that an idle pool
// costs nothing noticeable.
constexpr auto kSpinTime = std::chrono::microseconds(200);

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Spins until `done()` holds or kSpinTime passes; returns whether it holds.
template <class Done>
bool spin_until(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  while (true) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= deadline) return done();
  }
}

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// CPUs allowed by a quota of `quota` microseconds per `period`; 0 for "max" or nonsense.
int cpus_of_quota(const std::string& quota, const std::string& period) {
  try {
    const double q = std::stod(quota);
    const double p = std::stod(period);
    if (q <= 0 || p <= 0) return 0;
    return std::max(1, static_cast<int>(std::ceil(q / p)));
  } catch (const std::exception&) {
    return 0;
  }
}

// The tighter of two limits, where 0 means none.
int tighter(int a, int b) {
  return a == 0 ? b : b == 0 ? a : std::min(a, b);
}

// cgroup v2: cpu.max ("QUOTA PERIOD" or "max PERIOD") of the process's group and every parent.
int cgroup_v2_limit(const std::filesystem::path& root, const std::string& group) {
  int limit = 0;
  std::filesystem::path dir = root / std::filesystem::path(group).relative_path();
  // Inside a container the group's path is often the host's, while the container sees its own
  // group mounted at the root.
  if (!std::filesystem::exists(dir)) dir = root;
  for (;; dir = dir.parent_path()) {
    std::istringstream line(file_text(dir / "cpu.max"));
    std::string quota, period;
    if (line >> quota >> period) limit = tighter(limit, cpus_of_quota(quota, period));
    if (dir == root || !dir.has_relative_path() || dir.parent_path() == dir) break;
  }
  return limit;
}

// cgroup v1: cpu.cfs_quota_us / cpu.cfs_period_us of the cpu controller's group (-1: none).
int cgroup_v1_limit(const std::filesystem::path& root, const std::string& controllers, const std::string& group) {
  for (const std::string& mount : {controllers, std::string("cpu"), std::string("cpu,cpuacct")}) {
    std::filesystem::path dir = root / mount / std::filesystem::path(group).relative_path();
    if (!std::filesystem::exists(dir)) dir = root / mount;
    const std::string quota = file_text(dir / "cpu.cfs_quota_us");
    if (!quota.empty()) return cpus_of_quota(quota, file_text(dir / "cpu.cfs_period_us"));
  }
  return 0;
}

}  // namespace

int cgroup_cpu_limit(const std::string& self_cgroup, const std::string& cgroup_root) {
  const std::filesystem::path root(cgroup_root);
  std::istringstream lines(self_cgroup);
  int limit = 0;
  for (std::string line; std::getline(lines, line);) {
    // "ID:CONTROLLERS:PATH"; cgroup v2's single hierarchy has ID 0 and no controllers.
    const auto first = line.find(':');
    const auto second = first == std::string::npos ? std::string::npos : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string group = line.substr(second + 1);
    if (controllers.empty()) {
      limit = tighter(limit, cgroup_v2_limit(root, group));
      continue;
    }
    std::istringstream names(controllers);
    for (std::string name; std::getline(names, name, ',');)
      if (name == "cpu") limit = tighter(limit, cgroup_v1_limit(root, controllers, group));
  }
  return limit;
}

int usable_cpus() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  int cpus = sched_getaffinity(0, sizeof mask, &mask) == 0 ? CPU_COUNT(&mask)
                                                           : static_cast<int>(std::thread::hardware_concurrency());
  cpus = std::max(cpus, 1);
  return tighter(cpus, cgroup_cpu_limit(file_text("/proc/self/cgroup"), "/sys/fs/cgroup"));
}

int threads_for(int requested) {
  const int cpus = usable_cpus();
  return requested <= 0 ? cpus : std::min(requested, cpus);
}

ThreadPool::ThreadPool(int threads) {
  const int cpus = usable_cpus();
  const int n = threads <= 0 ? cpus : threads;
  spin_ = n <= cpus;
  for (int w = 1; w < n; ++w) workers_.emplace_back([this, w] { work(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::drain(int worker) {
  while (true) {
    std::size_t i;
    const std::function<void(std::size_t, int)>* task;
    std::size_t tasks;
    {
      std::lock_guard lock(mutex_);
      if (next_ >= tasks_) return;
      i = next_++;
      task = task_;
      tasks = tasks_;
    }
    try {
      (*task)(i, worker);
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!error_ || i < error_task_) {
        error_ = std::current_exception();
        error_task_ = i;
      }
    }
    if (finished_.fetch_add(1) + 1 == tasks) {
      // Taking the lock orders this against a caller about to sleep on done_.
      std::lock_guard lock(mutex_);
      done_.notify_all();
    }
  }
}

void ThreadPool::work(int worker) {
  std::size_t seen = 0;
  while (true) {
    const auto posted = [&] { return stopping_.load() || generation_.load() != seen; };
    if (!(spin_ && spin_until(posted))) {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, posted);
    }
    if (stopping_.load()) return;
    seen = generation_.load();
    drain(worker);
  }
}

void ThreadPool::run(std::size_t tasks, const std::function<void(std::size_t, int)>& task) {
  if (tasks == 0) return;
  {
    std::lock_guard lock(mutex_);
    task_ = &task;
    tasks_ = tasks;
    next_ = 0;
    finished_.store(0);
    error_ = nullptr;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  drain(0);
  const auto all_finished = [&] { return finished_.load() == tasks; };
  if (!(spin_ && spin_until(all_finished))) {
    std::unique_lock lock(mutex_);
    done_.wait(lock, all_finished);
  }
  std::exception_ptr error;
  {
    std::lock_guard lock(mutex_);
    error = std::move(error_);
    error_ = nullptr;
    task_ = nullptr;
    tasks_ = 0;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace linlearn
