#pragma once
// The order in which an epoch visits the training records.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "linlearn/random.h"

namespace linlearn {

// A permutation of [0, records) drawn from (seed, epoch) when `shuffle`, else the file order.
std::vector<std::uint32_t> epoch_order(std::size_t records, std::uint64_t seed, int epoch, bool shuffle);

// `count` distinct indices drawn uniformly from [0, records), sorted (all of them when count >= records).
std::vector<std::uint32_t> uniform_sample(std::size_t records, std::size_t count, std::uint64_t seed,
                                          std::uint64_t stream);

// A uniform sample of `count` of `records` records decided in one pass in record order (selection
// sampling, Knuth's algorithm S), for data that is only ever streamed: no index list, so memory
// stays constant. Every record is in with the same chance; exactly min(count, records) are.
class SequentialSample {
 public:
  SequentialSample(std::size_t records, std::size_t count, std::uint64_t seed, RandomStream stream);
  // Whether the next record is in the sample; false past the last record.
  bool next();

 private:
  std::size_t left_;    // records not decided yet
  std::size_t wanted_;  // of which still to take
  Rng rng_;
};

}  // namespace linlearn
