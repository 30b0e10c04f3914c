#include "raw_model.h"

namespace linlearn {

void raw_parameters(const ModelRefs& params, const Normalization& norm, int outputs, RowMatrix& weights,
                    Eigen::RowVectorXf& bias) {
  const std::size_t d = norm.scale.size();
  const auto k = static_cast<std::size_t>(outputs);
  weights.resize(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(params.size() * k));
  bias.resize(static_cast<Eigen::Index>(params.size() * k));
  for (std::size_t m = 0; m < params.size(); ++m) {
    for (std::size_t c = 0; c < k; ++c) {
      const auto col = static_cast<Eigen::Index>(m * k + c);
      // score = label_scale * (((x - mean) / scale) . w + b) + label_mean
      double shift = 0;
      for (std::size_t j = 0; j < d; ++j) {
        const double w = norm.label_scale * params[m]->weights[j * k + c] / norm.scale[j];
        weights(static_cast<Eigen::Index>(j), col) = static_cast<float>(w);
        shift += norm.mean[j] * w;
      }
      bias(col) = static_cast<float>(norm.label_scale * params[m]->bias[c] - shift + norm.label_mean);
    }
  }
}

namespace {

// The raw weights `w` (a row per feature of `features`) as a sparse model's keys and weights: the
// features with a non-zero weight for some output.
void store_sparse(const RowMatrix& w, const FeatureIndex& features, LinearModel& model) {
  const auto k = static_cast<std::size_t>(model.outputs);
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < features.size(); ++i)
    if ((w.row(static_cast<Eigen::Index>(i)).array() != 0.0F).any()) rows.push_back(i);
  model.sparse = true;
  model.keys.resize(rows.size());
  model.weights.resize(k * rows.size());
  for (std::size_t n = 0; n < rows.size(); ++n) {
    model.keys[n] = features.keys()[rows[n]];
    for (std::size_t c = 0; c < k; ++c)
      model.weights[c * rows.size() + n] = w(static_cast<Eigen::Index>(rows[n]), static_cast<Eigen::Index>(c));
  }
}

}  // namespace

LinearModel make_linear_model(const TrainConfig& config, const ModelParameters& params, const Normalization& norm,
                              int outputs, const FeatureIndex* features) {
  LinearModel model;
  model.predictor_type = config.predictor_type;
  model.loss = config.loss;
  model.loss_params = config.loss_params;
  model.feature_dim = features != nullptr ? features->feature_dim() : norm.scale.size();
  model.num_classes = config.num_classes;
  model.outputs = outputs;
  model.normalization = norm;
  model.hyperparameters = config.resolved;
  model.initial_model = config.initial_model;
  RowMatrix w;
  Eigen::RowVectorXf b;
  raw_parameters({&params}, norm, outputs, w, b);
  model.bias.assign(b.data(), b.data() + outputs);
  model.threshold = default_threshold(config.loss);
  if (features != nullptr) {
    // The features' scales are folded into the weights; per slot, they would describe no feature.
    model.normalization.mean.clear();
    model.normalization.scale.clear();
    store_sparse(w, *features, model);
    // Stored sparse only while that is smaller: when most weights are zero.
    if (2 * model.keys.size() > model.feature_dim) model = densified(std::move(model));
    return model;
  }
  model.weights.resize(model.feature_dim * static_cast<std::size_t>(outputs));
  for (int k = 0; k < outputs; ++k)
    for (std::size_t j = 0; j < model.feature_dim; ++j)
      model.weights[static_cast<std::size_t>(k) * model.feature_dim + j] = w(static_cast<Eigen::Index>(j), k);
  return model;
}

}  // namespace linlearn
