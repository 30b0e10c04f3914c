#include "linlearn/dataset.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/dataset_equality.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

Dataset dense(std::size_t dim, std::vector<float> labels, FloatStore values, std::string file) {
  Dataset data;
  data.feature_dim = dim;
  data.labels = std::move(labels);
  data.dense = std::move(values);
  data.files = {std::move(file)};
  return data;
}

Dataset sparse(std::size_t dim, std::vector<float> labels, std::vector<std::uint64_t> row_ptr,
               std::vector<std::uint32_t> cols, FloatStore values, std::string file) {
  Dataset data;
  data.sparse = true;
  data.feature_dim = dim;
  data.labels = std::move(labels);
  data.row_ptr = std::move(row_ptr);
  data.col_idx = std::move(cols);
  data.values = std::move(values);
  data.files = {std::move(file)};
  return data;
}

TEST(Dataset, AppendsDenseRecordsOfOneWidth) {
  Dataset data = dense(2, {1}, {1, 2}, "a.csv");
  data.append(dense(2, {0, 1}, {3, 4, 5, 6}, "b.csv"));
  EXPECT_EQ(data.rows(), 3u);
  EXPECT_EQ(data.labels, (std::vector<float>{1, 0, 1}));
  EXPECT_EQ(data.dense, (FloatStore{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(data.files, (std::vector<std::string>{"a.csv", "b.csv"}));
  EXPECT_EQ(data.at(2, 1), 6.0f);
}

TEST(Dataset, AppendIntoEmptyTakesTheRecords) {
  Dataset data;
  data.append(dense(3, {1}, {1, 2, 3}, "a.csv"));
  EXPECT_EQ(data.feature_dim, 3u);
  EXPECT_EQ(data.dense, (FloatStore{1, 2, 3}));
  EXPECT_EQ(data.files, (std::vector<std::string>{"a.csv"}));
}

TEST(Dataset, RejectsDenseRecordsOfAnotherWidth) {
  Dataset data = dense(2, {1}, {1, 2}, "a.csv");
  try {
    data.append(dense(3, {0}, {3, 4, 5}, "b.csv"));
    FAIL() << "widths 2 and 3 were merged";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "b.csv: records have 3 features, expected 2 (as in a.csv)");
  }
}

TEST(Dataset, MixedDensitiesBecomeSparse) {
  Dataset data = dense(3, {1, 0}, {0, 2, 0, 4, 0, 5}, "a.csv");
  data.append(sparse(5, {1}, {0, 1}, {4}, {7}, "b.svm"));
  EXPECT_TRUE(data.sparse);
  EXPECT_TRUE(data.dense.empty());
  EXPECT_EQ(data.feature_dim, 5u);
  EXPECT_EQ(data.row_ptr, (std::vector<std::uint64_t>{0, 1, 3, 4}));
  EXPECT_EQ(data.col_idx, (std::vector<std::uint32_t>{1, 0, 2, 4}));
  EXPECT_EQ(data.values, (FloatStore{2, 4, 5, 7}));
  EXPECT_EQ(data.files, (std::vector<std::string>{"a.csv", "b.svm"}));

  Dataset first_sparse = sparse(2, {1}, {0, 1}, {1}, {7}, "a.svm");
  first_sparse.append(dense(3, {0}, {0, 0, 9}, "b.csv"));
  EXPECT_EQ(first_sparse.feature_dim, 3u);
  EXPECT_EQ(first_sparse.at(1, 2), 9.0f);
  EXPECT_EQ(first_sparse.at(0, 1), 7.0f);
}

TEST(Dataset, ToSparseDropsZeros) {
  Dataset data = dense(3, {1, 0}, {0, 1.5f, 0, 0, 0, 0}, "a.csv");
  data.to_sparse();
  EXPECT_TRUE(data.sparse);
  EXPECT_EQ(data.nonzeros(), 1u);
  EXPECT_EQ(data.row_ptr, (std::vector<std::uint64_t>{0, 1, 1}));
  EXPECT_EQ(data.at(0, 1), 1.5f);
  EXPECT_EQ(data.at(1, 2), 0.0f);
}

TEST(Dataset, ToDenseFillsTheFeaturesARecordLacksWithZeros) {
  // Records {1:2.5, 3:-1}, {} and {0:-0}: an empty record, and a stored -0 that stays -0.
  Dataset data = sparse(4, {1, 0, 1}, {0, 2, 2, 3}, {1, 3, 0}, {2.5f, -1, -0.0f}, "a.libsvm");
  data.to_dense();
  const Dataset expected = dense(4, {1, 0, 1}, {0, 2.5f, 0, -1, 0, 0, 0, 0, -0.0f, 0, 0, 0}, "a.libsvm");
  testing::expect_same_records(data, expected);
  EXPECT_TRUE(std::signbit(data.at(2, 0)));
  EXPECT_EQ(data.files, expected.files);
  // The CSR store is released, not only emptied.
  EXPECT_EQ(data.col_idx.capacity(), 0u);
  EXPECT_EQ(data.values.capacity(), 0u);
  EXPECT_EQ(data.row_ptr.capacity(), 1u);
}

TEST(Dataset, ToDenseUndoesToSparse) {
  const Dataset original = dense(3, {0, 1, 1}, {0, 1, 0, 4, 0, 5, 0, 0, 0}, "a.csv");
  Dataset data = dense(3, {0, 1, 1}, {0, 1, 0, 4, 0, 5, 0, 0, 0}, "a.csv");
  data.to_sparse();
  data.to_dense();
  testing::expect_same_records(data, original);
  data.to_dense();  // dense already: unchanged
  testing::expect_same_records(data, original);
}

// Few distinct values become byte codes into a palette (in order of first occurrence, -0 apart from
// 0); every way of reading or converting the store sees the same values.
TEST(Dataset, ValuesOfFewKindsAreStoredAsCodes) {
  const auto store = [] {
    return sparse(5, {1, 0, 1}, {0, 2, 4, 5}, {1, 3, 0, 4, 2}, {1, 2, 1, -0.0f, 1}, "a.libsvm");
  };
  Dataset data = store();
  const std::size_t plain_bytes = data.bytes();
  ASSERT_TRUE(data.code_values());
  EXPECT_EQ(data.palette, (std::vector<float>{1, 2, -0.0f}));
  EXPECT_EQ(data.value_codes, (std::vector<std::uint8_t>{0, 1, 0, 2, 0}));
  EXPECT_EQ(data.values.capacity(), 0u);
  EXPECT_EQ(data.bytes(), plain_bytes - 5 * sizeof(float) + 5 + 3 * sizeof(float));
  EXPECT_FALSE(data.code_values());  // coded already
  testing::expect_same_records(data, store());
  EXPECT_EQ(data.at(0, 3), 2.0f);
  EXPECT_TRUE(std::signbit(data.at(1, 4)));

  Dataset appended = store();
  appended.append_record(data, 1);
  Dataset more = store();
  more.code_values();
  appended.append(std::move(more));
  EXPECT_TRUE(appended.palette.empty());
  EXPECT_EQ(appended.nonzeros(), 12u);
  EXPECT_EQ(appended.value(5), 1.0f);
  EXPECT_EQ(appended.value(6), -0.0f);
  EXPECT_EQ(appended.value(8), 2.0f);

  Dataset dense_copy = data;
  dense_copy.to_dense();
  Dataset expected = store();
  expected.to_dense();
  testing::expect_same_records(dense_copy, expected);
  EXPECT_TRUE(dense_copy.palette.empty());
  EXPECT_TRUE(dense_copy.value_codes.empty());

  data.decode_values();
  EXPECT_TRUE(data.palette.empty());
  testing::expect_same_records(data, store());
  EXPECT_EQ(data.values, (std::vector<float>{1, 2, 1, -0.0f, 1}));
}

// More than 256 distinct values stay plain; so do dense stores.
TEST(Dataset, ValuesOfManyKindsStayPlain) {
  FloatStore values;
  std::vector<std::uint32_t> cols;
  for (int k = 0; k < 257; ++k) {
    values.push_back(static_cast<float>(k + 1));
    cols.push_back(static_cast<std::uint32_t>(k));
  }
  Dataset data = sparse(257, {1}, {0, 257}, cols, values, "a.libsvm");
  EXPECT_FALSE(data.code_values());
  EXPECT_EQ(data.values.size(), 257u);
  EXPECT_TRUE(data.palette.empty());
  data.values.pop_back();
  data.col_idx.pop_back();
  data.row_ptr.back() = 256;
  EXPECT_TRUE(data.code_values());
  EXPECT_EQ(data.palette.size(), 256u);
  EXPECT_EQ(data.value(255), 256.0f);
  Dataset dense_data = dense(2, {1}, {1, 1}, "a.csv");
  EXPECT_FALSE(dense_data.code_values());
}

TEST(Dataset, CountsBytesAndChecksBounds) {
  const Dataset data = dense(2, {1}, {1, 2}, "a.csv");
  // 1 label + 2 values as float, plus the CSR row_ptr{0} every store starts with.
  EXPECT_EQ(data.bytes(), 3 * sizeof(float) + sizeof(std::uint64_t));
  EXPECT_THROW(data.at(1, 0), std::out_of_range);
  EXPECT_THROW(data.at(0, 2), std::out_of_range);
}

}  // namespace
}  // namespace linlearn
