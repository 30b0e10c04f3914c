// --distribution: which files and records each rank of a job gets.
#include "linlearn/distribution.h"

#include <gtest/gtest.h>

#include <set>

#include "linlearn/errors.h"

namespace linlearn {
namespace {

// Dense records whose single feature and label are both the record's index.
Dataset indexed_dense(std::size_t records) {
  Dataset d;
  d.feature_dim = 2;
  for (std::size_t i = 0; i < records; ++i) {
    d.labels.push_back(static_cast<float>(i));
    d.dense.push_back(static_cast<float>(i));
    d.dense.push_back(-static_cast<float>(i));
  }
  d.files = {"a.csv"};
  return d;
}

TEST(Distribution, ParsesNamesAndRejectsOthers) {
  EXPECT_EQ(parse_distribution("sharded"), Distribution::kSharded);
  EXPECT_EQ(parse_distribution("replicated"), Distribution::kReplicated);
  EXPECT_THROW(parse_distribution("ShardedByS3Key"), UsageError);
}

TEST(Distribution, ShardedFilesGoRoundRobin) {
  const std::vector<std::string> files{"f0", "f1", "f2", "f3", "f4"};
  const RankShare r0 = share_for_rank(files, Distribution::kSharded, 0, 2);
  const RankShare r1 = share_for_rank(files, Distribution::kSharded, 1, 2);
  EXPECT_EQ(r0.files, (std::vector<std::string>{"f0", "f2", "f4"}));
  EXPECT_EQ(r1.files, (std::vector<std::string>{"f1", "f3"}));
  EXPECT_EQ(r0.records, RecordSelection::kAll);
  EXPECT_EQ(r1.records, RecordSelection::kAll);
}

TEST(Distribution, ShardedWithFewerFilesThanRanksSplitsRecordRanges) {
  const std::vector<std::string> files{"f0", "f1"};
  const RankShare share = share_for_rank(files, Distribution::kSharded, 2, 3);
  EXPECT_EQ(share.files, files);
  EXPECT_EQ(share.records, RecordSelection::kRange);
  const RankShare single = share_for_rank({"only"}, Distribution::kSharded, 0, 2);
  EXPECT_EQ(single.records, RecordSelection::kRange);
}

TEST(Distribution, ReplicatedReadsEverythingAndStrides) {
  const std::vector<std::string> files{"f0", "f1", "f2", "f3"};
  const RankShare share = share_for_rank(files, Distribution::kReplicated, 1, 2);
  EXPECT_EQ(share.files, files);
  EXPECT_EQ(share.records, RecordSelection::kEveryNth);
}

TEST(Distribution, OneRankKeepsEverything) {
  const std::vector<std::string> files{"f0"};
  for (const Distribution d : {Distribution::kSharded, Distribution::kReplicated}) {
    const RankShare share = share_for_rank(files, d, 0, 1);
    EXPECT_EQ(share.files, files);
    EXPECT_EQ(share.records, RecordSelection::kAll);
  }
}

TEST(Distribution, RejectsRankOutsideTheJob) {
  EXPECT_THROW(share_for_rank({"f"}, Distribution::kSharded, 2, 2), UsageError);
  EXPECT_THROW(share_for_rank({"f"}, Distribution::kSharded, 0, 0), UsageError);
}

TEST(Distribution, RangesPartitionTheRecordsInOrder) {
  const Dataset data = indexed_dense(10);
  EXPECT_EQ(select_records(data, RecordSelection::kRange, 0, 3).labels, (std::vector<float>{0, 1, 2}));
  EXPECT_EQ(select_records(data, RecordSelection::kRange, 1, 3).labels, (std::vector<float>{3, 4, 5}));
  EXPECT_EQ(select_records(data, RecordSelection::kRange, 2, 3).labels, (std::vector<float>{6, 7, 8, 9}));
  const Dataset part = select_records(data, RecordSelection::kRange, 1, 3);
  EXPECT_EQ(part.feature_dim, 2U);
  EXPECT_EQ(part.files, data.files);
  EXPECT_EQ(part.dense, (std::vector<float>{3, -3, 4, -4, 5, -5}));
}

TEST(Distribution, EveryNthStartsAtTheRank) {
  const Dataset data = indexed_dense(7);
  EXPECT_EQ(select_records(data, RecordSelection::kEveryNth, 0, 3).labels, (std::vector<float>{0, 3, 6}));
  EXPECT_EQ(select_records(data, RecordSelection::kEveryNth, 2, 3).labels, (std::vector<float>{2, 5}));
  EXPECT_EQ(select_records(data, RecordSelection::kEveryNth, 2, 3).dense, (std::vector<float>{2, -2, 5, -5}));
}

TEST(Distribution, EveryRecordGoesToExactlyOneRank) {
  const Dataset data = indexed_dense(101);
  for (const RecordSelection selection : {RecordSelection::kRange, RecordSelection::kEveryNth}) {
    std::multiset<float> seen;
    for (int rank = 0; rank < 4; ++rank)
      for (const float label : select_records(data, selection, rank, 4).labels) seen.insert(label);
    EXPECT_EQ(seen.size(), 101U);
    EXPECT_EQ(std::set<float>(seen.begin(), seen.end()).size(), 101U);
  }
}

TEST(Distribution, MoreRanksThanRecordsLeavesSomeRanksEmpty) {
  const Dataset data = indexed_dense(2);
  EXPECT_TRUE(select_records(data, RecordSelection::kRange, 0, 4).labels.empty());
  EXPECT_EQ(select_records(data, RecordSelection::kRange, 3, 4).labels, (std::vector<float>{1}));
}

TEST(Distribution, SparseRecordsKeepTheirColumns) {
  Dataset data;
  data.sparse = true;
  data.feature_dim = 5;
  data.labels = {1, 0, 1};
  data.row_ptr = {0, 2, 2, 3};
  data.col_idx = {0, 4, 3};
  data.values = {1.5F, 2.5F, 3.5F};
  const Dataset odd = select_records(data, RecordSelection::kEveryNth, 0, 2);
  EXPECT_TRUE(odd.sparse);
  EXPECT_EQ(odd.feature_dim, 5U);
  EXPECT_EQ(odd.row_ptr, (std::vector<std::uint64_t>{0, 2, 3}));
  EXPECT_EQ(odd.col_idx, (std::vector<std::uint32_t>{0, 4, 3}));
  EXPECT_EQ(odd.values, (std::vector<float>{1.5F, 2.5F, 3.5F}));
  const Dataset even = select_records(data, RecordSelection::kEveryNth, 1, 2);
  EXPECT_EQ(even.row_ptr, (std::vector<std::uint64_t>{0, 0}));
  EXPECT_TRUE(even.values.empty());
}

}  // namespace
}  // namespace linlearn
