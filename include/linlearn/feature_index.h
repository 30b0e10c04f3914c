#pragma once
// The features a sparse model has weights for, or a sparse training channel has non-zeros in, and
// the slot of each in a compact array of them (ascending feature order). Parameters, optimizer
// state and normalization statistics of sparse data are kept per slot, so their cost follows the
// features that occur, not feature_dim.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "linlearn/communicator.h"
#include "linlearn/dataset.h"
#include "linlearn/thread_pool.h"

namespace linlearn {

class FeatureIndex {
 public:
  static constexpr std::uint32_t kAbsent = ~std::uint32_t{0};

  FeatureIndex() = default;
  // `keys`: ascending, distinct, each below feature_dim (std::invalid_argument otherwise).
  FeatureIndex(std::size_t feature_dim, std::vector<std::uint32_t> keys);

  std::size_t feature_dim() const { return feature_dim_; }
  std::size_t size() const { return keys_.size(); }
  const std::vector<std::uint32_t>& keys() const { return keys_; }

  // The slot of feature j (< feature_dim), or kAbsent: a bit per feature and a running count per
  // 64 features side by side, so a lookup reads one 16-byte cell.
  std::uint32_t slot(std::uint32_t j) const {
    const Cell& cell = cells_[j >> 6];
    const std::uint64_t bit = std::uint64_t{1} << (j & 63);
    if ((cell.bits & bit) == 0) return kAbsent;
    return cell.rank + static_cast<std::uint32_t>(std::popcount(cell.bits & (bit - 1)));
  }

  // Asks the cache for the cell of feature j, ahead of its slot() (a lookup in a large index misses).
  void prefetch(std::uint32_t j) const { __builtin_prefetch(&cells_[j >> 6]); }

 private:
  struct Cell {
    std::uint64_t bits = 0;  // features 64c .. 64c + 63 present
    std::uint64_t rank = 0;  // present features below 64c
  };
  std::size_t feature_dim_ = 0;
  std::vector<Cell> cells_;
  std::vector<std::uint32_t> keys_;
};

// The features of sparse `data` that hold a non-zero value somewhere (values that are exactly 0,
// as "7:0" in LIBSVM, do not count); under several ranks the union over all of them.
FeatureIndex features_with_nonzeros(const Dataset& data, ThreadPool& pool, Communicator* comm = nullptr);

// Marks in `seen` (one bit per feature, feature_dim / 64 words rounded up) the features of sparse
// `data` that hold a non-zero value; for data met block by block.
void mark_nonzero_features(const Dataset& data, std::vector<std::uint64_t>& seen);
// The index of the features marked in `seen`, united over ranks when `comm` has several.
FeatureIndex index_of_marked(std::size_t feature_dim, const std::vector<std::uint64_t>& seen, Communicator* comm);

}  // namespace linlearn
