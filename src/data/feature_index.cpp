#include "linlearn/feature_index.h"

#include <algorithm>
#include <span>
#include <stdexcept>
#include <string>

namespace linlearn {
namespace {

// Rows per task when marking features: fixed, so the work split never depends on the threads.
constexpr std::size_t kMarkRows = 65536;

void mark_range(const Dataset& data, std::uint64_t first, std::uint64_t last, std::vector<std::uint64_t>& seen) {
  for (std::uint64_t p = first; p < last; ++p) {
    const std::uint32_t j = data.col_idx[p];
    if (data.value(p) != 0.0F) seen[j / 64] |= std::uint64_t{1} << (j % 64);
  }
}

std::vector<std::uint32_t> marked_keys(const std::vector<std::uint64_t>& seen) {
  std::vector<std::uint32_t> keys;
  for (std::size_t w = 0; w < seen.size(); ++w)
    for (std::uint64_t bits = seen[w]; bits != 0; bits &= bits - 1)
      keys.push_back(static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(std::countr_zero(bits))));
  return keys;
}

// Every rank's keys, each sent as two floats of 16 bits (exact), marked into `seen`.
void unite_over_ranks(std::vector<std::uint64_t>& seen, Communicator& comm) {
  const std::vector<std::uint32_t> keys = marked_keys(seen);
  std::vector<float> halves;
  halves.reserve(2 * keys.size());
  for (std::uint32_t key : keys) {
    halves.push_back(static_cast<float>(key >> 16));
    halves.push_back(static_cast<float>(key & 0xFFFF));
  }
  const std::vector<float> all = comm.gather(halves);
  for (std::size_t i = 0; i + 1 < all.size(); i += 2) {
    const auto key = (static_cast<std::uint32_t>(all[i]) << 16) | static_cast<std::uint32_t>(all[i + 1]);
    seen[key / 64] |= std::uint64_t{1} << (key % 64);
  }
}

}  // namespace

FeatureIndex::FeatureIndex(std::size_t feature_dim, std::vector<std::uint32_t> keys)
    : feature_dim_(feature_dim), cells_((feature_dim + 63) / 64), keys_(std::move(keys)) {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] >= feature_dim || (i > 0 && keys_[i] <= keys_[i - 1]))
      throw std::invalid_argument("FeatureIndex: key " + std::to_string(keys_[i]) +
                                  " is not ascending below feature_dim " + std::to_string(feature_dim));
    cells_[keys_[i] >> 6].bits |= std::uint64_t{1} << (keys_[i] & 63);
  }
  std::uint64_t below = 0;
  for (Cell& cell : cells_) {
    cell.rank = below;
    below += static_cast<std::uint64_t>(std::popcount(cell.bits));
  }
}

void mark_nonzero_features(const Dataset& data, std::vector<std::uint64_t>& seen) {
  mark_range(data, 0, data.col_idx.size(), seen);
}

FeatureIndex index_of_marked(std::size_t feature_dim, const std::vector<std::uint64_t>& seen, Communicator* comm) {
  if (comm == nullptr || comm->size() == 1) return FeatureIndex(feature_dim, marked_keys(seen));
  std::vector<std::uint64_t> all = seen;
  unite_over_ranks(all, *comm);
  return FeatureIndex(feature_dim, marked_keys(all));
}

FeatureIndex features_with_nonzeros(const Dataset& data, ThreadPool& pool, Communicator* comm) {
  const std::size_t words = (data.feature_dim + 63) / 64;
  const std::size_t tasks = (data.rows() + kMarkRows - 1) / kMarkRows;
  // Each thread marks into its own bitmap; the bitmaps are OR-ed (order-free).
  std::vector<std::vector<std::uint64_t>> seen(static_cast<std::size_t>(pool.size()));
  pool.run(tasks, [&](std::size_t task, int worker) {
    std::vector<std::uint64_t>& mine = seen[static_cast<std::size_t>(worker)];
    if (mine.empty()) mine.assign(words, 0);
    mark_range(data, data.row_ptr[task * kMarkRows], data.row_ptr[std::min(data.rows(), (task + 1) * kMarkRows)], mine);
  });
  std::vector<std::uint64_t> all(words, 0);
  for (const auto& mine : seen)
    for (std::size_t w = 0; w < mine.size(); ++w) all[w] |= mine[w];
  return index_of_marked(data.feature_dim, all, comm);
}

}  // namespace linlearn
