#pragma once
// One check that two data sets hold the same records, shared by the reader and cache tests.
#include <gtest/gtest.h>

#include "linlearn/dataset.h"

namespace linlearn::testing {

inline void expect_same_records(const Dataset& actual, const Dataset& expected) {
  EXPECT_EQ(actual.sparse, expected.sparse);
  EXPECT_EQ(actual.feature_dim, expected.feature_dim);
  EXPECT_EQ(actual.labels, expected.labels);
  EXPECT_EQ(actual.dense, expected.dense);
  EXPECT_EQ(actual.row_ptr, expected.row_ptr);
  EXPECT_EQ(actual.col_idx, expected.col_idx);
  EXPECT_EQ(actual.values, expected.values);
}

}  // namespace linlearn::testing
