#include "config/auto_values.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "linlearn/errors.h"

namespace linlearn {
namespace {

// lr_scheduler_factor=auto decays the learning rate to this fraction of its start by the last epoch.
constexpr double kAutoFinalLrFraction = 1e-3;

bool fits(PredictorType type, LossKind loss) {
  switch (type) {
    case PredictorType::kBinary:
      return loss == LossKind::kLogistic || loss == LossKind::kHinge;
    case PredictorType::kMulticlass:
      return loss == LossKind::kSoftmax;
    case PredictorType::kRegressor:
      return loss != LossKind::kLogistic && loss != LossKind::kHinge && loss != LossKind::kSoftmax;
  }
  return false;
}

}  // namespace

double default_learning_rate(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kAdam:
      return 0.02;
    case OptimizerKind::kRmsprop:
      return 0.005;
    case OptimizerKind::kSgd:
      return 0.1;
    case OptimizerKind::kAdagrad:
      return kAutoAdagradLearningRate;
    case OptimizerKind::kFtrl:
      return kAutoFtrlLearningRate;
  }
  return 0.02;
}

double auto_learning_rate(const TrainConfig& c) {
  const OptimizerKind kind = c.models.front().optimizer.kind;
  const double rate = default_learning_rate(kind);
  // Adam steps every coordinate a gradient touches by about the full rate, so a rare sparse
  // feature moves at each of its occurrences as far as a common one. Beyond the records at which
  // the auto mini-batch reaches its cap, epochs take ever more steps, and at the full rate the
  // weights of rare features memorize their few records (bench/RESULTS.md o).
  const double records = static_cast<double>(c.data.records);
  if (kind != OptimizerKind::kAdam || !c.data.sparse || records <= kAdamFullRateRecords) return rate;
  return rate * std::sqrt(kAdamFullRateRecords / records);
}

LossKind default_loss(PredictorType type) {
  switch (type) {
    case PredictorType::kBinary:
      return LossKind::kLogistic;
    case PredictorType::kMulticlass:
      return LossKind::kSoftmax;
    case PredictorType::kRegressor:
      return LossKind::kSquared;
  }
  return LossKind::kLogistic;
}

void check_loss_fits(PredictorType type, LossKind loss) {
  if (!fits(type, loss))
    throw UsageError(
        fmt::format("--loss: '{}' does not fit predictor_type={}", loss_kind_name(loss), predictor_type_name(type)));
}

std::int64_t auto_mini_batch_size(std::size_t train_records) {
  const auto records = static_cast<std::int64_t>(train_records);
  return std::clamp<std::int64_t>((records + kAutoUpdatesPerEpoch - 1) / kAutoUpdatesPerEpoch, 1,
                                  kSageMakerMiniBatchSize);
}

int updates_per_epoch(std::size_t records, std::int64_t mini_batch_size) {
  return static_cast<int>(
      std::max<std::int64_t>(1, (static_cast<std::int64_t>(records) + mini_batch_size - 1) / mini_batch_size));
}

double auto_lr_scheduler_factor(const TrainConfig& c) {
  // Anneal to kAutoFinalLrFraction of the initial rate by the last epoch, whatever the epoch count:
  // a final iterate with little step noise is what reaches the peers' converged accuracy.
  if (c.updates_per_epoch < kMinUpdatesPerEpochToAnneal) return 1.0;
  const double updates = static_cast<double>(c.updates_per_epoch) * std::max(1, c.epochs - 1);
  return std::min(1.0, std::pow(kAutoFinalLrFraction, c.models.front().schedule.step / updates));
}

double balanced_positive_weight(const std::vector<double>& counts) {
  return counts.size() == 2 && counts[1] > 0 ? counts[0] / counts[1] : 1.0;
}

std::vector<double> class_weights(const TrainConfig& config, const std::vector<double>& counts) {
  if (config.predictor_type == PredictorType::kBinary)
    return config.weighting.positive_weight != 1.0 ? std::vector<double>{1.0, config.weighting.positive_weight}
                                                   : std::vector<double>{};
  if (config.predictor_type == PredictorType::kRegressor || !config.weighting.balance_multiclass) return {};
  const auto classes = static_cast<std::size_t>(config.num_classes);
  double n = 0;
  for (double c : counts) n += c;
  std::vector<double> per_class(classes, 1.0);
  for (std::size_t c = 0; c < classes && c < counts.size(); ++c)
    if (counts[c] > 0) per_class[c] = n / (static_cast<double>(classes) * counts[c]);
  return per_class;
}

}  // namespace linlearn
