#pragma once
// The order in which an epoch visits the training records.
#include <cstdint>
#include <vector>

namespace linlearn {

// A permutation of [0, records) drawn from (seed, epoch) when `shuffle`, else the file order.
std::vector<std::uint32_t> epoch_order(std::size_t records, std::uint64_t seed, int epoch, bool shuffle);

// `count` distinct indices drawn uniformly from [0, records), sorted (all of them when count >= records).
std::vector<std::uint32_t> uniform_sample(std::size_t records, std::size_t count, std::uint64_t seed,
                                          std::uint64_t stream);

}  // namespace linlearn
