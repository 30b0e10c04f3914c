#include "linlearn/class_weights.h"

#include <algorithm>

#include <fmt/format.h>

#include "linlearn/errors.h"

namespace linlearn {

std::vector<float> ClassWeights::for_records(const Dataset& data) const {
  std::vector<float> w(data.rows(), 1.0F);
  if (per_class.empty()) return w;
  for (std::size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<float>(per_class[static_cast<std::size_t>(data.labels[i])]);
  return w;
}

std::vector<double> count_classes(const std::vector<float>& labels, const TrainConfig& config) {
  if (config.predictor_type == PredictorType::kRegressor) return {};
  std::vector<double> count(static_cast<std::size_t>(config.num_classes), 0.0);
  for (float y : labels) count[static_cast<std::size_t>(y)] += 1;
  return count;
}

DataFacts describe_training_data(const Dataset& train, const TrainConfig& config) {
  return {train.rows(), train.feature_dim, train.sparse, count_classes(train.labels, config)};
}

std::vector<std::string> check_class_counts(const std::vector<double>& count, const TrainConfig& config,
                                            const std::string& source) {
  if (config.predictor_type == PredictorType::kRegressor) return {};
  double records = 0;
  for (double c : count) records += c;
  if (config.predictor_type == PredictorType::kBinary) {
    for (int c = 0; c < 2; ++c)
      if (count[static_cast<std::size_t>(c)] == 0)
        throw InputError(
            fmt::format("{}: class {} never occurs: all {} training records have label {}; a "
                        "binary_classifier needs records of both classes 0 and 1",
                        source, c, records, 1 - c));
    return {};
  }
  std::vector<std::string> warnings;
  for (std::size_t c = 0; c < count.size(); ++c)
    if (count[c] == 0)
      warnings.push_back(
          fmt::format("class {} never occurs in the {} training records of {} (num_classes {}): the "
                      "model will not learn to predict it",
                      c, records, source, config.num_classes));
  return warnings;
}

}  // namespace linlearn
