#pragma once
// The settings of the `num_models` models trained side by side (SPEC section 4).
//
// Model 0 uses the given settings. Model m >= 1 takes row (m - 1) % 7 of this grid, each a small
// step away from model 0:
//   1: learning_rate x 0.3          4: wd = max(10 wd, 1e-5)
//   2: learning_rate x 3            5: the other optimizer (adam <-> sgd) at its own auto learning rate
//   3: learning_rate x 0.1          6: l1 = max(10 l1, 1e-5)
//                                   7: learning_rate x 3 and wd = max(10 wd, 1e-5)
// Every further round of 7 (r = (m - 1) / 7 >= 1) also scales the learning rate by 2^-1, 2^1, 2^-2, 2^2, ...
#include <functional>
#include <vector>

#include "linlearn/config.h"

namespace linlearn {

// What num_models=auto resolves to: a small grid is cheap because all models share each pass over a batch.
inline constexpr int kAutoNumModels = 8;

std::vector<ModelSettings> build_model_grid(const ModelSettings& base, int num_models,
                                            const std::function<double(OptimizerKind)>& default_learning_rate);

}  // namespace linlearn
