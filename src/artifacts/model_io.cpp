// model.pb and model.json: the same content in two encodings.
#include <climits>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <google/protobuf/stubs/logging.h>

#include "linlearn/artifacts.h"
#include "linlearn/errors.h"
#include "linlearn/loss.h"
#include "model.pb.h"

namespace linlearn {
namespace {

constexpr const char* kModelMagic = "LLMODEL1";

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot read model: no such file", path));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

LinearModel from_proto(const pb::Model& m, const std::string& path) {
  if (m.magic() != kModelMagic) throw InputError(fmt::format("{}: not a linlearn model (bad magic)", path));
  if (m.format_version() != static_cast<unsigned>(kModelFormatVersion))
    throw InputError(fmt::format("{}: model format version {} is not supported; expected {}", path, m.format_version(),
                                 kModelFormatVersion));
  LinearModel model;
  try {
    model.predictor_type = parse_predictor_type(m.predictor_type());
    model.loss = parse_loss_kind(m.loss());
  } catch (const UsageError& e) {
    throw InputError(fmt::format("{}: corrupt model: {}", path, e.what()));
  }
  model.feature_dim = m.feature_dim();
  model.num_classes = static_cast<int>(m.num_classes());
  model.outputs = static_cast<int>(m.outputs());
  // Compared by division: feature_dim * outputs could wrap around for a hostile feature_dim.
  const auto weights = static_cast<std::uint64_t>(m.weights_size());
  if (model.outputs < 1 || model.feature_dim == 0 || weights % static_cast<std::uint64_t>(model.outputs) != 0 ||
      weights / static_cast<std::uint64_t>(model.outputs) != m.feature_dim() || m.bias_size() != model.outputs)
    throw InputError(fmt::format("{}: corrupt model: {} weights and {} biases for feature_dim {} and {} outputs", path,
                                 m.weights_size(), m.bias_size(), m.feature_dim(), m.outputs()));
  model.weights.assign(m.weights().begin(), m.weights().end());
  model.bias.assign(m.bias().begin(), m.bias().end());
  model.threshold = m.threshold();
  model.loss_params.num_classes = model.num_classes;
  model.loss_params.margin = m.loss_parameters().margin();
  model.loss_params.quantile = m.loss_parameters().quantile();
  model.loss_params.loss_insensitivity = m.loss_parameters().loss_insensitivity();
  model.loss_params.huber_delta = m.loss_parameters().huber_delta();
  // Scoring builds this loss and hands it `outputs` margins per record: both must hold up.
  int loss_outputs = 0;
  try {
    loss_outputs = make_loss(model.loss, model.loss_params)->outputs();
  } catch (const UsageError& e) {
    throw InputError(fmt::format("{}: corrupt model: {}", path, e.what()));
  }
  if (loss_outputs != model.outputs)
    throw InputError(fmt::format("{}: corrupt model: loss {} needs {} outputs, found {}", path, m.loss(), loss_outputs,
                                 m.outputs()));
  const auto& n = m.normalization();
  model.normalization.mean.assign(n.feature_mean().begin(), n.feature_mean().end());
  model.normalization.scale.assign(n.feature_scale().begin(), n.feature_scale().end());
  model.normalization.label_mean = n.label_mean();
  model.normalization.label_scale = n.label_scale();
  model.normalization.sample_size = n.sample_size();
  // Written last, so a model.pb cut at any field boundary lacks it: it doubles as the end marker.
  model.hyperparameters = nlohmann::json::parse(m.hyperparameters_json(), nullptr, false);
  if (m.hyperparameters_json().empty() || model.hyperparameters.is_discarded())
    throw InputError(fmt::format("{}: corrupt or truncated model (no valid hyperparameters_json)", path));
  return model;
}

}  // namespace

std::string serialize_model_pb(const LinearModel& model) {
  pb::Model m;
  m.set_magic(kModelMagic);
  m.set_format_version(kModelFormatVersion);
  m.set_predictor_type(predictor_type_name(model.predictor_type));
  m.set_loss(loss_kind_name(model.loss));
  m.set_feature_dim(model.feature_dim);
  m.set_num_classes(static_cast<unsigned>(model.num_classes));
  m.set_outputs(static_cast<unsigned>(model.outputs));
  m.mutable_weights()->Assign(model.weights.begin(), model.weights.end());
  m.mutable_bias()->Assign(model.bias.begin(), model.bias.end());
  m.set_threshold(model.threshold);
  auto* lp = m.mutable_loss_parameters();
  lp->set_margin(model.loss_params.margin);
  lp->set_quantile(model.loss_params.quantile);
  lp->set_loss_insensitivity(model.loss_params.loss_insensitivity);
  lp->set_huber_delta(model.loss_params.huber_delta);
  auto* n = m.mutable_normalization();
  n->mutable_feature_mean()->Assign(model.normalization.mean.begin(), model.normalization.mean.end());
  n->mutable_feature_scale()->Assign(model.normalization.scale.begin(), model.normalization.scale.end());
  n->set_label_mean(model.normalization.label_mean);
  n->set_label_scale(model.normalization.label_scale);
  n->set_sample_size(model.normalization.sample_size);
  m.set_hyperparameters_json(model.hyperparameters.dump());
  std::string bytes;
  m.SerializeToString(&bytes);
  return bytes;
}

nlohmann::json model_to_json(const LinearModel& model) {
  nlohmann::json j;
  j["format_version"] = kModelFormatVersion;
  j["predictor_type"] = predictor_type_name(model.predictor_type);
  j["loss"] = loss_kind_name(model.loss);
  j["feature_dim"] = model.feature_dim;
  j["num_classes"] = model.num_classes;
  const auto d = static_cast<std::ptrdiff_t>(model.feature_dim);
  if (model.outputs == 1) {
    j["weights"] = model.weights;
    j["bias"] = model.bias.front();
  } else {
    nlohmann::json rows = nlohmann::json::array();
    for (int k = 0; k < model.outputs; ++k)
      rows.push_back(std::vector<float>(model.weights.begin() + k * d, model.weights.begin() + (k + 1) * d));
    j["weights"] = rows;
    j["bias"] = model.bias;
  }
  if (model.predictor_type == PredictorType::kBinary) j["threshold"] = model.threshold;
  j["loss_parameters"] = {{"margin", model.loss_params.margin},
                          {"quantile", model.loss_params.quantile},
                          {"loss_insensitivity", model.loss_params.loss_insensitivity},
                          {"huber_delta", model.loss_params.huber_delta}};
  j["normalization"] = {{"feature_mean", model.normalization.mean},
                        {"feature_scale", model.normalization.scale},
                        {"label_mean", model.normalization.label_mean},
                        {"label_scale", model.normalization.label_scale},
                        {"sample_size", model.normalization.sample_size}};
  j["hyperparameters"] = model.hyperparameters;
  return j;
}

LinearModel load_model(const std::string& path) {
  std::string file = path;
  if (std::filesystem::is_directory(path)) file = (std::filesystem::path(path) / "model.pb").string();
  if (std::filesystem::path(file).extension() == ".json")
    throw InputError(fmt::format("{}: cannot load a model.json (it is for people and other tools); give the model.pb "
                                 "beside it, or its directory",
                                 file));
  return parse_model_pb(read_whole(file), file);
}

LinearModel parse_model_pb(std::string_view bytes, const std::string& name) {
  pb::Model m;
  // protobuf logs invalid UTF-8 in string fields to stderr; the InputError below is the one message.
  const google::protobuf::LogSilencer quiet;
  if (bytes.size() > std::size_t{INT_MAX} || !m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw InputError(fmt::format("{}: corrupt or truncated model (protobuf parse failed)", name));
  return from_proto(m, name);
}

}  // namespace linlearn
