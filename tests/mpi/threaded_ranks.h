#pragma once
// The ranks of a job as threads of one process, for unit tests of code that talks to other ranks
// without mpirun: each thread holds a ThreadedCommunicator of the same group, and every collective
// meets at a barrier, as MPI's would.
#include <barrier>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "linlearn/communicator.h"

namespace linlearn::testing {

class RankGroup {
 public:
  explicit RankGroup(int size) : barrier_(size), slots_(static_cast<std::size_t>(size)) {}
  int size() const { return static_cast<int>(slots_.size()); }

  // Every rank's bytes in rank order; each rank's slot is rewritten only after all have read.
  std::vector<std::uint8_t> exchange(int rank, std::span<const std::uint8_t> local, std::vector<std::size_t>& counts) {
    slots_[static_cast<std::size_t>(rank)].assign(local.begin(), local.end());
    barrier_.arrive_and_wait();
    std::vector<std::uint8_t> all;
    counts.clear();
    for (const auto& slot : slots_) {
      all.insert(all.end(), slot.begin(), slot.end());
      counts.push_back(slot.size());
    }
    barrier_.arrive_and_wait();
    return all;
  }

 private:
  std::barrier<> barrier_;
  std::vector<std::vector<std::uint8_t>> slots_;
};

class ThreadedCommunicator final : public Communicator {
 public:
  ThreadedCommunicator(RankGroup& group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_.size(); }
  void sum(std::span<double> values) override { sum_in_rank_order(values); }
  void sum(std::span<float> values) override { sum_in_rank_order(values); }
  std::vector<float> gather(std::span<const float> local) override { return gather_as(local); }
  std::vector<std::uint8_t> gather_bytes(std::span<const std::uint8_t> local,
                                         std::vector<std::size_t>& counts) override {
    return group_.exchange(rank_, local, counts);
  }
  long long max(long long value) override {
    long long out = value;
    for (long long v : gather_as(std::span<const long long>(&value, 1))) out = std::max(out, v);
    return out;
  }
  std::string first_error(const std::string& local_error) override {
    std::vector<std::size_t> counts;
    const auto all = group_.exchange(rank_, as_bytes(std::span<const char>(local_error)), counts);
    std::size_t at = 0;
    for (std::size_t c : counts) {
      if (c > 0) return std::string(reinterpret_cast<const char*>(all.data() + at), c);
      at += c;
    }
    return {};
  }

 private:
  template <class T>
  static std::span<const std::uint8_t> as_bytes(std::span<const T> v) {
    return {reinterpret_cast<const std::uint8_t*>(v.data()), v.size() * sizeof(T)};
  }
  template <class T>
  std::vector<T> gather_as(std::span<const T> local) {
    std::vector<std::size_t> counts;
    const auto all = group_.exchange(rank_, as_bytes(local), counts);
    std::vector<T> out(all.size() / sizeof(T));
    if (!all.empty()) std::memcpy(out.data(), all.data(), all.size());
    return out;
  }
  template <class T>
  void sum_in_rank_order(std::span<T> values) {
    const std::vector<T> all = gather_as(std::span<const T>(values.data(), values.size()));
    for (std::size_t i = 0; i < values.size(); ++i) {
      double total = 0;
      for (std::size_t r = 0; r < static_cast<std::size_t>(size()); ++r) total += all[r * values.size() + i];
      values[i] = static_cast<T>(total);
    }
  }

  RankGroup& group_;
  const int rank_;
};

// Runs body(comm) on `ranks` threads, one rank each, and waits for all of them.
inline void run_ranks(int ranks, const std::function<void(Communicator&)>& body) {
  RankGroup group(ranks);
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r)
    threads.emplace_back([&group, &body, r] {
      ThreadedCommunicator comm(group, r);
      body(comm);
    });
  for (auto& t : threads) t.join();
}

}  // namespace linlearn::testing
