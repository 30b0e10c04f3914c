#pragma once
// Scoring records with one or more linear models in raw input units, and turning the scores of a
// labelled channel into metrics. Used by training (validation), selection, evaluate and predict.
#include <span>
#include <vector>

#include <Eigen/Core>

#include "linlearn/config.h"
#include "linlearn/dataset.h"
#include "linlearn/linear_model.h"
#include "linlearn/loss.h"
#include "linlearn/metrics.h"
#include "linlearn/thread_pool.h"

namespace linlearn {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Margins X * W + b for every record: W is feature_dim x C (C stacked output columns).
RowMatrix compute_margins(const Dataset& data, const RowMatrix& weights, const Eigen::RowVectorXf& bias,
                          ThreadPool& pool);

// A single model's weights laid out as compute_margins expects.
RowMatrix stacked_weights(const LinearModel& model);
Eigen::RowVectorXf stacked_bias(const LinearModel& model);

struct EvaluationSettings {
  PredictorType predictor_type = PredictorType::kBinary;
  double threshold = 0.5;
  int top_k = 3;
  double f_beta = 1.0;
};

struct Evaluation {
  MetricMap metrics;          // objective_loss plus the predictor type's metrics (no channel prefix)
  std::vector<float> scores;  // link(margin): rows x outputs
};

// Scores and metrics of one model whose margins are columns [first, first + loss.outputs()) of `margins`.
Evaluation evaluate_margins(const RowMatrix& margins, int first, const Loss& loss, std::span<const float> labels,
                            std::span<const float> weights, const EvaluationSettings& settings);

}  // namespace linlearn
