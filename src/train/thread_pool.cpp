#include "linlearn/thread_pool.h"

#include <algorithm>

namespace linlearn {

int hardware_threads() { return std::max(1U, std::thread::hardware_concurrency()); }

ThreadPool::ThreadPool(int threads) {
  const int n = threads <= 0 ? hardware_threads() : threads;
  for (int w = 1; w < n; ++w) workers_.emplace_back([this, w] { work(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::drain(int worker) {
  while (true) {
    std::size_t i;
    const std::function<void(std::size_t, int)>* task;
    {
      std::lock_guard lock(mutex_);
      if (next_ >= tasks_) return;
      i = next_++;
      task = task_;
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
    std::lock_guard lock(mutex_);
    if (++finished_ == tasks_) done_.notify_all();
  }
}

void ThreadPool::work(int worker) {
  std::size_t seen = 0;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
    }
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
    finished_ = 0;
    error_ = nullptr;
    ++generation_;
  }
  wake_.notify_all();
  drain(0);
  std::exception_ptr error;
  {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return finished_ == tasks_; });
    error = error_;
    task_ = nullptr;
    tasks_ = 0;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace linlearn
