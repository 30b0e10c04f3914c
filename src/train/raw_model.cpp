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

LinearModel make_linear_model(const TrainConfig& config, const ModelParameters& params, const Normalization& norm,
                              int outputs) {
  LinearModel model;
  model.predictor_type = config.predictor_type;
  model.loss = config.loss;
  model.loss_params = config.loss_params;
  model.feature_dim = norm.scale.size();
  model.num_classes = config.num_classes;
  model.outputs = outputs;
  model.normalization = norm;
  model.hyperparameters = config.resolved;
  model.initial_model = config.initial_model;
  RowMatrix w;
  Eigen::RowVectorXf b;
  raw_parameters({&params}, norm, outputs, w, b);
  model.weights.resize(model.feature_dim * static_cast<std::size_t>(outputs));
  for (int k = 0; k < outputs; ++k)
    for (std::size_t j = 0; j < model.feature_dim; ++j)
      model.weights[static_cast<std::size_t>(k) * model.feature_dim + j] = w(static_cast<Eigen::Index>(j), k);
  model.bias.assign(b.data(), b.data() + outputs);
  model.threshold = default_threshold(config.loss);
  return model;
}

}  // namespace linlearn
