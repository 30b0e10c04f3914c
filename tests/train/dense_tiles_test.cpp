#include "train/dense_tiles.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "train/tile_problem.h"

namespace linlearn {
namespace {

// Every tile shape and remainder (rows 1..19, dims that are and are not a multiple of the vector
// width, column counts on both sides of each path's threshold) against sums in double.
TEST(DenseTiles, ForwardAndBackwardMatchPlainSums) {
  for (std::size_t row_count : {1U, 2U, 3U, 7U, 8U, 13U, 19U})
    for (std::size_t dim : {5U, 37U, 64U})
      for (std::size_t columns : {1U, 4U, 7U, 8U, 16U, 48U}) {
        SCOPED_TRACE(::testing::Message() << row_count << " rows, dim " << dim << ", " << columns << " columns");
        const auto p = testing::make_tile_problem(row_count, dim, columns, false);
        std::vector<float> margins(row_count * columns), by_feature_margins(row_count * columns);
        tiles::forward(p.row_pointers.data(), row_count, dim, p.columns_t.data(), columns, margins.data());
        const bool by_feature = tiles::by_feature_applies(columns);
        if (by_feature)
          tiles::forward_by_feature(p.row_pointers.data(), row_count, dim, p.by_feature.data(), columns,
                                    by_feature_margins.data());
        std::vector<float> partial(columns * dim, 0.5F);  // overwritten, not added to
        tiles::backward(p.row_pointers.data(), row_count, dim, p.g.data(), columns, partial.data());
        for (std::size_t r = 0; r < row_count; ++r)
          for (std::size_t c = 0; c < columns; ++c) {
            double expected = 0;
            for (std::size_t j = 0; j < dim; ++j) expected += double{p.rows[r][j]} * p.columns_t[c * dim + j];
            EXPECT_NEAR(margins[r * columns + c], expected, 1e-4 * (1 + std::abs(expected)));
            if (by_feature) {
              EXPECT_NEAR(by_feature_margins[r * columns + c], expected, 1e-4 * (1 + std::abs(expected)));
            }
          }
        for (std::size_t c = 0; c < columns; ++c)
          for (std::size_t j = 0; j < dim; ++j) {
            double expected = 0;
            for (std::size_t r = 0; r < row_count; ++r) expected += double{p.g[r * columns + c]} * p.rows[r][j];
            EXPECT_NEAR(partial[c * dim + j], expected, 1e-4 * (1 + std::abs(expected)));
          }
      }
}

}  // namespace
}  // namespace linlearn
