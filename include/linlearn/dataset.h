#pragma once
// The in-memory store of one data channel: float32 dense rows or CSR, plus labels.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace linlearn {

// An allocator whose resize() leaves new floats unset: the readers write every value of the rows
// they make room for, and zero-filling hundreds of MB first would be a pass over memory on one
// thread (a third of a RecordIO file's read time).
template <class T>
struct UninitializedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <class U>
  explicit UninitializedAllocator(const UninitializedAllocator<U>& /*other*/) {}
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <class U>
  void construct(U* p) {
    ::new (static_cast<void*>(p)) U;
  }
};

// The float storage of a Dataset.
using FloatStore = std::vector<float, UninitializedAllocator<float>>;

// A store holds the same values as a plain vector (for callers and tests that build one).
inline bool operator==(const FloatStore& store, const std::vector<float>& values) {
  return std::equal(store.begin(), store.end(), values.begin(), values.end());
}

// How LIBSVM indices count: from 1 as LIBLINEAR writes them, from 0 as scikit-learn's
// dump_svmlight_file writes them by default. kAuto: decided per channel, 0-based when a file of it
// holds an index 0 (scikit-learn's zero_based="auto").
enum class IndexBase { kAuto, kOneBased, kZeroBased };

struct Dataset {
  std::size_t feature_dim = 0;
  bool sparse = false;
  std::vector<float> labels;  // one per record

  // Dense: rows() * feature_dim values, row-major.
  FloatStore dense;

  // Sparse (CSR): record r has columns col_idx[row_ptr[r] .. row_ptr[r+1]) with values alike.
  std::vector<std::uint64_t> row_ptr{0};
  std::vector<std::uint32_t> col_idx;
  FloatStore values;
  // Sparse data of few distinct values (one-hot or hashed categorical data: ones, and twos where
  // two fields of a record share a bucket) may keep a byte per non-zero, its value's place in
  // `palette`, and leave `values` empty: a quarter of their memory. Read them through value().
  std::vector<std::uint8_t> value_codes;
  std::vector<float> palette;

  std::vector<std::string> files;  // where the records came from, in order
  // How the channel's LIBSVM files were read; kAuto when it holds none.
  IndexBase libsvm_base = IndexBase::kAuto;

  std::size_t rows() const { return labels.size(); }
  std::size_t nonzeros() const { return sparse ? col_idx.size() : dense.size(); }
  std::size_t bytes() const;
  // Sparse: the value of stored non-zero k.
  float value(std::uint64_t k) const { return palette.empty() ? values[k] : palette[value_codes[k]]; }

  // Sparse data of at most 256 distinct values keeps their codes instead (value_codes, palette,
  // in order of first occurrence); returns whether it did.
  bool code_values();
  // Stores the values again after code_values().
  void decode_values();

  // Appends the records of `other` (same density; dense widths must match).
  void append(Dataset&& other);
  // Appends record `i` of `from`, which has this store's density and width.
  void append_record(const Dataset& from, std::size_t i);
  // Converts a dense store to CSR, dropping zeros.
  void to_sparse();
  // Converts CSR to a dense store feature_dim wide, the features a record lacks as zeros.
  void to_dense();
  // Pads dense rows with zero features up to `wider_dim` (a declared feature_dim wider than the data).
  void widen(std::size_t wider_dim);
  // Value of feature j of record r (for tests and small tools; O(nnz of row) when sparse).
  float at(std::size_t r, std::size_t j) const;
};

}  // namespace linlearn
