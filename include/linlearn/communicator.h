#pragma once
// What the trainer needs from the processes it trains with. One process: LocalCommunicator. Under
// MPI (LINLEARN_WITH_MPI) every rank holds a shard of the data and these calls combine the ranks'
// partial results; results are combined in rank order so they do not depend on message timing.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace linlearn {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Element-wise sum over ranks, in rank order; every rank receives the result in place.
  virtual void sum(std::span<double> values) = 0;
  virtual void sum(std::span<float> values) = 0;
  // Every rank's values concatenated in rank order (ranks may pass different lengths).
  virtual std::vector<float> gather(std::span<const float> local) = 0;
  // The same for bytes; counts[r] receives rank r's length. One exchange carries a packed message
  // of several parts (a step's gradient rows, losses and stop signal; rank 0's checkpoint).
  virtual std::vector<std::uint8_t> gather_bytes(std::span<const std::uint8_t> local,
                                                 std::vector<std::size_t>& counts) = 0;
  // The largest value over ranks.
  virtual long long max(long long value) = 0;
  // Collective: when any rank passes a non-empty error, every rank receives the lowest rank's
  // error (so all can stop together instead of waiting on a dead peer).
  virtual std::string first_error(const std::string& local_error) = 0;
};

class LocalCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void sum(std::span<double>) override {}
  void sum(std::span<float>) override {}
  std::vector<float> gather(std::span<const float> local) override { return {local.begin(), local.end()}; }
  std::vector<std::uint8_t> gather_bytes(std::span<const std::uint8_t> local,
                                         std::vector<std::size_t>& counts) override {
    counts.assign(1, local.size());
    return {local.begin(), local.end()};
  }
  long long max(long long value) override { return value; }
  std::string first_error(const std::string& local_error) override { return local_error; }
};

}  // namespace linlearn
