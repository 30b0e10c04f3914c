// CSV and LIBSVM writers. std::to_chars gives the shortest decimal text that reads back as the same
// float32, so the text formats lose nothing.
#include <algorithm>
#include <charconv>
#include <vector>

#include "linlearn/convert.h"

namespace linlearn {
namespace {

void append_float(std::string& out, float value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_index(std::string& out, std::size_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

}  // namespace

std::string format_csv(const Dataset& data, std::size_t begin, std::size_t end) {
  std::string out;
  std::vector<float> row(data.feature_dim);
  for (std::size_t r = begin; r < end; ++r) {
    const float* features = data.dense.data() + r * data.feature_dim;
    if (data.sparse) {
      std::fill(row.begin(), row.end(), 0.0f);
      for (std::uint64_t k = data.row_ptr[r]; k < data.row_ptr[r + 1]; ++k) row[data.col_idx[k]] = data.values[k];
      features = row.data();
    }
    append_float(out, data.labels[r]);
    for (std::size_t j = 0; j < data.feature_dim; ++j) {
      out.push_back(',');
      append_float(out, features[j]);
    }
    out.push_back('\n');
  }
  return out;
}

std::string format_libsvm(const Dataset& data, std::size_t begin, std::size_t end) {
  std::string out;
  const auto append_pair = [&out](std::size_t column, float value) {
    out.push_back(' ');
    append_index(out, column + 1);
    out.push_back(':');
    append_float(out, value);
  };
  for (std::size_t r = begin; r < end; ++r) {
    append_float(out, data.labels[r]);
    if (data.sparse) {
      for (std::uint64_t k = data.row_ptr[r]; k < data.row_ptr[r + 1]; ++k) {
        if (data.values[k] != 0.0f) append_pair(data.col_idx[k], data.values[k]);
      }
    } else {
      const float* features = data.dense.data() + r * data.feature_dim;
      for (std::size_t j = 0; j < data.feature_dim; ++j) {
        if (features[j] != 0.0f) append_pair(j, features[j]);
      }
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace linlearn
