#pragma once
// Folding the normalization back out of trained parameters: weights and bias in raw input units.
#include <vector>

#include "batch_gradient.h"
#include "linlearn/config.h"
#include "linlearn/linear_model.h"
#include "linlearn/normalizer.h"
#include "linlearn/scoring.h"

namespace linlearn {

// Raw-unit weights of every model stacked side by side: feature_dim x (models * outputs).
void raw_parameters(const ModelRefs& params, const Normalization& norm, int outputs, RowMatrix& weights,
                    Eigen::RowVectorXf& bias);

LinearModel make_linear_model(const TrainConfig& config, const ModelParameters& params, const Normalization& norm,
                              int outputs);

}  // namespace linlearn
