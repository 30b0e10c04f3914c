// The Dataset store: size accounting, appending the records of another file, dense <-> CSR.
#include "linlearn/dataset.h"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <string>
#include <utility>

#include "linlearn/errors.h"

namespace linlearn {
namespace {

// Distinct values a byte code can name.
constexpr std::size_t kPaletteSize = 256;

std::string describe_source(const Dataset& data) {
  return data.files.empty() ? std::string("the new records") : data.files.front();
}

std::string describe_earlier(const Dataset& data) {
  return data.files.empty() ? std::string("the earlier records") : data.files.back();
}

}  // namespace

std::size_t Dataset::bytes() const {
  return labels.size() * sizeof(float) + dense.size() * sizeof(float) + row_ptr.size() * sizeof(std::uint64_t) +
         col_idx.size() * sizeof(std::uint32_t) + values.size() * sizeof(float) + value_codes.size() +
         palette.size() * sizeof(float);
}

bool Dataset::code_values() {
  if (!sparse || !palette.empty() || values.empty()) return false;
  // Bit patterns, so that -0 and 0 stay apart; runs of one value (most of such data) skip the search.
  std::vector<std::uint32_t> found;
  const auto code_of = [&found](std::uint32_t bits) {
    return static_cast<std::size_t>(std::find(found.begin(), found.end(), bits) - found.begin());
  };
  std::uint32_t last = ~std::bit_cast<std::uint32_t>(values[0]);
  for (float v : values) {
    const auto bits = std::bit_cast<std::uint32_t>(v);
    if (bits == last) continue;
    last = bits;
    if (code_of(bits) < found.size()) continue;
    if (found.size() == kPaletteSize) return false;
    found.push_back(bits);
  }
  value_codes.resize(values.size());
  std::uint8_t code = 0;
  last = ~std::bit_cast<std::uint32_t>(values[0]);
  for (std::size_t k = 0; k < values.size(); ++k) {
    const auto bits = std::bit_cast<std::uint32_t>(values[k]);
    if (bits != last) code = static_cast<std::uint8_t>(code_of(bits));
    last = bits;
    value_codes[k] = code;
  }
  for (std::uint32_t bits : found) palette.push_back(std::bit_cast<float>(bits));
  values = FloatStore();  // release the memory, not only the size
  return true;
}

void Dataset::decode_values() {
  if (palette.empty()) return;
  values.resize(value_codes.size());
  for (std::size_t k = 0; k < value_codes.size(); ++k) values[k] = palette[value_codes[k]];
  value_codes = std::vector<std::uint8_t>();
  palette.clear();
}

void Dataset::append_record(const Dataset& from, std::size_t i) {
  decode_values();
  labels.push_back(from.labels[i]);
  if (from.sparse) {
    const auto begin = static_cast<std::ptrdiff_t>(from.row_ptr[i]);
    const auto end = static_cast<std::ptrdiff_t>(from.row_ptr[i + 1]);
    col_idx.insert(col_idx.end(), from.col_idx.begin() + begin, from.col_idx.begin() + end);
    for (auto k = begin; k < end; ++k) values.push_back(from.value(static_cast<std::uint64_t>(k)));
    row_ptr.push_back(values.size());
  } else {
    const auto row = from.dense.begin() + static_cast<std::ptrdiff_t>(i * from.feature_dim);
    dense.insert(dense.end(), row, row + static_cast<std::ptrdiff_t>(from.feature_dim));
  }
}

void Dataset::append(Dataset&& other) {
  if (rows() > 0 && other.rows() > 0 && !sparse && !other.sparse && other.feature_dim != feature_dim) {
    throw InputError(describe_source(other) + ": records have " + std::to_string(other.feature_dim) +
                     " features, expected " + std::to_string(feature_dim) + " (as in " + describe_earlier(*this) + ")");
  }
  files.insert(files.end(), std::make_move_iterator(other.files.begin()), std::make_move_iterator(other.files.end()));
  decode_values();
  other.decode_values();

  if (rows() == 0) {
    // Nothing to merge with: take the other store whole, without copying it.
    std::vector<std::string> all_files = std::move(files);
    const std::size_t own_dim = feature_dim;
    const bool own_sparse = sparse;
    *this = std::move(other);
    if (sparse || own_sparse) {
      to_sparse();
      feature_dim = std::max(feature_dim, own_dim);
    }
    files = std::move(all_files);
    return;
  }

  if (sparse != other.sparse) {
    // Mixed densities: CSR can hold both, a dense matrix cannot hold arbitrary sparse rows.
    to_sparse();
    other.to_sparse();
  }
  if (sparse) {
    const std::uint64_t base = values.size();
    row_ptr.reserve(row_ptr.size() + other.rows());
    for (std::size_t r = 1; r < other.row_ptr.size(); ++r) row_ptr.push_back(base + other.row_ptr[r]);
    col_idx.insert(col_idx.end(), other.col_idx.begin(), other.col_idx.end());
    values.insert(values.end(), other.values.begin(), other.values.end());
    feature_dim = std::max(feature_dim, other.feature_dim);
  } else {
    dense.insert(dense.end(), other.dense.begin(), other.dense.end());
  }
  labels.insert(labels.end(), other.labels.begin(), other.labels.end());
  other = Dataset{};
}

void Dataset::to_sparse() {
  if (sparse) return;
  std::vector<std::uint64_t> new_row_ptr;
  new_row_ptr.reserve(rows() + 1);
  new_row_ptr.push_back(0);
  std::vector<std::uint32_t> new_col_idx;
  FloatStore new_values;
  for (std::size_t r = 0; r < rows(); ++r) {
    const float* row = dense.data() + r * feature_dim;
    for (std::size_t j = 0; j < feature_dim; ++j) {
      if (row[j] != 0.0f) {
        new_col_idx.push_back(static_cast<std::uint32_t>(j));
        new_values.push_back(row[j]);
      }
    }
    new_row_ptr.push_back(new_values.size());
  }
  row_ptr = std::move(new_row_ptr);
  col_idx = std::move(new_col_idx);
  values = std::move(new_values);
  dense = FloatStore();  // release the dense memory, not only its size
  sparse = true;
}

void Dataset::to_dense() {
  if (!sparse) return;
  // Left unset, then zeroed and filled a row at a time: one pass over the new store, not two.
  FloatStore cells;
  cells.resize(rows() * feature_dim);
  for (std::size_t r = 0; r < rows(); ++r) {
    float* row = cells.data() + r * feature_dim;
    std::fill_n(row, feature_dim, 0.0F);
    for (std::uint64_t k = row_ptr[r]; k < row_ptr[r + 1]; ++k) row[col_idx[k]] = value(k);
  }
  dense = std::move(cells);
  value_codes = std::vector<std::uint8_t>();
  palette.clear();
  // Release the CSR memory, not only its size.
  row_ptr = std::vector<std::uint64_t>{0};
  col_idx = std::vector<std::uint32_t>();
  values = FloatStore();
  sparse = false;
}

float Dataset::at(std::size_t r, std::size_t j) const {
  if (r >= rows() || j >= feature_dim) {
    throw std::out_of_range("Dataset::at(" + std::to_string(r) + ", " + std::to_string(j) + ") outside " +
                            std::to_string(rows()) + " x " + std::to_string(feature_dim));
  }
  if (!sparse) return dense[r * feature_dim + j];
  for (std::uint64_t k = row_ptr[r]; k < row_ptr[r + 1]; ++k) {
    if (col_idx[k] == j) return value(k);
  }
  return 0.0f;
}

void Dataset::widen(std::size_t wider_dim) {
  FloatStore wide(rows() * wider_dim, 0.0F);
  for (std::size_t r = 0; r < rows(); ++r)
    std::copy_n(dense.begin() + static_cast<std::ptrdiff_t>(r * feature_dim), feature_dim,
                wide.begin() + static_cast<std::ptrdiff_t>(r * wider_dim));
  dense = std::move(wide);
  feature_dim = wider_dim;
}

}  // namespace linlearn
