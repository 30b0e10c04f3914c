#pragma once
// Register-tiled products of a few dense rows, each read in place, with a set of weight columns.
// Gathering a shuffled mini-batch into a contiguous block for a GEMM copies every row and packs it
// again; tiling a handful of rows against a handful of columns in vector registers reads each row
// once from memory and keeps the FMA units busy instead. Every sum runs in a fixed order, so
// results depend only on the inputs.
#include <cstddef>

namespace linlearn::tiles {

// As wide as the build's vector registers, so that a tile's accumulators stay in registers.
#if defined(__AVX512F__)
inline constexpr std::size_t kLanes = 16;
#elif defined(__AVX__)
inline constexpr std::size_t kLanes = 8;
#else
inline constexpr std::size_t kLanes = 4;
#endif
using FloatVec = float __attribute__((vector_size(kLanes * sizeof(float))));

// margins[r * columns + c] = rows[r] . columns_t[c * dim ...] for r < row_count, c < columns.
// `columns_t` holds the weight columns one after another (columns x dim, row-major).
void forward(const float* const* rows, std::size_t row_count, std::size_t dim, const float* columns_t,
             std::size_t columns, float* margins);

// Whether forward_by_feature() serves this many columns: a multiple of the vector width.
bool by_feature_applies(std::size_t columns);

// The same margins from the weights stored feature by feature (dim x columns, row-major), for many
// columns: each vector register holds one row's margins for a run of columns, fed by broadcasting
// the row's features, so no register ever needs a horizontal sum.
void forward_by_feature(const float* const* rows, std::size_t row_count, std::size_t dim, const float* by_feature,
                        std::size_t columns, float* margins);

// partial_t[c * dim + j] = sum over r of g[r * columns + c] * rows[r][j], rows added in order.
// For many columns the sums over all rows stay in registers (see backward_tile_of_all_rows).
void backward(const float* const* rows, std::size_t row_count, std::size_t dim, const float* g, std::size_t columns,
              float* partial_t);

}  // namespace linlearn::tiles
