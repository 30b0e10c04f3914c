// Streaming one epoch from the record cache: shuffled block order, then a shuffle buffer in which
// every record waits for a uniform draw, refilled from the stream (a reservoir-style local shuffle).
#include "linlearn/streaming_epoch.h"

#include <algorithm>

#include "linlearn/shuffler.h"

namespace linlearn {
namespace {

// The buffer's draws use shuffle-stream indices above every epoch number, apart from the block
// order's, which epoch_order draws at index `epoch`.
constexpr std::uint64_t kBufferDrawIndexBase = std::uint64_t{1} << 32;

}  // namespace

StreamingEpoch::StreamingEpoch(const RecordCache& cache, std::uint64_t seed, int epoch, bool shuffle,
                               std::size_t shuffle_buffer_records)
    : cache_(cache),
      block_order_(epoch_order(cache.blocks(), seed, epoch, shuffle)),
      use_buffer_(shuffle && shuffle_buffer_records > 1),
      buffer_capacity_(std::min(shuffle_buffer_records, cache.records())),
      rng_(seed, RandomStream::kShuffle, kBufferDrawIndexBase + static_cast<std::uint64_t>(epoch)) {
  if (!use_buffer_) return;
  buffer_labels_.resize(buffer_capacity_);
  if (cache_.sparse()) {
    buffer_sparse_.resize(buffer_capacity_);
  } else {
    buffer_dense_.resize(buffer_capacity_ * cache_.feature_dim());
  }
}

bool StreamingEpoch::advance_stream() {
  if (stream_started_) ++block_row_;
  stream_started_ = true;
  while (block_row_ >= block_.rows()) {
    if (next_block_ == block_order_.size()) {
      block_ = Dataset{};  // release the last block
      block_row_ = 0;
      return false;
    }
    block_ = cache_.read_block(block_order_[next_block_++]);
    block_row_ = 0;
  }
  return true;
}

void StreamingEpoch::store_stream_record(std::size_t slot) {
  buffer_labels_[slot] = block_.labels[block_row_];
  if (block_.sparse) {
    const auto begin = static_cast<std::ptrdiff_t>(block_.row_ptr[block_row_]);
    const auto end = static_cast<std::ptrdiff_t>(block_.row_ptr[block_row_ + 1]);
    // assign() keeps the slot's capacity, so a warm buffer stops allocating.
    buffer_sparse_[slot].columns.assign(block_.col_idx.begin() + begin, block_.col_idx.begin() + end);
    buffer_sparse_[slot].values.assign(block_.values.begin() + begin, block_.values.begin() + end);
  } else {
    const std::size_t dim = block_.feature_dim;
    std::copy_n(block_.dense.begin() + static_cast<std::ptrdiff_t>(block_row_ * dim), dim,
                buffer_dense_.begin() + static_cast<std::ptrdiff_t>(slot * dim));
  }
}

void StreamingEpoch::append_slot(std::size_t slot, Dataset& batch) const {
  batch.labels.push_back(buffer_labels_[slot]);
  if (cache_.sparse()) {
    const SparseSlot& record = buffer_sparse_[slot];
    batch.col_idx.insert(batch.col_idx.end(), record.columns.begin(), record.columns.end());
    batch.values.insert(batch.values.end(), record.values.begin(), record.values.end());
    batch.row_ptr.push_back(batch.values.size());
  } else {
    const std::size_t dim = cache_.feature_dim();
    const auto row = buffer_dense_.begin() + static_cast<std::ptrdiff_t>(slot * dim);
    batch.dense.insert(batch.dense.end(), row, row + static_cast<std::ptrdiff_t>(dim));
  }
}

void StreamingEpoch::move_slot(std::size_t from, std::size_t to) {
  if (from == to) return;
  buffer_labels_[to] = buffer_labels_[from];
  if (cache_.sparse()) {
    std::swap(buffer_sparse_[to], buffer_sparse_[from]);
  } else {
    const std::size_t dim = cache_.feature_dim();
    std::copy_n(buffer_dense_.begin() + static_cast<std::ptrdiff_t>(from * dim), dim,
                buffer_dense_.begin() + static_cast<std::ptrdiff_t>(to * dim));
  }
}

bool StreamingEpoch::next_batch(std::size_t n, Dataset& batch) {
  batch.feature_dim = cache_.feature_dim();
  batch.sparse = cache_.sparse();
  batch.labels.clear();
  batch.dense.clear();
  batch.row_ptr.assign(1, 0);
  batch.col_idx.clear();
  batch.values.clear();
  batch.files.clear();
  while (batch.rows() < n) {
    if (!use_buffer_) {
      if (!advance_stream()) break;
      batch.append_record(block_, block_row_);
      continue;
    }
    while (buffer_size_ < buffer_capacity_ && advance_stream()) store_stream_record(buffer_size_++);
    if (buffer_size_ == 0) break;
    const auto slot = static_cast<std::size_t>(rng_.below(buffer_size_));
    append_slot(slot, batch);
    if (advance_stream()) {
      store_stream_record(slot);
    } else {
      // The stream is done: drain the buffer in random order.
      move_slot(--buffer_size_, slot);
    }
  }
  return batch.rows() > 0;
}

}  // namespace linlearn
