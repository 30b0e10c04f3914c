#include "dense_tiles.h"

#include "simd/kernels.h"

namespace linlearn::tiles {

bool by_feature_applies(std::size_t columns) {
  return columns >= 8 && columns % 8 == 0;
}

void forward(const float* const* rows, std::size_t row_count, std::size_t dim, const float* columns_t,
             std::size_t columns, float* margins) {
  simd::kernels().forward(rows, row_count, dim, columns_t, columns, margins);
}

void forward_by_feature(const float* const* rows, std::size_t row_count, std::size_t dim, const float* by_feature,
                        std::size_t columns, float* margins) {
  simd::kernels().forward_by_feature(rows, row_count, dim, by_feature, columns, margins);
}

void backward(const float* const* rows, std::size_t row_count, std::size_t dim, const float* g, std::size_t columns,
              float* partial_t) {
  simd::kernels().backward(rows, row_count, dim, g, columns, partial_t);
}

}  // namespace linlearn::tiles
