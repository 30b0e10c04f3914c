#include "dense_tiles.h"

#include <cstring>

namespace linlearn::tiles {
namespace {

// As wide as the build's vector registers, so that a tile's accumulators stay in registers.
#if defined(__AVX512F__)
constexpr std::size_t kLanes = 16;
#elif defined(__AVX__)
constexpr std::size_t kLanes = 8;
#else
constexpr std::size_t kLanes = 4;
#endif
using FloatVec = float __attribute__((vector_size(kLanes * sizeof(float))));

constexpr std::size_t kTileRows = 4;
constexpr std::size_t kTileColumns = 4;

FloatVec load(const float* p) {
  FloatVec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void store(float* p, FloatVec v) {
  std::memcpy(p, &v, sizeof v);
}

float lane_sum(FloatVec v) {
  float s = 0;
  for (std::size_t i = 0; i < kLanes; ++i) s += v[i];
  return s;
}

// `next`, when not null, holds the rows of the next tile: shuffled rows are scattered in memory,
// so fetching them while this tile computes hides the memory latency the prefetcher cannot.
template <std::size_t R, std::size_t C>
void forward_tile(const float* const* x, std::size_t dim, const float* w, std::size_t columns, float* out,
                  const float* const* next) {
  FloatVec acc[R][C] = {};
  std::size_t j = 0;
  for (; j + kLanes <= dim; j += kLanes) {
    FloatVec xv[R];
    for (std::size_t r = 0; r < R; ++r) xv[r] = load(x[r] + j);
    if (next != nullptr)
      for (std::size_t r = 0; r < kTileRows; ++r) __builtin_prefetch(next[r] + j);
    for (std::size_t c = 0; c < C; ++c) {
      const FloatVec wv = load(w + c * dim + j);
      for (std::size_t r = 0; r < R; ++r) acc[r][c] += xv[r] * wv;
    }
  }
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t c = 0; c < C; ++c) {
      float s = lane_sum(acc[r][c]);
      for (std::size_t t = j; t < dim; ++t) s += x[r][t] * w[c * dim + t];
      out[r * columns + c] = s;
    }
}

template <std::size_t R, std::size_t C>
void backward_tile(const float* const* x, std::size_t dim, const float* g, std::size_t columns, float* p) {
  float gv[R][C];
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t c = 0; c < C; ++c) gv[r][c] = g[r * columns + c];
  std::size_t j = 0;
  for (; j + kLanes <= dim; j += kLanes) {
    FloatVec xv[R];
    for (std::size_t r = 0; r < R; ++r) xv[r] = load(x[r] + j);
    for (std::size_t c = 0; c < C; ++c) {
      FloatVec pv = load(p + c * dim + j);
      for (std::size_t r = 0; r < R; ++r) pv += gv[r][c] * xv[r];
      store(p + c * dim + j, pv);
    }
  }
  for (std::size_t c = 0; c < C; ++c)
    for (std::size_t t = j; t < dim; ++t) {
      float s = p[c * dim + t];
      for (std::size_t r = 0; r < R; ++r) s += gv[r][c] * x[r][t];
      p[c * dim + t] = s;
    }
}

template <std::size_t R>
void forward_rows(const float* const* x, std::size_t dim, const float* columns_t, std::size_t columns, float* out,
                  const float* const* next) {
  std::size_t c = 0;
  for (; c + kTileColumns <= columns; c += kTileColumns, next = nullptr)
    forward_tile<R, kTileColumns>(x, dim, columns_t + c * dim, columns, out + c, next);
  for (; c < columns; ++c, next = nullptr) forward_tile<R, 1>(x, dim, columns_t + c * dim, columns, out + c, next);
}

template <std::size_t R>
void backward_rows(const float* const* x, std::size_t dim, const float* g, std::size_t columns, float* partial_t) {
  std::size_t c = 0;
  for (; c + kTileColumns <= columns; c += kTileColumns)
    backward_tile<R, kTileColumns>(x, dim, g + c, columns, partial_t + c * dim);
  for (; c < columns; ++c) backward_tile<R, 1>(x, dim, g + c, columns, partial_t + c * dim);
}

}  // namespace

void forward(const float* const* rows, std::size_t row_count, std::size_t dim, const float* columns_t,
             std::size_t columns, float* margins) {
  std::size_t r = 0;
  for (; r + kTileRows <= row_count; r += kTileRows)
    forward_rows<kTileRows>(rows + r, dim, columns_t, columns, margins + r * columns,
                            r + 2 * kTileRows <= row_count ? rows + r + kTileRows : nullptr);
  for (; r < row_count; ++r) forward_rows<1>(rows + r, dim, columns_t, columns, margins + r * columns, nullptr);
}

void backward(const float* const* rows, std::size_t row_count, std::size_t dim, const float* g, std::size_t columns,
              float* partial_t) {
  std::size_t r = 0;
  for (; r + kTileRows <= row_count; r += kTileRows)
    backward_rows<kTileRows>(rows + r, dim, g + r * columns, columns, partial_t);
  for (; r < row_count; ++r) backward_rows<1>(rows + r, dim, g + r * columns, columns, partial_t);
}

}  // namespace linlearn::tiles
