#include "linlearn/streaming_epoch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "../io/temp_dir.h"
#include "linlearn/record_cache.h"

namespace linlearn {
namespace {

using testing::TempDir;

constexpr std::size_t kRecords = 2000;
constexpr std::size_t kBlockRecords = 20;

// Record i has feature 0 = i (its identity) and label 0 for the first half, 1 for the second:
// a label-sorted file, the worst case for a local shuffle.
std::string write_sorted_cache(const TempDir& dir, bool sparse) {
  const std::string path = dir.path(sparse ? "sparse.cache" : "dense.cache");
  RecordCacheWriter writer = RecordCacheWriter::create(path);
  for (std::size_t first = 0; first < kRecords; first += kBlockRecords) {
    Dataset block;
    block.feature_dim = 3;
    for (std::size_t i = first; i < first + kBlockRecords; ++i) {
      block.labels.push_back(i < kRecords / 2 ? 0.0f : 1.0f);
      block.dense.insert(block.dense.end(), {static_cast<float>(i), 0.0f, 1.0f});
    }
    if (sparse) block.to_sparse();
    writer.append(block);
  }
  writer.finish();
  return path;
}

struct EpochOutput {
  std::vector<std::size_t> ids;
  std::vector<float> labels;
};

EpochOutput run_epoch(const RecordCache& cache, std::uint64_t seed, int epoch, bool shuffle, std::size_t buffer) {
  StreamingEpoch stream(cache, seed, epoch, shuffle, buffer);
  EpochOutput out;
  Dataset batch;
  while (stream.next_batch(37, batch)) {
    EXPECT_LE(batch.rows(), 37u);
    EXPECT_EQ(batch.feature_dim, 3u);
    EXPECT_EQ(batch.sparse, cache.sparse());
    for (std::size_t r = 0; r < batch.rows(); ++r) {
      out.ids.push_back(static_cast<std::size_t>(batch.at(r, 0)));
      out.labels.push_back(batch.labels[r]);
      EXPECT_EQ(batch.at(r, 2), 1.0f);
    }
  }
  EXPECT_EQ(batch.rows(), 0u);
  return out;
}

void expect_each_record_once(std::vector<std::size_t> ids) {
  std::sort(ids.begin(), ids.end());
  std::vector<std::size_t> all(kRecords);
  std::iota(all.begin(), all.end(), std::size_t{0});
  EXPECT_EQ(ids, all);
}

TEST(StreamingEpochTest, EveryRecordOncePerEpochDenseAndSparse) {
  TempDir dir;
  for (const bool sparse : {false, true}) {
    const RecordCache cache = RecordCache::open(write_sorted_cache(dir, sparse));
    for (const std::size_t buffer : {std::size_t{0}, std::size_t{1}, std::size_t{200}, std::size_t{5000}}) {
      const EpochOutput out = run_epoch(cache, 7, 1, true, buffer);
      expect_each_record_once(out.ids);
      for (std::size_t k = 0; k < out.ids.size(); ++k) {
        EXPECT_EQ(out.labels[k], out.ids[k] < kRecords / 2 ? 0.0f : 1.0f);  // labels travel with their records
      }
    }
  }
}

TEST(StreamingEpochTest, TheSameSeedAndEpochGiveTheSameOrder) {
  TempDir dir;
  const RecordCache cache = RecordCache::open(write_sorted_cache(dir, false));
  EXPECT_EQ(run_epoch(cache, 42, 3, true, 200).ids, run_epoch(cache, 42, 3, true, 200).ids);
}

TEST(StreamingEpochTest, OtherEpochsAndSeedsGiveOtherOrders) {
  TempDir dir;
  const RecordCache cache = RecordCache::open(write_sorted_cache(dir, false));
  const auto first = run_epoch(cache, 42, 0, true, 200).ids;
  EXPECT_NE(first, run_epoch(cache, 42, 1, true, 200).ids);
  EXPECT_NE(first, run_epoch(cache, 43, 0, true, 200).ids);
}

TEST(StreamingEpochTest, WithoutShuffleTheRecordsComeInFileOrder) {
  TempDir dir;
  const RecordCache cache = RecordCache::open(write_sorted_cache(dir, true));
  std::vector<std::size_t> file_order(kRecords);
  std::iota(file_order.begin(), file_order.end(), std::size_t{0});
  EXPECT_EQ(run_epoch(cache, 42, 5, false, 200).ids, file_order);
}

TEST(StreamingEpochTest, ALabelSortedFileComesOutMixed) {
  TempDir dir;
  const RecordCache cache = RecordCache::open(write_sorted_cache(dir, false));
  // The buffer holds 10% of the data; blocks are 1%.
  for (const int epoch : {0, 1, 2}) {
    const EpochOutput out = run_epoch(cache, 11, epoch, true, kRecords / 10);
    const auto ones = std::count(out.labels.begin(), out.labels.begin() + kRecords / 10, 1.0f);
    EXPECT_GT(ones, 60) << "epoch " << epoch;
    EXPECT_LT(ones, 140) << "epoch " << epoch;
  }
}

}  // namespace
}  // namespace linlearn
