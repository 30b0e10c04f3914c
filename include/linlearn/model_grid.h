#pragma once
// The settings of the `num_models` models trained side by side (SPEC section 4).
//
// Model 0 uses the given settings. Model m >= 1 takes row (m - 1) % 7 of this grid, each a small
// step away from model 0:
//   1: learning_rate x 0.3          4: wd = max(10 wd, 1e-5)
//   2: learning_rate x 3            5: the other optimizer (adam <-> sgd, ftrl <-> adagrad; rmsprop ->
//                                      adam) at its own auto learning rate
//   3: learning_rate x 0.1          6: l1 = max(10 l1, 1e-5)
//                                   7: learning_rate x 3 and wd = max(10 wd, 1e-5)
// Every further round of 7 (r = (m - 1) / 7 >= 1) also scales the learning rate by 2^-1, 2^1, 2^-2, 2^2, ...
#include <cstddef>
#include <functional>
#include <vector>

#include "linlearn/config.h"

namespace linlearn {

// What num_models=auto resolves to: a small grid is cheap because all models share each pass over a batch.
inline constexpr int kAutoNumModels = 8;
// ...but for wide models (sparse data with 2^20 features and more) each model's state is large and
// each model costs its own pass over that state, so `auto` keeps all models' state (about
// kStateBytesPerWeight per weight: the weights, the best epoch's copy, two optimizer moments and a
// gradient) within this budget, down to one model.
inline constexpr std::size_t kAutoModelsStateBudget = std::size_t{64} << 20;
inline constexpr std::size_t kStateBytesPerWeight = 20;

// How many models num_models=auto trains for `weights` weights per model.
int auto_num_models(std::size_t weights);

std::vector<ModelSettings> build_model_grid(const ModelSettings& base, int num_models,
                                            const std::function<double(OptimizerKind)>& default_learning_rate);

}  // namespace linlearn
