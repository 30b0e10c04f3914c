#pragma once
// A compact binary cache of parsed records on disk, in blocks, for Pipe mode and for data larger
// than memory: the first epoch parses the input once and appends its blocks, later epochs read
// the blocks back (one at a time, in any order) instead of parsing text again.
//
// Layout (little-endian): "LLRCACHE", u32 version, u32 0; the blocks; an index of one entry per
// block (offset, rows, nonzeros, feature_dim, flags, crc32 of its bytes); a footer with the
// index offset, the block count, the index's crc32 and "LLRCTAIL". Dense blocks hold labels then
// float32 rows; sparse blocks labels, row_ptr (u64, from 0), col_idx (u32), values (float32).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "linlearn/dataset.h"

namespace linlearn {

// One entry of the index, as stored.
struct RecordCacheBlock {
  std::uint64_t offset = 0;
  std::uint64_t rows = 0;
  std::uint64_t nonzeros = 0;  // sparse: stored values; dense: 0
  std::uint64_t feature_dim = 0;
  std::uint64_t flags = 0;  // bit 0: sparse
  std::uint64_t crc32 = 0;  // of the block's bytes
};

class RecordCacheWriter {
 public:
  // Creates (or truncates) the cache file; InputError naming the path when it cannot.
  static RecordCacheWriter create(const std::string& path);

  RecordCacheWriter(RecordCacheWriter&& other) noexcept;
  RecordCacheWriter& operator=(RecordCacheWriter&&) = delete;
  RecordCacheWriter(const RecordCacheWriter&) = delete;
  RecordCacheWriter& operator=(const RecordCacheWriter&) = delete;
  // An unfinished cache is left without its footer, which RecordCache::open rejects.
  ~RecordCacheWriter();

  // Writes `block` as the next block (nothing for an empty one). Dense blocks must all have one
  // width (InputError otherwise); sparse ones may differ, the cache taking the largest.
  void append(const Dataset& block);
  // Writes the index and the footer and closes the file.
  void finish();

  std::size_t blocks() const { return index_.size(); }
  std::size_t records() const { return records_; }

 private:
  RecordCacheWriter(std::string path, std::FILE* file);
  void write(const void* data, std::size_t bytes, std::uint32_t* crc);

  std::string path_;
  std::FILE* file_;
  std::vector<RecordCacheBlock> index_;
  std::uint64_t offset_ = 0;
  std::size_t records_ = 0;
  std::size_t dense_width_ = 0;  // 0 until the first dense block
};

class RecordCache {
 public:
  // Opens a finished cache and reads its index; InputError naming the path when the file is not a
  // cache, has another version, or is truncated or corrupt.
  static RecordCache open(const std::string& path);

  RecordCache(RecordCache&& other) noexcept;
  RecordCache& operator=(RecordCache&&) = delete;
  RecordCache(const RecordCache&) = delete;
  RecordCache& operator=(const RecordCache&) = delete;
  ~RecordCache();

  std::size_t blocks() const { return index_.size(); }
  std::size_t records() const { return records_; }
  std::size_t block_rows(std::size_t i) const { return static_cast<std::size_t>(index_.at(i).rows); }
  // Dense: the width of every block; sparse: the largest feature_dim of a block.
  std::size_t feature_dim() const { return feature_dim_; }
  // True when any block is sparse: then every block is returned as CSR.
  bool sparse() const { return sparse_; }
  const std::string& path() const { return path_; }
  // Reads every block with this shape from now on: the ranks of a job agree on the widest
  // feature_dim and on CSR when any rank's records are sparse. Sparse may only grow; a dense cache
  // keeps its width unless it becomes sparse.
  void widen(std::size_t feature_dim, bool sparse);

  // Reads block i from disk (and only it), with feature_dim() as its feature_dim; InputError when
  // its bytes do not match their checksum.
  Dataset read_block(std::size_t i) const;

 private:
  RecordCache(std::string path, int fd);
  // Checks the index's block extents against the file (`size` bytes, index at `index_offset`) and
  // sums its records; InputError when they cannot be.
  void check_index(std::uint64_t size, std::uint64_t index_offset);

  std::string path_;
  int fd_;
  std::vector<RecordCacheBlock> index_;
  std::size_t records_ = 0;
  std::size_t feature_dim_ = 0;
  bool sparse_ = false;
};

}  // namespace linlearn
