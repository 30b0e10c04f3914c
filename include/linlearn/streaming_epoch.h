#pragma once
// One epoch over a RecordCache without loading it: the blocks in an order drawn from (seed, epoch)
// and the records through a bounded shuffle buffer, so memory holds one block, the buffer and the
// batch whatever the size of the data. Every record comes out exactly once per epoch, and the
// batches are the same on every run for a (seed, epoch).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "linlearn/dataset.h"
#include "linlearn/random.h"
#include "linlearn/record_cache.h"

namespace linlearn {

class StreamingEpoch {
 public:
  // Without `shuffle` the records come in file order. A buffer of 0 or 1 records shuffles only
  // the block order. The cache must outlive the epoch.
  StreamingEpoch(const RecordCache& cache, std::uint64_t seed, int epoch, bool shuffle,
                 std::size_t shuffle_buffer_records);

  // Replaces `batch` with up to n next records (dense or CSR like the cache, feature_dim set);
  // false, with an empty batch, once the epoch is exhausted.
  bool next_batch(std::size_t n, Dataset& batch);

 private:
  // A record held in the shuffle buffer; dense values live in buffer_dense_ at the slot's place.
  struct SparseSlot {
    std::vector<std::uint32_t> columns;
    std::vector<float> values;
  };

  // Moves the stream on to the next record, loading the next block when one is used up; false at
  // the end of the epoch's blocks.
  bool advance_stream();
  void store_stream_record(std::size_t slot);
  void append_slot(std::size_t slot, Dataset& batch) const;
  void move_slot(std::size_t from, std::size_t to);

  const RecordCache& cache_;
  std::vector<std::uint32_t> block_order_;
  std::size_t next_block_ = 0;
  Dataset block_;              // the block the stream is in
  std::size_t block_row_ = 0;  // the stream's record in block_ (valid after advance_stream)
  bool stream_started_ = false;

  bool use_buffer_;
  std::size_t buffer_capacity_;
  std::size_t buffer_size_ = 0;
  Rng rng_;
  std::vector<float> buffer_labels_;
  std::vector<float> buffer_dense_;
  std::vector<SparseSlot> buffer_sparse_;
};

}  // namespace linlearn
