// compute_margins: a record's margins are the same bits however it is batched.
#include "linlearn/scoring.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace linlearn {
namespace {

Dataset random_dense(std::size_t rows, std::size_t d, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> value(0.0F, 3.0F);
  Dataset data;
  data.feature_dim = d;
  for (std::size_t r = 0; r < rows; ++r) {
    data.labels.push_back(0);
    for (std::size_t j = 0; j < d; ++j) data.dense.push_back(value(rng));
  }
  return data;
}

Dataset rows_of(const Dataset& data, std::size_t first, std::size_t count) {
  Dataset part;
  part.feature_dim = data.feature_dim;
  for (std::size_t r = first; r < first + count; ++r) {
    part.labels.push_back(data.labels[r]);
    const float* row = data.dense.data() + r * data.feature_dim;
    part.dense.insert(part.dense.end(), row, row + data.feature_dim);
  }
  return part;
}

bool same_bits(float a, float b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

TEST(Scoring, AMarginDoesNotDependOnTheOtherRecordsOrModels) {
  const Dataset data = random_dense(1100, 37, 3);
  RowMatrix weights = RowMatrix::Random(37, 5);
  const Eigen::RowVectorXf bias = Eigen::RowVectorXf::Random(5);
  ThreadPool pool(2);
  const RowMatrix all = compute_margins(data, weights, bias, pool);
  for (const auto& [first, count] : {std::pair<std::size_t, std::size_t>{0, 1}, {3, 6}, {3, 7}, {511, 2}, {600, 500}}) {
    const RowMatrix some = compute_margins(rows_of(data, first, count), weights, bias, pool);
    for (std::size_t r = 0; r < count; ++r)
      for (Eigen::Index c = 0; c < 5; ++c)
        ASSERT_TRUE(same_bits(some(static_cast<Eigen::Index>(r), c), all(static_cast<Eigen::Index>(first + r), c)))
            << "record " << first + r << " model " << c;
  }
  const RowMatrix one_model = compute_margins(data, RowMatrix(weights.col(2)), bias.segment(2, 1), pool);
  for (Eigen::Index r = 0; r < all.rows(); ++r) ASSERT_TRUE(same_bits(one_model(r, 0), all(r, 2))) << r;
  ThreadPool single(1);
  EXPECT_EQ(compute_margins(data, weights, bias, single), all);
}

TEST(Scoring, DenseMarginsAreDotProducts) {
  const Dataset data = random_dense(4, 19, 5);
  const RowMatrix weights = RowMatrix::Random(19, 2);
  const Eigen::RowVectorXf bias = Eigen::RowVectorXf::Random(2);
  ThreadPool pool(1);
  const RowMatrix margins = compute_margins(data, weights, bias, pool);
  for (Eigen::Index r = 0; r < 4; ++r)
    for (Eigen::Index c = 0; c < 2; ++c) {
      double expected = bias[c];
      for (Eigen::Index j = 0; j < 19; ++j) expected += double{data.dense[r * 19 + j]} * weights(j, c);
      EXPECT_NEAR(margins(r, c), expected, 1e-4 * (1 + std::abs(expected)));
    }
}

}  // namespace
}  // namespace linlearn
