#include "linlearn/feature_index.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace linlearn {
namespace {

TEST(FeatureIndex, SlotsCountThePresentFeaturesBelowAndAbsentOnesHaveNone) {
  // Keys on both sides of cell boundaries (64 features each), and a full cell.
  std::vector<std::uint32_t> keys = {0, 5, 63, 64, 127, 200};
  for (std::uint32_t j = 256; j < 320; ++j) keys.push_back(j);
  keys.push_back(999);
  const FeatureIndex index(1000, keys);
  ASSERT_EQ(index.size(), keys.size());
  std::vector<std::uint32_t> expected(1000, FeatureIndex::kAbsent);
  for (std::size_t s = 0; s < keys.size(); ++s) expected[keys[s]] = static_cast<std::uint32_t>(s);
  for (std::uint32_t j = 0; j < 1000; ++j) EXPECT_EQ(index.slot(j), expected[j]) << "feature " << j;
}

TEST(FeatureIndex, KeysMustAscendBelowTheWidth) {
  EXPECT_THROW(FeatureIndex(10, {3, 3}), std::invalid_argument);
  EXPECT_THROW(FeatureIndex(10, {4, 2}), std::invalid_argument);
  EXPECT_THROW(FeatureIndex(10, {10}), std::invalid_argument);
}

}  // namespace
}  // namespace linlearn
