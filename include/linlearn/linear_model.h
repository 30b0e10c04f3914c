#pragma once
// A trained model in the units of the raw input: score = link(x . weights + bias).
#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

#include "linlearn/config.h"
#include "linlearn/loss.h"
#include "linlearn/normalizer.h"

namespace linlearn {

inline constexpr int kModelFormatVersion = 1;

struct LinearModel {
  PredictorType predictor_type = PredictorType::kBinary;
  LossKind loss = LossKind::kLogistic;
  LossParams loss_params;
  std::size_t feature_dim = 0;
  int num_classes = 2;
  int outputs = 1;              // margins per record: num_classes for softmax, else 1
  std::vector<float> weights;   // outputs x feature_dim, row-major
  std::vector<float> bias;      // outputs
  double threshold = 0.5;       // binary: predicted label = score > threshold
  Normalization normalization;  // what training used; already folded into weights and bias
  nlohmann::json hyperparameters;
  // Warm start: the content hash (model_content_hash) of the model training started from; "" when none.
  std::string initial_model;
};

// The threshold a binary model uses before calibration: 0.5 on probabilities, 0 on hinge margins.
double default_threshold(LossKind loss);

}  // namespace linlearn
