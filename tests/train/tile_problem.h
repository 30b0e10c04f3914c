#pragma once
// Random inputs for the dense tile kernels (src/train/dense_tiles.h, src/simd): rows, the weights
// both by column and by feature, and the gradient of every row and column.
#include <cmath>
#include <cstddef>
#include <vector>

#include "linlearn/random.h"

namespace linlearn::testing {

struct TileProblem {
  std::vector<std::vector<float>> rows;
  std::vector<const float*> row_pointers;
  std::vector<float> columns_t;   // columns x dim
  std::vector<float> by_feature;  // dim x columns
  std::vector<float> g;           // rows x columns
};

// Standard normal values; with `mixed_magnitudes`, each also scaled by a random power of two, so
// that the roundings of a multiply then an add and of a fused multiply-add often differ.
inline TileProblem make_tile_problem(std::size_t row_count, std::size_t dim, std::size_t columns,
                                     bool mixed_magnitudes) {
  Rng rng(5, RandomStream::kShuffle, row_count * 10000 + dim * 100 + columns);
  const auto draw = [&] {
    const double scale = mixed_magnitudes ? std::exp2(std::floor(rng.normal() * 4)) : 1.0;
    return static_cast<float>(rng.normal() * scale);
  };
  TileProblem p;
  p.rows.assign(row_count, std::vector<float>(dim));
  for (auto& row : p.rows)
    for (float& v : row) v = draw();
  for (const auto& row : p.rows) p.row_pointers.push_back(row.data());
  p.columns_t.resize(columns * dim);
  for (float& v : p.columns_t) v = draw();
  p.by_feature.resize(dim * columns);
  for (std::size_t c = 0; c < columns; ++c)
    for (std::size_t j = 0; j < dim; ++j) p.by_feature[j * columns + c] = p.columns_t[c * dim + j];
  p.g.resize(row_count * columns);
  for (float& v : p.g) v = draw();
  return p;
}

}  // namespace linlearn::testing
