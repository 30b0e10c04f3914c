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

TEST(Shuffler, SequentialSampleTakesExactlyCountUniformlyAndRepeatably) {
  const auto draw = [](std::size_t records, std::size_t count, std::uint64_t seed) {
    SequentialSample sample(records, count, seed, RandomStream::kCalibrationSample);
    std::vector<std::uint32_t> kept;
    for (std::uint32_t i = 0; i < records; ++i)
      if (sample.next()) kept.push_back(i);
    EXPECT_FALSE(sample.next());
    return kept;
  };
  const auto sample = draw(100000, 1000, 5);
  ASSERT_EQ(sample.size(), 1000U);
  EXPECT_EQ(draw(100000, 1000, 5), sample);
  EXPECT_NE(draw(100000, 1000, 6), sample);
  // Spread over the whole stream, not its head: about a tenth in each tenth.
  for (std::uint32_t tenth = 0; tenth < 10; ++tenth) {
    const auto in = std::count_if(sample.begin(), sample.end(), [&](std::uint32_t i) { return i / 10000 == tenth; });
    EXPECT_NEAR(static_cast<double>(in), 100.0, 35.0) << tenth;
  }
  EXPECT_EQ(draw(10, 50, 5).size(), 10U);
  EXPECT_TRUE(draw(10, 0, 5).empty());
}

}  // namespace
}  // namespace linlearn
