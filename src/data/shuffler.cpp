#include "linlearn/shuffler.h"

#include <algorithm>
#include <numeric>

#include "linlearn/random.h"

namespace linlearn {

std::vector<std::uint32_t> epoch_order(std::size_t records, std::uint64_t seed, int epoch, bool shuffle) {
  std::vector<std::uint32_t> order(records);
  std::iota(order.begin(), order.end(), 0U);
  if (!shuffle) return order;
  Rng rng(seed, RandomStream::kShuffle, static_cast<std::uint64_t>(epoch));
  for (std::size_t i = records; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  return order;
}

std::vector<std::uint32_t> uniform_sample(std::size_t records, std::size_t count, std::uint64_t seed,
                                          std::uint64_t stream) {
  std::vector<std::uint32_t> all(records);
  std::iota(all.begin(), all.end(), 0U);
  if (count >= records) return all;
  // Partial Fisher-Yates: the first `count` slots become a uniform sample without replacement.
  Rng rng(seed, static_cast<RandomStream>(stream));
  for (std::size_t i = 0; i < count; ++i) std::swap(all[i], all[i + rng.below(records - i)]);
  all.resize(count);
  std::sort(all.begin(), all.end());
  return all;
}

SequentialSample::SequentialSample(std::size_t records, std::size_t count, std::uint64_t seed, RandomStream stream)
    : left_(records), wanted_(std::min(count, records)), rng_(seed, stream) {}

bool SequentialSample::next() {
  if (left_ == 0) return false;
  // In with probability wanted / left: every subset of `count` records comes out equally likely.
  const bool in = rng_.below(left_) < wanted_;
  --left_;
  if (in) --wanted_;
  return in;
}

}  // namespace linlearn
