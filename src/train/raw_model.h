#pragma once
// Folding the normalization back out of trained parameters: weights and bias in raw input units.
#include <vector>

#include "batch_gradient.h"
#include "linlearn/config.h"
#include "linlearn/linear_model.h"
#include "linlearn/normalizer.h"
#include "linlearn/scoring.h"

namespace linlearn {

// Raw-unit weights of every model stacked side by side: a row per weight row of the parameters
// (every feature, or for sparse data the features of the training data's FeatureIndex) x
// (models * outputs).
void raw_parameters(const ModelRefs& params, const Normalization& norm, int outputs, RowMatrix& weights,
                    Eigen::RowVectorXf& bias);

// Sparse data (`features` given): a sparse model whose keys are the features with a non-zero
// weight, unless most weights are non-zero (then dense), with the label statistics alone.
LinearModel make_linear_model(const TrainConfig& config, const ModelParameters& params, const Normalization& norm,
                              int outputs, const FeatureIndex* features = nullptr);

}  // namespace linlearn
