#pragma once
// SageMaker Linear Learner's metric lines, in the grammar its metric definitions' regexes read
// (so that a tuning job or CloudWatch given Linear Learner's definitions finds linlearn's metrics):
//
//   #quality_metric: host=algo-1, epoch=3, train binary_classification_cross_entropy_objective <loss>=0.41
//   #quality_metric: host=algo-1, epoch=3, validation binary_classification_accuracy <score>=0.95
//   #progress_metric: host=algo-1, completed 26.7 %
//   #throughput_metric: host=algo-1, train throughput=81234.5 records/second
//   #quality_metric: host=algo-1, test binary_f_1.000 <score>=0.88        (final, no epoch)
//
// The objective is named as Linear Learner names it (`\S+_objective`), F-beta with its beta
// (`binary_f_\S+`) and top-k accuracy with its k (`multiclass_top_k_accuracy_\S+`).
#include <string>
#include <vector>

#include "linlearn/config.h"
#include "linlearn/metrics.h"
#include "linlearn/trainer.h"

namespace linlearn {

// The metric a predictor type is judged by first: binary_classification_accuracy,
// multiclass_accuracy or mse.
const char* headline_metric(PredictorType type);

// binary_classification_cross_entropy_objective (logistic), multiclass_cross_entropy_objective
// (softmax_loss), mse_objective (squared_loss), LOSS_objective for the others.
std::string sagemaker_objective_name(LossKind loss);

// One epoch's lines for the model shown as the epoch's best; epochs count from 0.
std::vector<std::string> epoch_metric_lines(const TrainConfig& config, const EpochRecord& record,
                                            const ModelEpoch& best, bool validated);

// The selected model's final metrics (train:..., validation:..., test:...), one line each.
std::vector<std::string> final_metric_lines(const TrainConfig& config, const MetricMap& metrics);

}  // namespace linlearn
