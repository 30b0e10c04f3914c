#include "linlearn/warm_start.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "checkpoint.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"
#include "linlearn/reader.h"
#include "warm_parameters.h"

namespace linlearn {
namespace {

// Models whose weights mean the same thing, so one can start the other.
std::string loss_family(LossKind loss) {
  switch (loss) {
    case LossKind::kLogistic:
    case LossKind::kSoftmax:
      return "probabilistic classifier (logistic, softmax_loss)";
    case LossKind::kHinge:
      return "hinge classifier (hinge_loss)";
    default:
      return "regressor";
  }
}

[[noreturn]] void refuse(const std::string& path, const std::string& what) {
  throw UsageError(fmt::format("--initial-model {}: {}", path, what));
}

}  // namespace

std::string model_content_hash(const LinearModel& model) {
  const std::string bytes = serialize_model_pb(model);
  ContentHasher h;
  h.add(bytes.data(), bytes.size());
  return h.hex();
}

InitialModel load_initial_model(const std::string& path, const TrainConfig& config) {
  InitialModel initial{path, load_model(path), ""};
  const LinearModel& m = initial.model;
  if (m.predictor_type != config.predictor_type)
    refuse(path, fmt::format("a {} cannot start a {}", predictor_type_name(m.predictor_type),
                             predictor_type_name(config.predictor_type)));
  if (m.num_classes != config.num_classes)
    refuse(path, fmt::format("it has {} classes, this run {}", m.num_classes, config.num_classes));
  if (loss_family(m.loss) != loss_family(config.loss))
    refuse(path, fmt::format("its loss {} is a {}, this run's {} a {}", loss_kind_name(m.loss), loss_family(m.loss),
                             loss_kind_name(config.loss), loss_family(config.loss)));
  if (config.feature_dim != 0 && m.feature_dim != config.feature_dim)
    refuse(path, fmt::format("it has {} features, this run's feature_dim is {}", m.feature_dim, config.feature_dim));
  initial.hash = model_content_hash(m);
  return initial;
}

void check_initial_width_early(const InitialModel& initial, const std::vector<std::string>& train) {
  const std::vector<std::string> files = expand_paths(train);
  if (files.empty() || files.front() == "-" || !std::filesystem::is_regular_file(files.front())) return;
  std::ifstream in(files.front(), std::ios::binary);
  std::string line;
  if (!std::getline(in, line) || line.size() > (std::size_t{1} << 24)) return;
  if (detect_content_type(line) != ContentType::kCsv) return;
  const auto features = static_cast<std::size_t>(std::count(line.begin(), line.end(), ','));
  if (features != initial.model.feature_dim)
    refuse(initial.path, fmt::format("it has {} features, the training data {} ({})", initial.model.feature_dim,
                                     features, files.front()));
}

void fit_initial_width(const InitialModel& initial, std::size_t& feature_dim, bool sparse) {
  const std::size_t model_dim = initial.model.feature_dim;
  if (model_dim == feature_dim) return;
  if (!sparse) refuse(initial.path, fmt::format("it has {} features, the training data {}", model_dim, feature_dim));
  feature_dim = std::max(feature_dim, model_dim);
}

ModelParameters warm_parameters(const LinearModel& given, const Normalization& norm, std::size_t rows,
                                const FeatureIndex* index) {
  const LinearModel model = densified(given);
  const auto k = static_cast<std::size_t>(model.outputs);
  ModelParameters p;
  p.weights.assign(rows * k, 0.0F);
  p.bias.resize(k);
  // score = label_scale * (((x - mean) / scale) . w + b) + label_mean = x . W + B in raw units, so
  // w_j = W_j scale_j / label_scale and b = (B - label_mean + sum_j mean_j W_j) / label_scale.
  for (std::size_t c = 0; c < k; ++c) {
    double shift = 0;
    for (std::size_t row = 0; row < rows; ++row) {
      const std::size_t j = index != nullptr ? index->keys()[row] : row;
      if (j >= model.feature_dim) continue;
      const double raw = model.weights[c * model.feature_dim + j];
      p.weights[row * k + c] = static_cast<float>(raw * norm.scale[row] / norm.label_scale);
      shift += norm.mean[row] * raw;
    }
    p.bias[c] = static_cast<float>((model.bias[c] - norm.label_mean + shift) / norm.label_scale);
  }
  return p;
}

}  // namespace linlearn
