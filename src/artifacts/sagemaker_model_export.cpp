// Writing a LinearModel in SageMaker Linear Learner's model_algo-1 / model.tar.gz layout, member
// by member as SageMaker writes them (see ../shared/sagemaker-models for the real ones).
#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "artifacts/sagemaker_model.h"
#include "artifacts/sagemaker_model_archive.h"
#include "artifacts/sagemaker_model_ndarray.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

using ordered_json = nlohmann::ordered_json;

// The MXNet version SageMaker's 2020 and 2024 graphs carry.
constexpr int kMxnetVersion = 10301;

void check_exportable(const LinearModel& model) {
  if (model.predictor_type == PredictorType::kBinary && model.loss != LossKind::kLogistic)
    throw UsageError(fmt::format(
        "convert-model: a binary_classifier trained with {} cannot be written as a SageMaker model: SageMaker's binary "
        "graph ends in LogisticRegressionOutput, which would turn its margins into sigmoid probabilities and change "
        "every score and the threshold's meaning; keep the linlearn model, or retrain with loss=logistic",
        loss_kind_name(model.loss)));
  if (model.predictor_type == PredictorType::kMulticlass && model.loss != LossKind::kSoftmax)
    throw UsageError(
        fmt::format("convert-model: a multiclass_classifier with loss {} cannot be written as a SageMaker "
                    "model (SoftmaxOutput needs softmax_loss)",
                    loss_kind_name(model.loss)));
}

double hyperparameter_or(const LinearModel& model, const char* key, double fallback) {
  if (!model.hyperparameters.is_object()) return fallback;
  const auto it = model.hyperparameters.find(key);
  return it != model.hyperparameters.end() && it->is_number() ? it->get<double>() : fallback;
}

// A loss parameter when the model's loss uses it, else null, as SageMaker writes metrics_params.
ordered_json loss_parameter(const LinearModel& model, std::initializer_list<LossKind> users, double value) {
  return std::find(users.begin(), users.end(), model.loss) != users.end() ? ordered_json(value) : ordered_json();
}

ordered_json additional_params(const LinearModel& model) {
  const LossParams& p = model.loss_params;
  const bool regressor = model.predictor_type == PredictorType::kRegressor;
  const ordered_json metrics_params = {
      {"eps_insensitive_loss_type", nullptr},
      {"class_weights", nullptr},
      {"huber_delta", loss_parameter(model, {LossKind::kHuber}, p.huber_delta)},
      {"quantile", loss_parameter(model, {LossKind::kQuantile}, p.quantile)},
      {"loss_insensitivity",
       loss_parameter(model, {LossKind::kEpsInsensitiveAbsolute, LossKind::kEpsInsensitiveSquared},
                      p.loss_insensitivity)},
      {"positive_example_weight_mult", hyperparameter_or(model, "positive_example_weight_mult", 1.0)},
      {"accuracy_top_k", static_cast<int>(hyperparameter_or(model, "accuracy_top_k", 3))},
      {"threshold", model.threshold},
      {"f_beta", regressor ? ordered_json() : ordered_json(hyperparameter_or(model, "f_beta", 1.0))},
      {"margin", loss_parameter(model, {LossKind::kHinge}, p.margin)}};
  return {{"threshold", model.threshold},
          {"loss_type", loss_kind_name(model.loss)},
          {"metrics_params", metrics_params},
          {"predictor_type", predictor_type_name(model.predictor_type)}};
}

ordered_json variable_node(const char* name, ordered_json attrs = nullptr) {
  ordered_json node = {{"op", "null"}, {"name", name}};
  if (!attrs.is_null()) node["attrs"] = std::move(attrs);
  node["inputs"] = ordered_json::array();
  return node;
}

ordered_json op_node(const std::string& op, const std::string& name, int first_input) {
  return {{"op", op}, {"name", name}, {"inputs", {{first_input, 0, 0}, {first_input + 1, 0, 0}}}};
}

// data . fc0_weight + fc0_bias -> output op, the graph of every real Linear Learner model.
ordered_json symbol(const LinearModel& model) {
  const std::string op = sagemaker_output_op(model.predictor_type);
  std::string op_name = op + "0";
  std::transform(op_name.begin(), op_name.end(), op_name.begin(), [](unsigned char c) { return std::tolower(c); });
  const int k = model.outputs;
  const ordered_json nodes = {
      variable_node("data"),
      variable_node("fc0_weight", {{"__shape__", fmt::format("({}, {})", model.feature_dim, k)}}),
      op_node("dot", "dot0", 0),
      variable_node("fc0_bias", {{"__lr_mult__", "10.0"}, {"__shape__", fmt::format("(1, {})", k)}}),
      op_node("broadcast_add", "broadcast_plus0", 2),
      variable_node("out_label"),
      op_node(op, op_name, 4)};
  return {{"nodes", nodes},
          {"arg_nodes", {0, 1, 3, 5}},
          {"node_row_ptr", {0, 1, 2, 3, 4, 5, 6, 7}},
          {"heads", {{6, 0, 0}}},
          {"attrs", {{"mxnet_version", {"int", kMxnetVersion}}}}};
}

// fc0_weight as (feature_dim, K): linlearn keeps K rows of its stored features. SageMaker's arrays
// are dense: a sparse model's unstored features are written as zeros.
std::string params(const LinearModel& model) {
  const std::size_t d = model.feature_dim;
  const auto k = static_cast<std::size_t>(model.outputs);
  NamedArray weight{"arg:fc0_weight", {d, k}, std::vector<float>(d * k, 0.0F)};
  for (std::size_t i = 0; i < model.stored_features(); ++i) {
    const std::size_t f = model.sparse ? model.keys[i] : i;
    for (std::size_t c = 0; c < k; ++c) weight.values[f * k + c] = model.stored_weight(static_cast<int>(c), i);
  }
  NamedArray bias{"arg:fc0_bias", {1, k}, model.bias};
  return write_ndarray_list({std::move(weight), std::move(bias)});
}

}  // namespace

const char* sagemaker_output_op(PredictorType type) {
  switch (type) {
    case PredictorType::kBinary:
      return "LogisticRegressionOutput";
    case PredictorType::kMulticlass:
      return "SoftmaxOutput";
    case PredictorType::kRegressor:
      return "LinearRegressionOutput";
  }
  return "";
}

std::string sagemaker_model_algo_bytes(const LinearModel& model) {
  check_exportable(model);
  const ordered_json manifest = {{"additional-params.json", "json"}, {"mx-mod", "mxnet_module"}, {"version", 1}};
  return write_stored_zip({{"mx-mod-0000.params", params(model)},
                           {"manifest.json", manifest.dump()},
                           {"additional-params.json", additional_params(model).dump()},
                           {"mx-mod-symbol.json", symbol(model).dump(2)}});
}

void write_sagemaker_model_tar_gz(const std::string& path, const LinearModel& model) {
  write_file_atomically(path, write_tar_gz({"model_algo-1", sagemaker_model_algo_bytes(model)}));
}

}  // namespace linlearn
