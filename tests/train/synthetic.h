#pragma once
// Seeded synthetic data sets built in code for trainer tests.
#include <cmath>

#include "linlearn/dataset.h"
#include "linlearn/random.h"

namespace linlearn::testing {

// Logistic data: features on very different scales, labels drawn from a known linear model.
inline Dataset logistic_data(std::size_t rows, std::size_t dim, std::uint64_t seed) {
  Rng rng(seed, RandomStream::kShuffle, 99);
  Dataset d;
  d.feature_dim = dim;
  for (std::size_t r = 0; r < rows; ++r) {
    double margin = 0.3;
    for (std::size_t j = 0; j < dim; ++j) {
      const double scale = std::pow(10.0, static_cast<double>(j % 4) - 1.0);
      const double x = rng.normal() * scale + 2 * scale;
      d.dense.push_back(static_cast<float>(x));
      margin += (j % 2 == 0 ? 1.5 : -1.0) * (x - 2 * scale) / scale;
    }
    d.labels.push_back(rng.uniform() < 1 / (1 + std::exp(-margin)) ? 1.0F : 0.0F);
  }
  return d;
}

}  // namespace linlearn::testing
