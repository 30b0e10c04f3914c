// The documented grid of nearby settings for num_models > 1 (see model_grid.h).
#include "linlearn/model_grid.h"

#include <algorithm>
#include <cmath>

namespace linlearn {
namespace {

// Row 5 of the grid: ftrl and adagrad (made for sparse data) trade places, the others try adam or sgd.
OptimizerKind other_optimizer(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kFtrl:
      return OptimizerKind::kAdagrad;
    case OptimizerKind::kAdagrad:
      return OptimizerKind::kFtrl;
    case OptimizerKind::kAdam:
      return OptimizerKind::kSgd;
    default:
      return OptimizerKind::kAdam;
  }
}

}  // namespace

std::vector<ModelSettings> build_model_grid(const ModelSettings& base, int num_models,
                                            const std::function<double(OptimizerKind)>& default_learning_rate) {
  std::vector<ModelSettings> models{base};
  const double nearby_wd = std::max(10 * base.wd, 1e-5);
  const double nearby_l1 = std::max(10 * base.l1, 1e-5);
  for (int m = 1; m < num_models; ++m) {
    ModelSettings s = base;
    const int round = (m - 1) / 7;
    switch ((m - 1) % 7) {
      case 0:
        s.learning_rate *= 0.3;
        break;
      case 1:
        s.learning_rate *= 3;
        break;
      case 2:
        s.learning_rate *= 0.1;
        break;
      case 3:
        s.wd = nearby_wd;
        break;
      case 4:
        s.optimizer.kind = other_optimizer(base.optimizer.kind);
        s.optimizer.momentum = s.optimizer.kind == OptimizerKind::kSgd ? 0.9 : 0.0;
        s.learning_rate = default_learning_rate(s.optimizer.kind);
        break;
      case 5:
        s.l1 = nearby_l1;
        break;
      case 6:
        s.learning_rate *= 3;
        s.wd = nearby_wd;
        break;
    }
    if (round > 0) s.learning_rate *= std::pow(2.0, (round % 2 == 1 ? -1 : 1) * ((round + 1) / 2));
    models.push_back(s);
  }
  return models;
}

int auto_num_models(std::size_t weights) {
  const std::size_t fit = kAutoModelsStateBudget / std::max<std::size_t>(1, weights * kStateBytesPerWeight);
  return static_cast<int>(std::clamp<std::size_t>(fit, 1, kAutoNumModels));
}

}  // namespace linlearn
