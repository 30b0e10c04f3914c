#pragma once
// Register-tiled products of a few dense rows, each read in place, with a set of weight columns:
// the trainer's dense kernels, in the variant of the instruction set this CPU runs best
// (src/simd/kernels.h). Every sum runs in a fixed order, the same in every variant, so results
// depend only on the inputs.
#include <cstddef>

namespace linlearn::tiles {

// margins[r * columns + c] = rows[r] . columns_t[c * dim ...] for r < row_count, c < columns.
// `columns_t` holds the weight columns one after another (columns x dim, row-major).
void forward(const float* const* rows, std::size_t row_count, std::size_t dim, const float* columns_t,
             std::size_t columns, float* margins);

// Whether forward_by_feature() serves this many columns. It sums in another order than forward(),
// so the answer depends on the column count only, never on the CPU.
bool by_feature_applies(std::size_t columns);

// The same margins from the weights stored feature by feature (dim x columns, row-major), for many
// columns: each vector register holds one row's margins for a run of columns, fed by broadcasting
// the row's features, so no register ever needs a horizontal sum.
void forward_by_feature(const float* const* rows, std::size_t row_count, std::size_t dim, const float* by_feature,
                        std::size_t columns, float* margins);

// partial_t[c * dim + j] = sum over r of g[r * columns + c] * rows[r][j], rows added in order.
void backward(const float* const* rows, std::size_t row_count, std::size_t dim, const float* g, std::size_t columns,
              float* partial_t);

}  // namespace linlearn::tiles
