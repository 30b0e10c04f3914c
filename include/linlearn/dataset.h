#pragma once
// The in-memory store of one data channel: float32 dense rows or CSR, plus labels.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace linlearn {

struct Dataset {
  std::size_t feature_dim = 0;
  bool sparse = false;
  std::vector<float> labels;  // one per record

  // Dense: rows() * feature_dim values, row-major.
  std::vector<float> dense;

  // Sparse (CSR): record r has columns col_idx[row_ptr[r] .. row_ptr[r+1]) with values alike.
  std::vector<std::uint64_t> row_ptr{0};
  std::vector<std::uint32_t> col_idx;
  std::vector<float> values;

  std::vector<std::string> files;  // where the records came from, in order

  std::size_t rows() const { return labels.size(); }
  std::size_t nonzeros() const { return sparse ? values.size() : dense.size(); }
  std::size_t bytes() const;

  // Appends the records of `other` (same density; dense widths must match).
  void append(Dataset&& other);
  // Converts a dense store to CSR, dropping zeros.
  void to_sparse();
  // Pads dense rows with zero features up to `wider_dim` (a declared feature_dim wider than the data).
  void widen(std::size_t wider_dim);
  // Value of feature j of record r (for tests and small tools; O(nnz of row) when sparse).
  float at(std::size_t r, std::size_t j) const;
};

}  // namespace linlearn
