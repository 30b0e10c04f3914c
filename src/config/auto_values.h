#pragma once
// What the `auto` values of the hyperparameter table resolve to, and the checks between values.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "linlearn/config.h"

namespace linlearn {

// learning_rate=auto of adagrad and ftrl (not tuned on the bench sets yet; see README).
inline constexpr double kAutoAdagradLearningRate = 0.5;
inline constexpr double kAutoFtrlLearningRate = 0.5;

double default_learning_rate(OptimizerKind kind);
// learning_rate=auto for model 0: the optimizer's default, scaled down for adam on sparse data of
// more than kAdamFullRateRecords training records, by the square root of the excess.
inline constexpr double kAdamFullRateRecords = 100000;
double auto_learning_rate(const TrainConfig& config);
LossKind default_loss(PredictorType type);
// UsageError when `loss` does not fit the predictor type (hinge_loss for a regressor).
void check_loss_fits(PredictorType type, LossKind loss);

// Mini-batches an epoch over `records` takes (at least 1).
int updates_per_epoch(std::size_t records, std::int64_t mini_batch_size);
// lr_scheduler_factor=auto: anneals to 1/1000 of the initial rate by the last epoch, or 1 when an
// epoch has fewer than kMinUpdatesPerEpochToAnneal updates.
double auto_lr_scheduler_factor(const TrainConfig& config);
// positive_example_weight_mult=balanced: negatives / positives (1 without positives).
double balanced_positive_weight(const std::vector<double>& class_counts);
// Per class, as the weighting settings and the class counts give them; empty when all weigh 1.
std::vector<double> class_weights(const TrainConfig& config, const std::vector<double>& class_counts);

}  // namespace linlearn
