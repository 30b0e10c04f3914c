#include "io/libsvm_conventions.h"

#include <algorithm>
#include <cstring>

namespace linlearn {

bool zero_minus_one_labels(Dataset& data, const LibsvmRows& rows) {
  bool any = false;
  for (std::size_t r = rows.first; r < rows.last; ++r) {
    if (data.labels[r] != -1.0F) continue;
    data.labels[r] = 0.0F;
    any = true;
  }
  return any;
}

std::string minus_one_labels_note(const std::string& file) {
  return file + ": binary LIBSVM labels -1/+1 read as 0/1";
}

std::string zero_based_note(const std::string& file) {
  return file + " holds index 0: the channel's LIBSVM indices are read as 0-based";
}

void settle_libsvm_base(Dataset& data, const std::vector<LibsvmRows>& rows, const ReadOptions& opts) {
  if (rows.empty()) return;
  const auto columns_of = [&](const LibsvmRows& r) {
    return std::pair(data.col_idx.begin() + static_cast<std::ptrdiff_t>(data.row_ptr[r.first]),
                     data.col_idx.begin() + static_cast<std::ptrdiff_t>(data.row_ptr[r.last]));
  };
  const LibsvmRows* zero_file = nullptr;
  std::uint32_t largest = 0;
  for (const LibsvmRows& r : rows) {
    const auto [begin, end] = columns_of(r);
    if (begin == end) continue;
    largest = std::max(largest, *std::max_element(begin, end));
    if (zero_file == nullptr && std::find(begin, end, 0U) != end) zero_file = &r;
  }
  if (zero_file != nullptr) {
    data.libsvm_base = IndexBase::kZeroBased;
    data.feature_dim = std::max<std::size_t>(data.feature_dim, std::size_t{largest} + 1);
    if (opts.note) opts.note(zero_based_note(zero_file->file));
    return;
  }
  data.libsvm_base = IndexBase::kOneBased;
  for (const LibsvmRows& r : rows) {
    const auto [begin, end] = columns_of(r);
    for (auto it = begin; it != end; ++it) --*it;
  }
}

bool lines_hold_index_zero(std::string_view lines) {
  // An index token is digits between a blank and a ':'; "qid:" and values hold no such token.
  for (const char *p = lines.data(), *end = p + lines.size();;) {
    const auto* colon = static_cast<const char*>(std::memchr(p, ':', static_cast<std::size_t>(end - p)));
    if (colon == nullptr) return false;
    const char* start = colon;
    while (start != lines.data() && start[-1] == '0') --start;
    const bool after_blank = start != lines.data() && (start[-1] == ' ' || start[-1] == '\t');
    if (start != colon && after_blank) return true;
    p = colon + 1;
  }
}

}  // namespace linlearn
