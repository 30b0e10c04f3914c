// The rule for bringing sparse records to the dense layout (see densify.h).
#include "linlearn/densify.h"

namespace linlearn {

bool dense_enough(double rows, double nonzeros, std::size_t feature_dim) {
  const double cells = rows * static_cast<double>(feature_dim);
  return cells > 0 && nonzeros >= kDenseEnoughShare * cells;
}

bool dense_copy_fits(std::size_t held_bytes, std::size_t rows, std::size_t feature_dim, std::size_t max_memory) {
  // In doubles: rows x feature_dim of wide data can pass what a size_t holds.
  const double dense_bytes = static_cast<double>(rows) * static_cast<double>(feature_dim) * sizeof(float);
  return static_cast<double>(held_bytes) + dense_bytes <= static_cast<double>(max_memory);
}

}  // namespace linlearn
