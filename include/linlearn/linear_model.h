#pragma once
// A trained model in the units of the raw input: score = link(x . weights + bias).
#include <cstddef>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "linlearn/config.h"
#include "linlearn/loss.h"
#include "linlearn/normalizer.h"

namespace linlearn {

inline constexpr int kModelFormatVersion = 1;
// Sparse models (LinearModel::sparse) are written as version 2; readers take both.
inline constexpr int kSparseModelFormatVersion = 2;

struct LinearModel {
  PredictorType predictor_type = PredictorType::kBinary;
  LossKind loss = LossKind::kLogistic;
  LossParams loss_params;
  std::size_t feature_dim = 0;
  int num_classes = 2;
  int outputs = 1;  // margins per record: num_classes for softmax, else 1
  // A sparse model (trained on sparse data) keeps weights only for `keys`, ascending: the features
  // with a non-zero weight for some output. Every other feature weighs 0, a feature that never
  // occurred in training among them. A dense model keeps every feature's (keys empty).
  bool sparse = false;
  std::vector<std::uint32_t> keys;
  std::vector<float> weights;   // outputs x stored_features(), row-major
  std::vector<float> bias;      // outputs
  double threshold = 0.5;       // binary: predicted label = score > threshold
  Normalization normalization;  // what training used; already folded into weights and bias
  nlohmann::json hyperparameters;

  std::size_t stored_features() const { return sparse ? keys.size() : feature_dim; }
  // The weight of feature keys[i] (sparse) or i (dense) for output k.
  float stored_weight(int k, std::size_t i) const {
    return weights[static_cast<std::size_t>(k) * stored_features() + i];
  }
  // Warm start: the content hash (model_content_hash) of the model training started from; "" when none.
  std::string initial_model;
};

// The model with every feature's weight stored (a dense model is returned as it is).
LinearModel densified(LinearModel model);

// The threshold a binary model uses before calibration: 0.5 on probabilities, 0 on hinge margins.
double default_threshold(LossKind loss);

}  // namespace linlearn
