#include "linlearn/thread_pool.h"

#include <algorithm>
#include <chrono>

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

}  // namespace

int hardware_threads() { return std::max(1U, std::thread::hardware_concurrency()); }

ThreadPool::ThreadPool(int threads) {
  const int n = threads <= 0 ? hardware_threads() : threads;
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
    if (!spin_until(posted)) {
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
  if (!spin_until(all_finished)) {
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
