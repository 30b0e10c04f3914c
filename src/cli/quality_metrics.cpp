#include "cli/quality_metrics.h"

#include <algorithm>

#include <fmt/format.h>

#include "linlearn/loss.h"

namespace linlearn {
namespace {

constexpr const char* kHost = "host=algo-1";  // SageMaker's name of the one host that trains

bool is_loss(const std::string& metric) {
  return metric == "objective_loss" || metric == "mse" || metric == "rmse" || metric == "absolute_loss";
}

// A metric as Linear Learner's lines name it.
std::string line_name(const TrainConfig& config, const std::string& metric) {
  if (metric == "objective_loss") return sagemaker_objective_name(config.loss);
  if (metric == "binary_f_beta") return fmt::format("binary_f_{:.3f}", config.f_beta);
  if (metric == "macro_f_beta") return fmt::format("macro_f_{:.3f}", config.f_beta);
  if (metric == "multiclass_top_k_accuracy") return fmt::format("multiclass_top_k_accuracy_{}", config.accuracy_top_k);
  return metric;
}

// "train binary_classification_accuracy <score>=0.9"
std::string measure(const TrainConfig& config, const std::string& channel, const std::string& metric, double value) {
  return fmt::format("{} {} <{}>={}", channel, line_name(config, metric), is_loss(metric) ? "loss" : "score", value);
}

}  // namespace

const char* headline_metric(PredictorType type) {
  return type == PredictorType::kBinary       ? "binary_classification_accuracy"
         : type == PredictorType::kMulticlass ? "multiclass_accuracy"
                                              : "mse";
}

std::string sagemaker_objective_name(LossKind loss) {
  switch (loss) {
    case LossKind::kLogistic:
      return "binary_classification_cross_entropy_objective";
    case LossKind::kSoftmax:
      return "multiclass_cross_entropy_objective";
    case LossKind::kSquared:
      return "mse_objective";
    default:
      return loss_kind_name(loss) + "_objective";
  }
}

std::vector<std::string> epoch_metric_lines(const TrainConfig& config, const EpochRecord& record,
                                            const ModelEpoch& best, bool validated) {
  const std::string start = fmt::format("#quality_metric: {}, epoch={}, ", kHost, record.epoch);
  std::vector<std::string> lines{start + measure(config, "train", "objective_loss", best.progressive_loss)};
  if (validated && !best.validation.empty()) {
    const char* headline = headline_metric(config.predictor_type);
    lines.push_back(start + measure(config, "validation", "objective_loss", best.validation.at("objective_loss")));
    lines.push_back(start + measure(config, "validation", headline, best.validation.at(headline)));
  }
  lines.push_back(fmt::format("#progress_metric: {}, completed {} %", kHost,
                              100.0 * (record.epoch + 1) / std::max(config.epochs, 1)));
  lines.push_back(
      fmt::format("#throughput_metric: {}, train throughput={} records/second", kHost, record.records_per_second));
  return lines;
}

std::vector<std::string> final_metric_lines(const TrainConfig& config, const MetricMap& metrics) {
  std::vector<std::string> lines;
  for (const char* channel : {"train", "validation", "test"}) {
    const std::string prefix = std::string(channel) + ":";
    const auto objective = metrics.find(prefix + "objective_loss");
    if (objective == metrics.end()) continue;
    lines.push_back(
        fmt::format("#quality_metric: {}, {}", kHost, measure(config, channel, "objective_loss", objective->second)));
    for (const auto& [key, value] : metrics)
      if (key.starts_with(prefix) && key != objective->first)
        lines.push_back(
            fmt::format("#quality_metric: {}, {}", kHost, measure(config, channel, key.substr(prefix.size()), value)));
  }
  return lines;
}

}  // namespace linlearn
