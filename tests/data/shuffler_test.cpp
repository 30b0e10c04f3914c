#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "linlearn/shuffler.h"

namespace linlearn {
namespace {

TEST(Shuffler, SameSeedAndEpochGiveTheSameOrder) {
  EXPECT_EQ(epoch_order(1000, 42, 3, true), epoch_order(1000, 42, 3, true));
  EXPECT_NE(epoch_order(1000, 42, 3, true), epoch_order(1000, 42, 4, true));
  EXPECT_NE(epoch_order(1000, 42, 3, true), epoch_order(1000, 43, 3, true));
}

TEST(Shuffler, IsAPermutationAndMixesSortedData) {
  auto order = epoch_order(10000, 1, 0, true);
  // A record-level shuffle moves the first half's records all over the file.
  std::size_t first_half_in_second = 0;
  for (std::size_t i = 5000; i < 10000; ++i) first_half_in_second += order[i] < 5000;
  EXPECT_NEAR(static_cast<double>(first_half_in_second), 2500.0, 200.0);
  std::sort(order.begin(), order.end());
  std::vector<std::uint32_t> identity(10000);
  std::iota(identity.begin(), identity.end(), 0U);
  EXPECT_EQ(order, identity);
  EXPECT_EQ(epoch_order(10000, 1, 0, false), identity);
}

TEST(Shuffler, UniformSampleIsSortedDistinctAndUnbiased) {
  const auto sample = uniform_sample(100000, 1000, 5, 2);
  ASSERT_EQ(sample.size(), 1000U);
  EXPECT_TRUE(std::is_sorted(sample.begin(), sample.end()));
  EXPECT_EQ(std::adjacent_find(sample.begin(), sample.end()), sample.end());
  // Not the head of the data: about half of the sample lies in the second half.
  const auto upper = std::count_if(sample.begin(), sample.end(), [](std::uint32_t i) { return i >= 50000; });
  EXPECT_NEAR(static_cast<double>(upper), 500.0, 80.0);
  EXPECT_EQ(uniform_sample(10, 50, 5, 2).size(), 10U);
}

}  // namespace
}  // namespace linlearn
