#include "dense_tiles.h"

#include <algorithm>
#include <cstring>

namespace linlearn::tiles {
namespace {

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

// margins of R rows for V * kLanes columns starting at `column`: R x V accumulators (at most 16
// of the 32 vector registers), each step one broadcast feature per row against V weight vectors.
template <std::size_t R, std::size_t V>
void forward_by_feature_tile(const float* const* x, std::size_t dim, const float* by_feature, std::size_t columns,
                             std::size_t column, float* out, const float* const* next) {
  FloatVec acc[R][V] = {};
  const float* w = by_feature + column;
  for (std::size_t j = 0; j < dim; ++j, w += columns) {
    if (next != nullptr && j % kLanes == 0)
      for (std::size_t r = 0; r < R; ++r) __builtin_prefetch(next[r] + j, 0, 1);
    FloatVec wv[V];
    for (std::size_t v = 0; v < V; ++v) wv[v] = load(w + v * kLanes);
    for (std::size_t r = 0; r < R; ++r) {
      const float xj = x[r][j];
      for (std::size_t v = 0; v < V; ++v) acc[r][v] += xj * wv[v];
    }
  }
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t v = 0; v < V; ++v) store(out + r * columns + column + v * kLanes, acc[r][v]);
}

// `next`, when not null, holds the rows of the next tile, fetched while the first column block of
// this one computes (as in forward_tile).
template <std::size_t R>
void forward_by_feature_rows(const float* const* x, std::size_t dim, const float* by_feature, std::size_t columns,
                             float* out, const float* const* next) {
  std::size_t c = 0;
  for (; c + 2 * kLanes <= columns; c += 2 * kLanes, next = nullptr)
    forward_by_feature_tile<R, 2>(x, dim, by_feature, columns, c, out, next);
  for (; c < columns; c += kLanes, next = nullptr)
    forward_by_feature_tile<R, 1>(x, dim, by_feature, columns, c, out, next);
}

// partial_t for C columns from `column` and V vectors of features from `j`, summed over all rows
// in registers (C x V accumulators), then stored once.
template <std::size_t C, std::size_t V>
void backward_tile_of_all_rows(const float* const* x, std::size_t row_count, std::size_t dim, const float* g,
                               std::size_t columns, std::size_t column, std::size_t j, float* partial_t) {
  FloatVec acc[C][V] = {};
  for (std::size_t r = 0; r < row_count; ++r) {
    FloatVec xv[V];
    for (std::size_t v = 0; v < V; ++v) xv[v] = load(x[r] + j + v * kLanes);
    const float* gr = g + r * columns + column;
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t v = 0; v < V; ++v) acc[c][v] += gr[c] * xv[v];
  }
  for (std::size_t c = 0; c < C; ++c)
    for (std::size_t v = 0; v < V; ++v) {
      store(partial_t + (column + c) * dim + j + v * kLanes, acc[c][v]);
    }
}

template <std::size_t V>
void backward_columns_of_all_rows(const float* const* x, std::size_t row_count, std::size_t dim, const float* g,
                                  std::size_t columns, std::size_t j, float* partial_t) {
  constexpr std::size_t kColumns = 8;
  std::size_t c = 0;
  for (; c + kColumns <= columns; c += kColumns)
    backward_tile_of_all_rows<kColumns, V>(x, row_count, dim, g, columns, c, j, partial_t);
  for (; c < columns; ++c) backward_tile_of_all_rows<1, V>(x, row_count, dim, g, columns, c, j, partial_t);
}

}  // namespace

bool by_feature_applies(std::size_t columns) {
  return columns >= kLanes && columns % kLanes == 0;
}

void forward_by_feature(const float* const* rows, std::size_t row_count, std::size_t dim, const float* by_feature,
                        std::size_t columns, float* margins) {
  constexpr std::size_t kRows = 8;
  std::size_t r = 0;
  for (; r + kRows <= row_count; r += kRows)
    forward_by_feature_rows<kRows>(rows + r, dim, by_feature, columns, margins + r * columns,
                                   r + 2 * kRows <= row_count ? rows + r + kRows : nullptr);
  // The last rows in tiles of 4, 2 and 1: a one-row tile loads a weight vector per multiply.
  if (r + 4 <= row_count) {
    forward_by_feature_rows<4>(rows + r, dim, by_feature, columns, margins + r * columns, nullptr);
    r += 4;
  }
  if (r + 2 <= row_count) {
    forward_by_feature_rows<2>(rows + r, dim, by_feature, columns, margins + r * columns, nullptr);
    r += 2;
  }
  if (r < row_count) forward_by_feature_rows<1>(rows + r, dim, by_feature, columns, margins + r * columns, nullptr);
}

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
  if (columns >= 8) {
    // A run of features of every row of the chunk (a few KB) stays in L1 while the column blocks
    // sweep it; partial_t is read and written once per run instead of once per four rows.
    std::size_t j = 0;
    for (; j + 2 * kLanes <= dim; j += 2 * kLanes)
      backward_columns_of_all_rows<2>(rows, row_count, dim, g, columns, j, partial_t);
    for (; j + kLanes <= dim; j += kLanes)
      backward_columns_of_all_rows<1>(rows, row_count, dim, g, columns, j, partial_t);
    for (std::size_t c = 0; c < columns; ++c)
      for (std::size_t t = j; t < dim; ++t) {
        float s = 0;
        for (std::size_t r = 0; r < row_count; ++r) s += g[r * columns + c] * rows[r][t];
        partial_t[c * dim + t] = s;
      }
    return;
  }
  std::fill_n(partial_t, columns * dim, 0.0F);
  std::size_t r = 0;
  for (; r + kTileRows <= row_count; r += kTileRows)
    backward_rows<kTileRows>(rows + r, dim, g + r * columns, columns, partial_t);
  for (; r < row_count; ++r) backward_rows<1>(rows + r, dim, g + r * columns, columns, partial_t);
}

}  // namespace linlearn::tiles
