#pragma once
// The dense kernels of kernels.h, written once over a variant's vector operations `Ops`:
//   Ops::Wide           its widest float vector (4, 8 or 16 lanes)
//   Ops::madd(a, b, c)  a * b + c rounded once, for float, Vec8 and Wide
//   Ops::kDotRows, kDotColumns, kByFeatureRows, kBackwardColumns: tile shapes for its registers
// Tile shapes and vector widths change which sums run side by side, never the order of the
// operations of any one output, so every variant computes the same bits.
// Register-tiled products of a few dense rows, each read in place, with a set of weight columns:
// gathering a shuffled mini-batch into a contiguous block for a GEMM copies every row and packs it
// again; tiling a handful of rows against a handful of columns in vector registers reads each row
// once from memory and keeps the FMA units busy instead.
// Everything has internal linkage, and nothing here calls an inline function of another header:
// a variant's code must never stand in for another variant's at link time.
#include <cstddef>

#include "simd/kernels.h"

namespace linlearn::simd {
namespace {

typedef float Vec8 __attribute__((vector_size(8 * sizeof(float))));

template <class V>
constexpr std::size_t kLanesOf = sizeof(V) / sizeof(float);

template <class V>
V load(const float* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

template <class V>
void store(float* p, V v) {
  __builtin_memcpy(p, &v, sizeof v);
}

// Every lane x: x - 0 is x exactly, -0 included (0 + x would turn -0 into +0), and compiles to
// one broadcast where a loop over the lanes may not.
template <class V>
V splat(float x) {
  return x - V{};
}

// The eight lanes of a dot product, added in a fixed tree.
inline float add_lanes(Vec8 v) {
  return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

template <class Ops>
struct Tiles {
  using Wide = typename Ops::Wide;
  static constexpr std::size_t kWide = kLanesOf<Wide>;

  // `next`, when not null, holds the rows of the next tile: shuffled rows are scattered in memory,
  // so fetching them while this tile computes hides the memory latency the prefetcher cannot.
  template <std::size_t R, std::size_t C>
  static void dot_tile(const float* const* x, std::size_t dim, const float* w, std::size_t columns, float* out,
                       const float* const* next) {
    Vec8 acc[R][C] = {};
    std::size_t j = 0;
    for (; j + 8 <= dim; j += 8) {
      Vec8 xv[R];
      for (std::size_t r = 0; r < R; ++r) xv[r] = load<Vec8>(x[r] + j);
      if (next != nullptr && j % 16 == 0)
        for (std::size_t r = 0; r < Ops::kDotRows; ++r) __builtin_prefetch(next[r] + j);
      for (std::size_t c = 0; c < C; ++c) {
        const Vec8 wv = load<Vec8>(w + c * dim + j);
        for (std::size_t r = 0; r < R; ++r) acc[r][c] = Ops::madd(xv[r], wv, acc[r][c]);
      }
    }
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t c = 0; c < C; ++c) {
        float s = add_lanes(acc[r][c]);
        for (std::size_t t = j; t < dim; ++t) s = Ops::madd(x[r][t], w[c * dim + t], s);
        out[r * columns + c] = s;
      }
  }

  template <std::size_t R>
  static void dot_rows(const float* const* x, std::size_t dim, const float* columns_t, std::size_t columns, float* out,
                       const float* const* next) {
    constexpr std::size_t kC = Ops::kDotColumns;
    std::size_t c = 0;
    for (; c + kC <= columns; c += kC, next = nullptr)
      dot_tile<R, kC>(x, dim, columns_t + c * dim, columns, out + c, next);
    for (; c < columns; ++c, next = nullptr) dot_tile<R, 1>(x, dim, columns_t + c * dim, columns, out + c, next);
  }

  static void forward(const float* const* rows, std::size_t row_count, std::size_t dim, const float* columns_t,
                      std::size_t columns, float* margins) {
    constexpr std::size_t kR = Ops::kDotRows;
    std::size_t r = 0;
    for (; r + kR <= row_count; r += kR)
      dot_rows<kR>(rows + r, dim, columns_t, columns, margins + r * columns,
                   r + 2 * kR <= row_count ? rows + r + kR : nullptr);
    for (; r < row_count; ++r) dot_rows<1>(rows + r, dim, columns_t, columns, margins + r * columns, nullptr);
  }

  // Margins of R rows for NV vectors V of columns from `column`: R x NV accumulators, each step one
  // broadcast feature per row against NV weight vectors, so no register needs a horizontal sum.
  template <class V, std::size_t R, std::size_t NV>
  static void by_feature_tile(const float* const* x, std::size_t dim, const float* by_feature, std::size_t columns,
                              std::size_t column, float* out, const float* const* next) {
    constexpr std::size_t kL = kLanesOf<V>;
    V acc[R][NV] = {};
    const float* w = by_feature + column;
    for (std::size_t j = 0; j < dim; ++j, w += columns) {
      if (next != nullptr && j % 16 == 0)
        for (std::size_t r = 0; r < R; ++r) __builtin_prefetch(next[r] + j, 0, 1);
      V wv[NV];
      for (std::size_t v = 0; v < NV; ++v) wv[v] = load<V>(w + v * kL);
      for (std::size_t r = 0; r < R; ++r) {
        const V xj = splat<V>(x[r][j]);
        for (std::size_t v = 0; v < NV; ++v) acc[r][v] = Ops::madd(xj, wv[v], acc[r][v]);
      }
    }
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t v = 0; v < NV; ++v) store(out + r * columns + column + v * kL, acc[r][v]);
  }

  // `next` as in dot_tile, fetched while the first column block computes.
  template <std::size_t R>
  static void by_feature_rows(const float* const* x, std::size_t dim, const float* by_feature, std::size_t columns,
                              float* out, const float* const* next) {
    std::size_t c = 0;
    for (; c + 2 * kWide <= columns; c += 2 * kWide, next = nullptr)
      by_feature_tile<Wide, R, 2>(x, dim, by_feature, columns, c, out, next);
    for (; c + kWide <= columns; c += kWide, next = nullptr)
      by_feature_tile<Wide, R, 1>(x, dim, by_feature, columns, c, out, next);
    for (; c + 8 <= columns; c += 8, next = nullptr)
      by_feature_tile<Vec8, R, 1>(x, dim, by_feature, columns, c, out, next);
  }

  static void forward_by_feature(const float* const* rows, std::size_t row_count, std::size_t dim,
                                 const float* by_feature, std::size_t columns, float* margins) {
    constexpr std::size_t kR = Ops::kByFeatureRows;
    std::size_t r = 0;
    for (; r + kR <= row_count; r += kR)
      by_feature_rows<kR>(rows + r, dim, by_feature, columns, margins + r * columns,
                          r + 2 * kR <= row_count ? rows + r + kR : nullptr);
    // The last rows in tiles of 4, 2 and 1: a one-row tile loads a weight vector per multiply.
    if (kR > 4 && r + 4 <= row_count) {
      by_feature_rows<4>(rows + r, dim, by_feature, columns, margins + r * columns, nullptr);
      r += 4;
    }
    for (; r + 2 <= row_count; r += 2)
      by_feature_rows<2>(rows + r, dim, by_feature, columns, margins + r * columns, nullptr);
    if (r < row_count) by_feature_rows<1>(rows + r, dim, by_feature, columns, margins + r * columns, nullptr);
  }

  // partial_t for C columns from `column` and NV vectors V of features from `j`, summed over all
  // rows in registers (C x NV accumulators), then stored once.
  template <class V, std::size_t C, std::size_t NV>
  static void all_rows_tile(const float* const* x, std::size_t row_count, std::size_t dim, const float* g,
                            std::size_t columns, std::size_t column, std::size_t j, float* partial_t) {
    constexpr std::size_t kL = kLanesOf<V>;
    V acc[C][NV] = {};
    for (std::size_t r = 0; r < row_count; ++r) {
      V xv[NV];
      for (std::size_t v = 0; v < NV; ++v) xv[v] = load<V>(x[r] + j + v * kL);
      const float* gr = g + r * columns + column;
      for (std::size_t c = 0; c < C; ++c) {
        const V gv = splat<V>(gr[c]);
        for (std::size_t v = 0; v < NV; ++v) acc[c][v] = Ops::madd(gv, xv[v], acc[c][v]);
      }
    }
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t v = 0; v < NV; ++v) store(partial_t + (column + c) * dim + j + v * kL, acc[c][v]);
  }

  template <class V, std::size_t NV>
  static void all_rows_columns(const float* const* x, std::size_t row_count, std::size_t dim, const float* g,
                               std::size_t columns, std::size_t j, float* partial_t) {
    constexpr std::size_t kC = Ops::kBackwardColumns;
    std::size_t c = 0;
    for (; c + kC <= columns; c += kC) all_rows_tile<V, kC, NV>(x, row_count, dim, g, columns, c, j, partial_t);
    for (; c < columns; ++c) all_rows_tile<V, 1, NV>(x, row_count, dim, g, columns, c, j, partial_t);
  }

  // partial_t of C columns += the products of R rows, added row by row (few columns: the
  // all-rows tiles would leave too few independent sums to cover the FMA latency).
  template <std::size_t R, std::size_t C>
  static void rows_tile(const float* const* x, std::size_t dim, const float* g, std::size_t columns, float* p) {
    float gv[R][C];
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t c = 0; c < C; ++c) gv[r][c] = g[r * columns + c];
    std::size_t j = 0;
    for (; j + kWide <= dim; j += kWide) {
      Wide xv[R];
      for (std::size_t r = 0; r < R; ++r) xv[r] = load<Wide>(x[r] + j);
      for (std::size_t c = 0; c < C; ++c) {
        Wide pv = load<Wide>(p + c * dim + j);
        for (std::size_t r = 0; r < R; ++r) pv = Ops::madd(splat<Wide>(gv[r][c]), xv[r], pv);
        store(p + c * dim + j, pv);
      }
    }
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t t = j; t < dim; ++t) {
        float s = p[c * dim + t];
        for (std::size_t r = 0; r < R; ++r) s = Ops::madd(gv[r][c], x[r][t], s);
        p[c * dim + t] = s;
      }
  }

  template <std::size_t R>
  static void rows_columns(const float* const* x, std::size_t dim, const float* g, std::size_t columns,
                           float* partial_t) {
    constexpr std::size_t kC = 4;
    std::size_t c = 0;
    for (; c + kC <= columns; c += kC) rows_tile<R, kC>(x, dim, g + c, columns, partial_t + c * dim);
    for (; c < columns; ++c) rows_tile<R, 1>(x, dim, g + c, columns, partial_t + c * dim);
  }

  static void backward(const float* const* rows, std::size_t row_count, std::size_t dim, const float* g,
                       std::size_t columns, float* partial_t) {
    if (columns < 8) {
      for (std::size_t i = 0; i < columns * dim; ++i) partial_t[i] = 0;
      std::size_t r = 0;
      for (; r + 4 <= row_count; r += 4) rows_columns<4>(rows + r, dim, g + r * columns, columns, partial_t);
      for (; r < row_count; ++r) rows_columns<1>(rows + r, dim, g + r * columns, columns, partial_t);
      return;
    }
    // A run of features of every row of the chunk (a few KB) stays in L1 while the column blocks
    // sweep it; partial_t is written once per run instead of once per four rows.
    std::size_t j = 0;
    for (; j + 2 * kWide <= dim; j += 2 * kWide)
      all_rows_columns<Wide, 2>(rows, row_count, dim, g, columns, j, partial_t);
    for (; j + kWide <= dim; j += kWide) all_rows_columns<Wide, 1>(rows, row_count, dim, g, columns, j, partial_t);
    for (; j + 8 <= dim; j += 8) all_rows_columns<Vec8, 1>(rows, row_count, dim, g, columns, j, partial_t);
    for (std::size_t c = 0; c < columns; ++c)
      for (std::size_t t = j; t < dim; ++t) {
        float s = 0;
        for (std::size_t r = 0; r < row_count; ++r) s = Ops::madd(g[r * columns + c], rows[r][t], s);
        partial_t[c * dim + t] = s;
      }
  }

  // Scoring's dot product: a multiply, then an add (-ffp-contract=off keeps them apart).
  static float dot(const float* x, const float* w, std::size_t dim) {
    Vec8 lane = {};
    std::size_t j = 0;
    for (; j + 8 <= dim; j += 8) lane += load<Vec8>(x + j) * load<Vec8>(w + j);
    for (std::size_t k = 0; j < dim; ++j, ++k) lane[k] += x[j] * w[j];
    return add_lanes(lane);
  }
};

// The table of kernels.h for the variant of `Ops`.
template <class Ops>
constexpr Kernels kernel_table(Isa isa) {
  using T = Tiles<Ops>;
  return {isa, &T::forward, &T::forward_by_feature, &T::backward, &T::dot};
}

}  // namespace
}  // namespace linlearn::simd
