#pragma once
// One check that two data sets hold the same records, shared by the reader and cache tests.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>

#include "linlearn/dataset.h"

namespace linlearn::testing {

inline void expect_same_records(const Dataset& actual, const Dataset& expected) {
  EXPECT_EQ(actual.sparse, expected.sparse);
  EXPECT_EQ(actual.feature_dim, expected.feature_dim);
  EXPECT_EQ(actual.labels, expected.labels);
  EXPECT_EQ(actual.dense, expected.dense);
  EXPECT_EQ(actual.row_ptr, expected.row_ptr);
  EXPECT_EQ(actual.col_idx, expected.col_idx);
  // Values compare by bits, stored plain or as codes (so -0 and 0 differ).
  ASSERT_EQ(actual.nonzeros(), expected.nonzeros());
  if (!actual.sparse) return;
  for (std::uint64_t k = 0; k < actual.col_idx.size(); ++k)
    ASSERT_EQ(std::bit_cast<std::uint32_t>(actual.value(k)), std::bit_cast<std::uint32_t>(expected.value(k))) << k;
}

}  // namespace linlearn::testing
